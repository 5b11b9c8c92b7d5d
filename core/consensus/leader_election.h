// Who leads a view. round_robin: view mod n, the paper's rotation.
// reputation: after DiemBFT v4's LeaderElection (a window of the certified
// chain, its voters, minus the last authors) and Aptos's LeaderReputation
// (failed proposers sit out), written for our chain. The leader of view v is
// read from an anchor, the newest certified block the proposal builds on: the
// block of the QC for v-1 when v is entered by that QC, else the high_qc
// block of the TC for v-1. From the anchor's last `reputation_window` blocks:
// candidates are the replicas that proposed one of them or signed the QC one
// of them carries, minus the proposers of the last f blocks, minus the
// leaders of views that failed (a view missing between a block and its
// parent anywhere in the window, and each view between the anchor and v):
// a failed leader sits out until its failed view leaves the window. The pick
// among candidates is the one ranked first for v (rendezvous hashing seeded
// by v). No history, or no candidate left, falls back to round robin.
// A leader schedule (ReplicaConfig::leader_schedule, a testing aid) names the
// leaders of its views before either rule; reputation still blames a failed
// scheduled view on the leader its own rule names.
//
// A failed view is blamed on the leader the rule names for it from the
// block before it, computed bottom-up over the same window (each block's
// standing from its parent's, every failed view below read), so the blame
// matches the leader replicas named then except where the named leader hung
// on the one or two blocks below the window; rendezvous ranking keeps those
// differences from moving the pick unless they touch the replica ranked first.
//
// Every honest replica names the same leader from the same anchor: at most
// one block per view is certified (quorum intersection), and the rule reads
// only what the anchor and its ancestors carry (proposers, views, the QCs
// fixed inside them), never this replica's own QCs or committed height.
// The window below a root: a replica restarted above its committed block,
// or one that installed a transferred state, holds no blocks below that
// root. A restarted replica puts the committed blocks below it back from its
// committed log (Replica::restore_ancestors, as DiemBFT/Aptos read their
// reputation window from the committed history in their DB), so every
// replica reads the same window, and a cluster whose replicas all restart
// names a leader again (crash-all-restart). Where the log is shorter (after
// a state transfer) leader() returns nullopt until the chain above the root
// is reputation_window long: that replica votes but does not propose or
// collect votes, and others blame the views it fails to lead. No fallback
// rule stands in: one replica's fallback would name another leader than the
// full-window rule its peers apply.
// Replicas that hold different anchors for view v (one saw the QC for v-1,
// another only a TC) can name different leaders; that costs a view, never
// safety (a replica votes once per view, under the lock). Pure functions of
// the block tree; no state.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/replica_config.h"
#include "core/protocol/messages.h"

namespace bftsim {

class LeaderElector {
 public:
  explicit LeaderElector(const ReplicaConfig& config);

  ReplicaIndex round_robin(View view) const {
    return static_cast<ReplicaIndex>(view % replica_count_);
  }
  // The scheduled leader of `view`, if the schedule names one.
  std::optional<ReplicaIndex> scheduled(View view) const {
    if (view == 0 || view > schedule_.size()) return std::nullopt;
    return schedule_[view - 1];
  }
  // The schedule's leader of `view`, else round robin: for reports.
  ReplicaIndex fallback(View view) const { return scheduled(view).value_or(round_robin(view)); }
  // The leader of `view` for a proposal whose anchor is the block
  // `anchor_hash` certified in `anchor_view`. nullopt when this
  // replica cannot tell: the anchor, or a block the window reads, is missing
  // (not fetched yet, or below a root installed by a restart or a state
  // transfer), or anchor_view >= view. Round robin never needs the tree.
  std::optional<ReplicaIndex> leader(const BlockTree& tree, View view, View anchor_view,
                                     const Hash32& anchor_hash) const;

 private:
  using ReplicaSet = std::bitset<replica_count_max>;
  struct Standing {
    ReplicaSet active;  // proposed a block or signed a QC in the window
    ReplicaSet recent;  // proposed one of the last f blocks
    ReplicaSet failed;  // led a view that certified nothing
  };

  // The standing the blocks from `anchor` down to (not including) height
  // `floor` give, at most reputation_window blocks. Computed bottom up: a
  // block's standing is its parent's plus its proposer and signers, its
  // last f proposers, and the leaders that the parent's standing names for
  // the views missing between them (not read for the lowest block unless
  // its parent is genesis: what stood below the floor is not read).
  std::optional<Standing> standing(const BlockTree& tree, const StoredBlock& anchor,
                                   Height floor) const;
  // Names the leaders of the views after `anchor_view` up to `view` (not
  // included; at most gap_views_max of them), each failed in turn.
  void fail_gap(Standing& standing, View anchor_view, View view) const;
  ReplicaIndex pick(const Standing& standing, View view) const;

  LeaderElection kind_;
  std::vector<ReplicaIndex> schedule_;
  std::uint32_t replica_count_;
  std::uint32_t exclude_count_;  // the last f proposers sit out a turn
  std::uint32_t window_;
  View gap_views_max_;           // 2n: enough to cycle through every candidate
};

}  // namespace bftsim
