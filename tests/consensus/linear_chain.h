// A hand-built chain for block sync tests: genesis <- 1 <- ... <- height_max,
// one block per view, each justified by a QC for its parent (no signatures).
// hashes[i] is the block at height i + 1; `full` holds them all.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/protocol/codec.h"

namespace bftsim::testing {

struct LinearChain {
  BlockTree full;
  std::vector<Hash32> hashes;
  explicit LinearChain(Height height_max) {
    Hash32 parent = BlockTree::genesis_hash();
    for (Height height = 1; height <= height_max; ++height) {
      auto block = std::make_shared<Block>();
      block->parent_hash = parent;
      block->height = height;
      block->view = height;
      block->justify = QuorumCert{height - 1, parent, {}};
      parent = block_hash(*block);
      full.insert(std::move(block), parent);
      hashes.push_back(parent);
    }
  }
};

}  // namespace bftsim::testing
