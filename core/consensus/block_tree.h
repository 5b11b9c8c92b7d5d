// The blocks a replica knows, keyed by their recomputed hash, rooted at the
// genesis block. A block enters only after its parent, so every stored block's
// ancestors down to the pruning horizon are present. Blocks are shared
// immutable values (std::shared_ptr<const Block>); iteration is by height,
// never by hash order or address (the blocks are in a hash table: finding a
// block is on every message's path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "core/protocol/messages.h"
#include "core/types/sorted_window.h"

namespace bftsim {

struct StoredBlock {
  std::shared_ptr<const Block> block;
  Hash32 hash;
};

class BlockTree {
 public:
  BlockTree();

  // The genesis block: height 0, view 0, zero parent hash, genesis-less QC.
  static const Block& genesis_block();
  static const Hash32& genesis_hash();

  bool contains(const Hash32& hash) const { return blocks_.contains(hash); }
  // nullptr when unknown.
  const StoredBlock* find(const Hash32& hash) const;
  // Requires: !contains(hash), the parent is present and block.height ==
  // parent height + 1, and hash == block_hash(*block).
  const StoredBlock& insert(std::shared_ptr<const Block> block, const Hash32& hash);

  // True iff `descendant` is `ancestor` or one of its descendants. False when
  // either is unknown or the path is pruned.
  bool extends(const Hash32& descendant, const Hash32& ancestor) const;

  // Adds `block` without its parent, as the root of what follows it (a
  // committed block recovered from disk or installed by state transfer),
  // and forgets everything below it but genesis. Requires: hash ==
  // block_hash(*block); block->height > 0.
  void install_root(std::shared_ptr<const Block> block, const Hash32& hash);
  // Adds `block` below the blocks at block->height + 1 as their parent (a
  // committed ancestor of an installed root, read back from the committed
  // log). False, adding nothing, unless a stored block at that height names
  // `hash` as its parent, block->height > 0 and the tree lacks `hash`.
  // Requires: hash == block_hash(*block).
  bool insert_parent(std::shared_ptr<const Block> block, const Hash32& hash);

  // Forgets every block below `height` (keeps genesis). Used behind the
  // committed height with a margin so that lagging peers can still fetch.
  void prune_below(Height height);

  std::size_t size() const { return blocks_.size(); }

 private:
  // A block hash is BLAKE2b output: its first 8 bytes are as good as any mix.
  struct HashKey {
    std::size_t operator()(const Hash32& hash) const {
      std::uint64_t word;
      std::memcpy(&word, hash.bytes.data(), sizeof word);
      return static_cast<std::size_t>(word);
    }
  };
  std::unordered_map<Hash32, StoredBlock, HashKey> blocks_;
  // Every block but genesis by (height, hash): flat, since blocks mostly
  // arrive at the top (a std::multimap insert was a cache miss per level).
  SortedWindow<std::pair<Height, Hash32>, bool> by_height_;
};

}  // namespace bftsim
