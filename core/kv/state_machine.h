// KvStateMachine: the replicated key-value state every replica applies
// committed client requests to, in commit order. It applies each (client,
// request number) at most once and keeps an order-independent state digest
// for the state-agreement checker. Owns its KvStore. Deterministic: the same
// requests at the same heights give the same results, contents and digest.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/kv/kv_store.h"
#include "core/protocol/operation.h"
#include "core/kv/state_digest.h"
#include "core/crypto/hash.h"
#include "core/types/ids.h"
#include "core/types/result.h"
#include "core/types/sorted_window.h"

namespace bftsim {

// How far below a client's highest applied request number a request may
// still arrive and be applied (clients may have several requests
// outstanding, so numbers commit out of order). Older numbers are stale.
inline constexpr RequestNumber request_window_max = 1024;

struct ApplyOutcome {
  enum class Kind : std::uint8_t {
    applied,    // executed now, at `height`
    duplicate,  // executed before: the cached result and its original height
    stale,      // too far below the client's window: not executed, no result
  };
  Kind kind = Kind::applied;
  OpResult result;
  Height height = 0;  // applied/duplicate: where it was first applied; stale: 0
  auto operator<=>(const ApplyOutcome&) const = default;
};

const char* apply_kind_name(ApplyOutcome::Kind kind);

// A decimal 64-bit integer as Redis reads one: an optional '-', digits, no
// leading zero (except "0"), no '+' or spaces. nullopt otherwise.
std::optional<std::int64_t> parse_int64(std::string_view text);

// Not thread-safe (core/ is single-threaded). Sizes of keys and values are
// not checked here: the codec rejects oversized requests before they commit.
class KvStateMachine {
 public:
  // Starts empty on a MemoryKvStore.
  KvStateMachine();
  // Over `store`, which may hold the pairs of an earlier run (recovery, or an
  // installed snapshot): the digest is computed from its contents. Client
  // records come back through restore_client_record(). Requires: non-null.
  explicit KvStateMachine(std::unique_ptr<KvStore> store);

  // Applies request `number` of `client`, whose operation is `op`, committed
  // at `height`. Requires: height >= every height passed before (commit
  // order). Request number 0 (never issued; numbers start at 1) is stale.
  ApplyOutcome apply(ClientId client, RequestNumber number, const Operation& op, Height height);

  // Depends only on the store's contents; O(1) to maintain per write.
  Hash32 digest() const { return digest_.value(); }
  // The highest height passed to apply(), whatever the outcome; 0 before any.
  Height last_applied_height() const { return last_applied_height_; }
  // Requests executed (kind applied); duplicates and stale ones not counted.
  std::uint64_t applied_count() const { return applied_count_; }
  const KvStore& store() const { return *store_; }
  // Cached replies kept across all clients (at most request_window_max each).
  std::size_t cached_reply_count() const { return cached_reply_count_; }

  // ---- persistence and snapshots: the exactly-once records ----
  // Each cached reply is one record, so a request costs one record write and
  // a reply that leaves the window one delete.
  using ReplyKey = std::pair<ClientId, RequestNumber>;
  // The cached replies added or forgotten since the last call, ascending.
  std::vector<ReplyKey> take_changed_replies();
  // Forgets them (a store that persists no replies calls it at each commit,
  // so the set does not grow with the run).
  void forget_changed_replies() { changed_replies_.clear(); }
  bool has_cached_reply(const ReplyKey& key) const;
  // Every cached reply, ascending.
  std::vector<ReplyKey> cached_reply_keys() const;
  // Requires: has_cached_reply(key). Little-endian: u64 height, u8 status,
  // u8 has_value [, u32 size, bytes]; a batch's status has bit 7 set and its
  // results follow (u32 count, then each status, has_value [, size, bytes]).
  std::vector<std::uint8_t> encode_cached_reply(const ReplyKey& key) const;
  // The same into `out` (cleared first, so a caller reuses one buffer), with
  // one lookup; false (and `out` empty) when there is no such reply.
  bool encode_cached_reply(const ReplyKey& key, std::vector<std::uint8_t>& out) const;
  // Recovery: add the decoded reply (ErrorCode::corruption for bytes that do
  // not decode, or a key already present). Call finish_restore() after the
  // last one; it checks every client's window.
  Status restore_cached_reply(const ReplyKey& key, std::span<const std::uint8_t> bytes);
  Status finish_restore();
  // After recovery: the height the restored state corresponds to.
  // Requires: height >= last_applied_height().
  void restore_last_applied_height(Height height);

 private:
  struct CachedReply {
    OpResult result;
    Height height = 0;
  };
  // Per client: the highest number applied and the replies of applied numbers
  // above the low watermark (highest - request_window_max). Every number at or
  // below the watermark is stale, so nothing below it needs remembering.
  struct ClientRecord {
    RequestNumber highest_applied = 0;
    SortedWindow<RequestNumber, CachedReply> replies;
  };

  OpResult execute(const Operation& op);
  OpResult execute_txn(const Operation& op);
  OpResult execute_incr(const Operation& op);
  OpResult execute_append(const Operation& op);
  bool condition_holds(const TxnCondition& condition) const;
  // Every write goes through these two so the digest tracks the store.
  void write_put(std::string_view key, std::string_view value);
  bool write_erase(std::string_view key);
  void record(ClientId client_id, ClientRecord& client, RequestNumber number, const OpResult& result,
              Height height);
  void check_invariants(const ClientRecord& client) const;

  std::unique_ptr<KvStore> store_;
  StateDigest digest_;
  // Ordered (iteration is deterministic) and flat: at n = 1,000 the tree
  // nodes of 1,000 replicas' std::maps were a cache miss per level.
  SortedWindow<ClientId, ClientRecord> clients_;
  // Replies added or pruned since the last take_changed_replies, in the order
  // recorded, with repeats; the take sorts and deduplicates them (a std::set
  // cost an allocation and a tree insert per reply).
  std::vector<ReplyKey> changed_replies_;
  Height last_applied_height_ = 0;
  std::uint64_t applied_count_ = 0;
  std::size_t cached_reply_count_ = 0;
};

}  // namespace bftsim
