#include "core/consensus/leader_election.h"

#include <algorithm>

#include "core/types/assert.h"

namespace bftsim {

namespace {

// SplitMix64's finalizer: spreads consecutive views over the candidates
// (DiemBFT seeds its pick with the round). Integer-only, the same everywhere.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

LeaderElector::LeaderElector(const ReplicaConfig& config)
    : kind_(config.leader_election),
      schedule_(config.leader_schedule),
      replica_count_(config.replica_count),
      exclude_count_(config.faulty_max),
      window_(config.reputation_window),
      gap_views_max_(2 * static_cast<View>(config.replica_count)) {
  BFTSIM_ASSERT(replica_count_ >= 1 && replica_count_ <= replica_count_max);
  BFTSIM_ASSERT(window_ >= 1);
  for (ReplicaIndex leader : schedule_) BFTSIM_ASSERT(leader < replica_count_);
}

std::optional<ReplicaIndex> LeaderElector::leader(const BlockTree& tree, View view,
                                                  View anchor_view,
                                                  const Hash32& anchor_hash) const {
  if (const std::optional<ReplicaIndex> leader = scheduled(view)) return leader;
  if (kind_ == LeaderElection::round_robin) return round_robin(view);
  if (anchor_view >= view) return std::nullopt;  // a malformed proposal; its checks drop it
  const StoredBlock* anchor = tree.find(anchor_hash);
  if (anchor == nullptr || anchor->block->view != anchor_view) return std::nullopt;
  const Height floor = anchor->block->height > window_ ? anchor->block->height - window_ : 0;
  std::optional<Standing> result = standing(tree, *anchor, floor);
  if (!result) return std::nullopt;
  fail_gap(*result, anchor_view, view);
  return pick(*result, view);
}

std::optional<LeaderElector::Standing> LeaderElector::standing(const BlockTree& tree,
                                                               const StoredBlock& anchor,
                                                               Height floor) const {
  // The chain from the anchor down to the lowest block above the floor. A
  // parent missing there lies below a root installed by a restart or a state
  // transfer, where others read further. (Peers keep block_retention >= 16
  // blocks below their commit, and the loader keeps reputation_window below
  // that, so pruning never reaches above the floor.)
  std::vector<const Block*> chain;
  for (const StoredBlock* current = &anchor; current->block->height > floor;) {
    chain.push_back(current->block.get());
    if (current->block->height <= floor + 1) break;
    current = tree.find(current->block->parent_hash);
    if (current == nullptr) return std::nullopt;
  }
  // Bottom up, each block's standing from its parent's. `below` is the
  // parent's; the lowest block's parent has read nothing, which is exact only
  // at genesis (no history: round robin), so that block's gap is read only there.
  Standing below;
  std::vector<ReplicaIndex> proposers;  // of the blocks read so far, lowest first
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Block& block = **it;
    Standing here = below;
    if (block.justify.view + 1 < block.view && (it != chain.rbegin() || floor == 0)) {
      // The views between the parent and this block certified nothing on
      // this chain: blame the leaders the rule named for them from the parent.
      fail_gap(here, block.justify.view, block.view);
    }
    // Indices are checked where blocks and QCs enter; a fetched ancestor's
    // are checked here too, since a set() out of range would throw.
    if (block.proposer < replica_count_) here.active.set(block.proposer);
    for (const SignerSignature& entry : block.justify.signatures)
      if (entry.signer < replica_count_) here.active.set(entry.signer);
    proposers.push_back(block.proposer);
    here.recent.reset();
    const std::size_t recent_count = std::min<std::size_t>(exclude_count_, proposers.size());
    for (std::size_t k = proposers.size() - recent_count; k < proposers.size(); ++k)
      if (proposers[k] < replica_count_) here.recent.set(proposers[k]);
    below = here;
  }
  return below;
}

void LeaderElector::fail_gap(Standing& standing, View anchor_view, View view) const {
  const View end = std::min(view, anchor_view + 1 + gap_views_max_);
  for (View skipped = anchor_view + 1; skipped < end; ++skipped)
    standing.failed.set(pick(standing, skipped));
}

ReplicaIndex LeaderElector::pick(const Standing& standing, View view) const {
  ReplicaSet candidates = standing.active & ~standing.recent & ~standing.failed;
  if (candidates.none()) candidates = standing.active & ~standing.failed;
  if (candidates.none()) return round_robin(view);  // no history, or everyone failed
  // The candidate ranked first for this view (rendezvous hashing): leaving
  // out a replica ranked below the pick does not change it.
  const std::uint64_t seed = mix(view);
  std::optional<ReplicaIndex> best;
  std::uint64_t best_rank = 0;
  for (std::size_t index = 0; index < replica_count_; ++index) {
    if (!candidates.test(index)) continue;
    const std::uint64_t rank = mix(seed ^ index);
    if (!best || rank > best_rank) {
      best = static_cast<ReplicaIndex>(index);
      best_rank = rank;
    }
  }
  BFTSIM_ASSERT(best.has_value());  // candidates is not empty
  return *best;
}

}  // namespace bftsim
