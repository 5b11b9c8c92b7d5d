// AncestorFetch (ancestor_fetch.h): asks for the committed blocks below the
// lowest one held, takes them along hash links, and asks on until the rule's
// window is held.
#include "core/consensus/ancestor_fetch.h"

#include <algorithm>
#include <memory>

#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

AncestorFetch::AncestorFetch(const ReplicaConfig& config)
    : index_(config.index),
      replica_count_(config.replica_count),
      enabled_(config.leader_election == LeaderElection::reputation && config.replica_count >= 2),
      window_(config.reputation_window),
      fetch_blocks_max_(config.fetch_blocks_max),
      retry_after_(config.view_timeout),
      peer_(config.index) {
  BFTSIM_ASSERT(index_ < replica_count_);
  BFTSIM_ASSERT(window_ >= 1 && fetch_blocks_max_ >= 1);
}

void AncestorFetch::start(const BlockTree& tree, const Hash32& root_hash, Instant now, Effects& out) {
  wanted_.reset();
  if (!enabled_) return;
  const StoredBlock* lowest = tree.find(root_hash);
  BFTSIM_ASSERT(lowest != nullptr && lowest->block->height > 0);
  // The rule reads `window_` blocks from its anchor down, and every anchor is
  // at or above the root: window_ - 1 blocks below the root, down to height 1.
  const Height root_height = lowest->block->height;
  floor_height_ = root_height > window_ - 1 ? root_height - (window_ - 1) : 1;
  while (lowest->block->height > floor_height_) {
    const StoredBlock* parent = tree.find(lowest->block->parent_hash);
    if (parent == nullptr) break;
    lowest = parent;
  }
  if (lowest->block->height <= floor_height_) return;  // all held (a full committed log)
  wanted_ = lowest->block->parent_hash;
  wanted_height_ = lowest->block->height - 1;
  ask(now, out);
}

void AncestorFetch::ask(Instant now, Effects& out) {
  BFTSIM_ASSERT(wanted_.has_value() && wanted_height_ >= floor_height_);
  peer_ = (peer_ + 1) % replica_count_;
  if (peer_ == index_) peer_ = (peer_ + 1) % replica_count_;
  asked_at_ = now;
  const Height count = std::min<Height>(wanted_height_ - floor_height_ + 1, fetch_blocks_max_);
  out.push_back(SendEffect{peer_, BlockRequest{*wanted_, static_cast<std::uint32_t>(count - 1)}});
}

bool AncestorFetch::on_block_response(BlockTree& tree, const BlockResponse& response, Instant now,
                                      Effects& out, std::size_t& added) {
  added = 0;
  if (!wanted_ || response.blocks.empty() || block_hash(response.blocks.front()) != *wanted_) return false;
  for (const Block& block : response.blocks) {
    const Hash32 hash = block_hash(block);
    if (hash != *wanted_) break;  // the rest does not link: a lying or damaged answer
    // The block above it is in the tree (the root or a fetched ancestor)
    // unless pruning passed it: then the window is moot, and so is the fetch.
    // (The hash fixes the height; one that is not the child's minus one is
    // no honest chain's, so it ends the fetch too.)
    if (block.height != wanted_height_ || !tree.insert_parent(std::make_shared<const Block>(block), hash)) {
      wanted_.reset();
      return true;
    }
    ++added;
    if (block.height <= floor_height_) {
      wanted_.reset();
      return true;
    }
    wanted_ = block.parent_hash;
    wanted_height_ = block.height - 1;
  }
  if (added > 0) ask(now, out);  // the rest, of the next peer
  return true;
}

void AncestorFetch::retry(Instant now, Effects& out) {
  if (wanted_ && now - asked_at_ >= retry_after_) ask(now, out);
}

}  // namespace bftsim
