// KvStateMachine: the replicated key-value state every replica applies
// committed client requests to, in commit order. It applies each (client,
// request number) at most once and keeps an order-independent state digest
// for the state-agreement checker. Owns its KvStore. Deterministic: the same
// requests at the same heights give the same results, contents and digest.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include "core/kv/kv_store.h"
#include "core/protocol/operation.h"
#include "core/kv/state_digest.h"
#include "core/crypto/hash.h"
#include "core/types/ids.h"
#include "core/types/result.h"

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
  // The clients whose records changed since the last call, ascending.
  std::vector<ClientId> take_changed_clients();
  // Every client with a record, ascending.
  std::vector<ClientId> client_ids() const;
  // Requires: `client` has a record. The format is ours (little-endian):
  // u64 highest_applied, u32 count, then per cached reply u64 number,
  // u64 height, u8 status, u8 has_value [, u32 size, bytes].
  std::vector<std::uint8_t> encode_client_record(ClientId client) const;
  // Replaces `client`'s record with the decoded one; ErrorCode::corruption
  // for bytes that do not decode to a valid record (nothing changes then).
  Status restore_client_record(ClientId client, std::span<const std::uint8_t> bytes);
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
    std::map<RequestNumber, CachedReply> replies;
  };

  OpResult execute(const Operation& op);
  OpResult execute_txn(const Operation& op);
  bool condition_holds(const TxnCondition& condition) const;
  // Every write goes through these two so the digest tracks the store.
  void write_put(std::string_view key, std::string_view value);
  bool write_erase(std::string_view key);
  void record(ClientRecord& client, RequestNumber number, const OpResult& result,
              Height height);
  void check_invariants(const ClientRecord& client) const;

  std::unique_ptr<KvStore> store_;
  StateDigest digest_;
  std::map<ClientId, ClientRecord> clients_;  // ordered: iteration is deterministic
  std::set<ClientId> changed_clients_;
  Height last_applied_height_ = 0;
  std::uint64_t applied_count_ = 0;
  std::size_t cached_reply_count_ = 0;
};

}  // namespace bftsim
