// Block sync: how a replica gets the blocks it lacks and serves the ones it
// has. It asks a peer for a missing block (and its ancestors); while the
// answer is outstanding a fetch timer re-asks, half a base view timeout
// apart, each other peer in turn once (a lost request or reply costs half a
// view timeout, not a backed-off view timer); after that it asks again a
// view timeout later of the peer after the last one; keeps proposals waiting on
// a missing parent and fetched blocks whose parent has not arrived (orphans),
// accepts a response only along hash links from a hash it asked for, and
// decides how far below the committed height blocks are kept for lagging
// peers.
// The BlockTree stays the Replica's; each call borrows it. Every queue here is
// bounded: a peer can fill one, never grow it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/effects.h"
#include "core/consensus/replica_config.h"
#include "core/protocol/messages.h"

namespace bftsim {

// Bounds on what peers can make a replica hold.
inline constexpr std::size_t fetching_max = 1024;
inline constexpr std::size_t waiting_proposals_max = 64;
inline constexpr std::size_t orphans_max = 1024;

class BlockSync {
 public:
  explicit BlockSync(const ReplicaConfig& config);

  // Asks for `hash` (and up to fetch_blocks_max ancestors above the committed
  // height, request()) unless the tree has it: first of `hint`, a peer likely
  // to hold it; a repeat only after a view timeout, each time of the peer
  // after the one asked last (a repeat's hint is ignored). Silently gives up
  // a new hash when fetching_max hashes are outstanding (a later certificate
  // asks again). `height`, when the caller knows it (a parent's), at or below
  // the committed height means a fork: then ancestors at any height.
  void fetch(const BlockTree& tree, const Hash32& hash, ReplicaIndex hint, Instant now,
             Effects& out, std::optional<Height> height = std::nullopt);
  // The request for `hash`: its ancestors above the committed height, which
  // the replica holds up to there (below it they are final and held, or no
  // longer needed), so an answer carries only what may be missing.
  BlockRequest request(const Hash32& hash) const {
    return BlockRequest{hash, fetch_blocks_max_, committed_height_};
  }
  // The replica committed, restored or installed a state up to `height`.
  void set_committed_height(Height height) { committed_height_ = height; }
  // Requests and responses can be lost: asks again for every outstanding hash
  // that has not arrived as an orphan. Called when the view timer fires.
  void retry_fetches(const BlockTree& tree, Instant now, Effects& out);
  // The fetch timer fired: re-asks, of the peer after the one asked last,
  // every outstanding hash asked fetch_retry_after ago or longer that has
  // quick retries left, then re-arms the timer for the next one due. Fired
  // before its deadline (`now` short of it), it only arms the timer again.
  void on_fetch_timer(const BlockTree& tree, Instant now, Effects& out);
  bool is_fetching(const Hash32& hash) const { return fetching_.contains(hash); }
  // `hash` entered the tree: it is no longer outstanding.
  void on_block_stored(const Hash32& hash) { fetching_.erase(hash); }

  // Keeps a verified proposal whose parent is missing until the parent
  // arrives. False when waiting_proposals_max are already waiting.
  bool wait_for_parent(ReplicaIndex from, const Proposal& proposal);
  // The proposals waiting on `parent_hash`, removed from here, in arrival order.
  std::vector<std::pair<ReplicaIndex, Proposal>> take_waiting(const Hash32& parent_hash);

  // Answers with the requested block and its ancestors, newest first, as many
  // as both sides allow; nothing when the block is unknown.
  void on_block_request(const BlockTree& tree, ReplicaIndex from, const BlockRequest& request,
                        Effects& out) const;
  // Keeps, as orphans, the longest prefix of the response that is a parent
  // chain starting at a hash this replica asked for: the hash links make each
  // of those blocks authentic. Fetches the parent of the oldest if unknown,
  // only when the response brought a new block and that parent was not asked
  // for less than half a view timeout ago (copies of a response ask nothing).
  // False (nothing kept) when the first block was never asked for.
  bool on_block_response(const BlockTree& tree, ReplicaIndex from, const BlockResponse& response,
                         Instant now, Effects& out);

  bool has_orphans_of(const Hash32& parent_hash) const {
    return orphans_by_parent_.contains(parent_hash);
  }
  // Moves every orphan whose parent is in the tree into it, parents before
  // children. Orphans that are not a structurally valid child of their parent
  // are dropped and counted in bad_block_count.
  struct Adopted {
    std::vector<Hash32> inserted;  // in insertion order
    std::uint64_t bad_block_count = 0;
  };
  Adopted adopt_orphans(BlockTree& tree);

  // The retention policy: forgets blocks more than block_retention below the
  // committed height; the rest stay fetchable for lagging peers.
  void prune(BlockTree& tree, Height committed_height) const;

  // State transfer. A replica that sees a block `seen_height` high while it
  // committed only `committed_height` cannot catch up by fetching once the
  // gap passes block_retention (its peers no longer hold the blocks it
  // lacks): it asks every peer for its state instead, at most once per view
  // timeout. The driver (core/node) answers and installs states.
  void request_state_if_behind(Height committed_height, Height seen_height, Instant now,
                               Effects& out);
  // A state at `anchor_height` was installed: outstanding fetches and the
  // orphans at or below it are moot.
  void on_state_installed(Height anchor_height);
  std::uint64_t state_request_count() const { return state_request_count_; }

  void check_invariants() const;

 private:
  ReplicaIndex index_;
  std::uint32_t replica_count_;
  Duration retry_after_;  // the base view timeout
  Duration quick_retry_after_;  // half of it: the fetch timer's spacing
  std::uint32_t quick_retries_max_;  // n - 2 (each other peer once); 0 without fetch_retry
  std::uint32_t fetch_blocks_max_;
  Height block_retention_;
  Height committed_height_ = 0;  // the replica's (set_committed_height)

  struct Fetch {
    Instant asked_at = 0;
    ReplicaIndex peer = 0;            // asked last; a repeat asks the next one
    std::uint32_t quick_retries = 0;  // re-asks by the fetch timer so far
    Height above_height = 0;          // the request's (request(), or 0 for a fork)
  };
  // Asks the peer after the one asked last (never this replica).
  void ask_next(const Hash32& hash, Fetch& fetch, Instant now, Effects& out) const;
  // Arms the fetch timer for the earliest outstanding quick retry, if any
  // and none is armed.
  void arm_fetch_timer(Effects& out);
  std::optional<Instant> fetch_timer_at_;  // armed for this time
  std::map<Hash32, Fetch> fetching_;
  std::map<Hash32, std::vector<std::pair<ReplicaIndex, Proposal>>> waiting_proposals_;
  std::size_t waiting_proposal_count_ = 0;
  // Fetched blocks whose parent has not arrived yet, by hash and by parent.
  std::map<Hash32, Block> orphans_;
  std::multimap<Hash32, Hash32> orphans_by_parent_;
  std::optional<Instant> state_requested_at_;
  std::uint64_t state_request_count_ = 0;
};

}  // namespace bftsim
