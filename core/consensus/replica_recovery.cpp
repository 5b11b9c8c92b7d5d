// Restart and state transfer: what a Replica hands its Node to persist (the
// safety state), what it takes back from its own disk before start() (the
// safety state, the committed block, the stored blocks above it and, under
// reputation, the committed blocks below it that the leader rule reads), and a
// snapshot installed from peers when it fell below what they retain.
#include "core/consensus/replica.h"

#include <algorithm>

#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

SafetyState Replica::safety_state() const {
  return SafetyState{view(), last_voted_view_, locked_qc_, high_qc_};
}

void Replica::restore(const SafetyState& state) {
  BFTSIM_ASSERT(!started_);
  BFTSIM_ASSERT(state.locked_qc.view <= state.high_qc.view);
  restored_view_ = state.view;
  persisted_view_ = state.view;
  persisted_ = true;
  // A proposal of view state.view + 1 may have left before its Persist
  // (propose_before_sync); this run must not propose another in that view.
  if (config_.propose_before_sync) proposal_barrier_view_ = state.view + 1;
  last_voted_view_ = state.last_voted_view;
  locked_qc_ = state.locked_qc;
  high_qc_ = state.high_qc;
  verified_qcs_.emplace({locked_qc_.view, locked_qc_.block_hash}, true);
  verified_qcs_.emplace({high_qc_.view, high_qc_.block_hash}, true);
}

void Replica::restore_committed(std::shared_ptr<const Block> block, const Hash32& hash) {
  BFTSIM_ASSERT(!started_);
  BFTSIM_ASSERT(block != nullptr && block->height > 0);
  committed_height_ = block->height;
  committed_hash_ = hash;
  block_sync_.set_committed_height(committed_height_);
  tree_.install_root(std::move(block), hash);
}

void Replica::restore_blocks(std::vector<std::shared_ptr<const Block>> blocks) {
  BFTSIM_ASSERT(!started_);
  std::stable_sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->height < b->height; });
  for (auto& block : blocks) {
    if (block->height <= committed_height_) continue;
    const Hash32 hash = block_hash(*block);
    if (tree_.contains(hash)) continue;
    const StoredBlock* parent = tree_.find(block->parent_hash);
    if (parent == nullptr || parent->block->height + 1 != block->height) continue;
    tree_.insert(std::move(block), hash);
  }
}

std::uint32_t Replica::committed_ancestors_wanted() const {
  return config_.leader_election == LeaderElection::reputation ? config_.reputation_window : 0;
}

void Replica::restore_ancestors(const std::vector<std::shared_ptr<const Block>>& ancestors) {
  BFTSIM_ASSERT(!started_);
  for (const auto& block : ancestors)
    if (!tree_.insert_parent(block, block_hash(*block))) break;
}

std::shared_ptr<const Block> Replica::committed_block() const {
  const StoredBlock* stored = tree_.find(committed_hash_);
  BFTSIM_ASSERT(stored != nullptr);  // pruning stays below the committed height
  return stored->block;
}

void Replica::install_state(std::shared_ptr<const Block> block, const Hash32& hash, Instant now,
                            Effects& out) {
  BFTSIM_ASSERT(started_);
  BFTSIM_ASSERT(block != nullptr && block->height > committed_height_);
  const Height height = block->height;
  mempool_.remove_committed(*block);
  committed_height_ = height;
  committed_hash_ = hash;
  tree_.install_root(std::move(block), hash);
  block_sync_.set_committed_height(height);
  block_sync_.on_state_installed(height);
  // Under reputation the rule reads blocks below the new root: fetch them.
  ancestor_fetch_.start(tree_, hash, now, out);
  // Fetched blocks above the new root may now attach; then the usual rules.
  adopt_orphans(now, out);
  update_chain(high_qc_, config_.index == 0 ? 1 : 0, now, out);
  try_propose(now, out);
  send_new_view(out);
  check_invariants();
}

}  // namespace bftsim
