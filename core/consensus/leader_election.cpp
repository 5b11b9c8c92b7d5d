#include "core/consensus/leader_election.h"

#include <algorithm>

#include "core/types/assert.h"

namespace bftsim {

namespace {

// How many levels of failed views the rule attributes (see standing()).
constexpr int attribution_depth = 2;

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
  std::optional<Standing> result = standing(tree, *anchor, floor, attribution_depth);
  if (!result) return std::nullopt;
  fail_gap(*result, anchor_view, view);
  return pick(*result, view);
}

std::optional<LeaderElector::Standing> LeaderElector::standing(const BlockTree& tree,
                                                               const StoredBlock& anchor,
                                                               Height floor,
                                                               int attribution_depth) const {
  Standing result;
  const StoredBlock* current = &anchor;
  for (std::uint32_t depth = 0; current->block->height > floor; ++depth) {
    const Block& block = *current->block;
    // Indices are checked where blocks and QCs enter; a fetched ancestor's
    // are checked here too, since a set() out of range would throw.
    if (block.proposer < replica_count_) {
      result.active.set(block.proposer);
      if (depth < exclude_count_) result.recent.set(block.proposer);
    }
    for (const SignerSignature& entry : block.justify.signatures)
      if (entry.signer < replica_count_) result.active.set(entry.signer);
    // The parent is read only above the floor. A missing one there lies
    // below a root installed by a restart or a state transfer, where others
    // read further. (Peers keep block_retention >= 16 blocks below their
    // commit, and the loader keeps reputation_window below that, so pruning
    // never reaches above the floor.)
    const bool last = block.height <= floor + 1;
    const StoredBlock* parent = last ? nullptr : tree.find(block.parent_hash);
    if (!last && parent == nullptr) return std::nullopt;
    if (attribution_depth > 0 && block.justify.view + 1 < block.view) {
      // The views between the parent and this block certified nothing on
      // this chain: blame the leaders the rule names for them from the parent.
      Standing before;
      if (parent != nullptr) {
        std::optional<Standing> read = standing(tree, *parent, floor, attribution_depth - 1);
        if (!read) return std::nullopt;
        before = *read;
      }
      const ReplicaSet already_failed = before.failed;
      fail_gap(before, block.justify.view, block.view);
      result.failed |= before.failed & ~already_failed;
    }
    if (last) break;
    current = parent;
  }
  return result;
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
  std::size_t k = mix(view) % candidates.count();
  for (std::size_t index = 0; index < replica_count_; ++index) {
    if (!candidates.test(index)) continue;
    if (k == 0) return static_cast<ReplicaIndex>(index);
    --k;
  }
  BFTSIM_ASSERT(false);  // k < candidates.count()
  return 0;
}

}  // namespace bftsim
