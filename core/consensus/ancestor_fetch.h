// AncestorFetch: the committed blocks below a replica's root that the
// reputation leader rule reads (leader_election.h), fetched from peers. A
// replica that installed a transferred state, or restarted with a committed
// log shorter than reputation_window (after such a transfer), holds no
// blocks below its root, so it could not name a leader until the chain above
// the root was a window long: it voted but never proposed. This asks a peer
// for the parent of the lowest block of its committed chain, with as many
// ancestors as still wanted, and puts each block below that chain
// (BlockTree::insert_parent) only when its recomputed hash is the parent hash
// the block above names. The root is authentic (f+1 replicas vouched for the
// state, or this replica committed it), so the hash links make every fetched
// block authentic whoever sent it, and the rule reads the same window as on
// every other replica. Retries ask the next peer, a view timeout after the
// last ask. Bounded: one request outstanding, reputation_window blocks.
#pragma once

#include <cstdint>
#include <optional>

#include "core/consensus/block_tree.h"
#include "core/consensus/effects.h"
#include "core/consensus/replica_config.h"
#include "core/protocol/messages.h"

namespace bftsim {

class AncestorFetch {
 public:
  explicit AncestorFetch(const ReplicaConfig& config);

  // Under reputation: asks for the blocks the rule reads below `root_hash`
  // (a block in `tree`) that the tree lacks, reputation_window - 1 of them
  // down to height 1, unless it holds them. Replaces a fetch in progress.
  void start(const BlockTree& tree, const Hash32& root_hash, Instant now, Effects& out);
  // True when `response` answers the outstanding fetch (its first block
  // hashes to the block asked for). Inserts the linked prefix below the
  // chain, then asks for the rest, if any is still wanted, of the next peer.
  // `added` counts the blocks inserted.
  bool on_block_response(BlockTree& tree, const BlockResponse& response, Instant now, Effects& out,
                         std::size_t& added);
  // Asks the next peer again when the last ask is a view timeout old.
  void retry(Instant now, Effects& out);
  bool active() const { return wanted_.has_value(); }

 private:
  void ask(Instant now, Effects& out);

  ReplicaIndex index_;
  std::uint32_t replica_count_;
  bool enabled_;            // leader_election: reputation
  std::uint32_t window_;    // reputation_window
  std::uint32_t fetch_blocks_max_;
  Duration retry_after_;    // the base view timeout

  std::optional<Hash32> wanted_;  // the parent hash of the lowest block held
  Height wanted_height_ = 0;      // that parent's height
  Height floor_height_ = 0;       // the lowest height wanted (>= 1)
  Instant asked_at_ = 0;
  ReplicaIndex peer_ = 0;         // asked last
};

}  // namespace bftsim
