#include "core/consensus/block_tree.h"

#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

const Block& BlockTree::genesis_block() {
  static const Block genesis{};
  return genesis;
}

const Hash32& BlockTree::genesis_hash() {
  static const Hash32 hash = block_hash(genesis_block());
  return hash;
}

BlockTree::BlockTree() {
  auto genesis = std::make_shared<const Block>(genesis_block());
  blocks_.emplace(genesis_hash(), StoredBlock{std::move(genesis), genesis_hash()});
}

const StoredBlock* BlockTree::find(const Hash32& hash) const {
  auto it = blocks_.find(hash);
  return it == blocks_.end() ? nullptr : &it->second;
}

const StoredBlock& BlockTree::insert(std::shared_ptr<const Block> block, const Hash32& hash) {
  BFTSIM_ASSERT(!contains(hash));
  const StoredBlock* parent = find(block->parent_hash);
  BFTSIM_ASSERT(parent != nullptr);
  BFTSIM_ASSERT(block->height == parent->block->height + 1);
  const Height height = block->height;
  auto [it, inserted] = blocks_.emplace(hash, StoredBlock{std::move(block), hash});
  BFTSIM_ASSERT(inserted);
  by_height_.emplace({height, hash}, true);
  return it->second;
}

bool BlockTree::extends(const Hash32& descendant, const Hash32& ancestor) const {
  const StoredBlock* target = find(ancestor);
  const StoredBlock* current = find(descendant);
  if (target == nullptr || current == nullptr) return false;
  while (current->block->height > target->block->height) {
    current = find(current->block->parent_hash);
    if (current == nullptr) return false;
  }
  return current->hash == target->hash;
}

void BlockTree::install_root(std::shared_ptr<const Block> block, const Hash32& hash) {
  BFTSIM_ASSERT(block->height > 0);
  const Height height = block->height;
  if (!contains(hash)) {
    blocks_.emplace(hash, StoredBlock{std::move(block), hash});
    by_height_.emplace({height, hash}, true);
  }
  prune_below(height);
}

bool BlockTree::insert_parent(std::shared_ptr<const Block> block, const Hash32& hash) {
  const Height height = block->height;
  if (height == 0 || contains(hash)) return false;
  bool named = false;
  for (auto* it = by_height_.lower_bound({height + 1, Hash32{}}); it != by_height_.end() && !named; ++it) {
    if (it->first.first != height + 1) break;
    named = blocks_.at(it->first.second).block->parent_hash == hash;
  }
  if (!named) return false;
  blocks_.emplace(hash, StoredBlock{std::move(block), hash});
  by_height_.emplace({height, hash}, true);
  return true;
}

void BlockTree::prune_below(Height height) {
  while (!by_height_.empty() && by_height_.front().first.first < height) {
    blocks_.erase(by_height_.front().first.second);
    by_height_.pop_front();
  }
}

}  // namespace bftsim
