// Tests of BlockTree (core/consensus/block_tree.h): the genesis root, insert
// and find by recomputed hash, ancestry along chains and across forks, and
// pruning below a height.
#include "core/consensus/block_tree.h"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "core/protocol/codec.h"

namespace bftsim::test_consensus_block_tree_test {
namespace {

Block child_of(const Block& parent, View view, std::uint8_t tag = 0) {
  Block block;
  block.parent_hash = block_hash(parent);
  block.height = parent.height + 1;
  block.view = view;
  block.proposer = static_cast<ReplicaIndex>(view % 4);
  block.justify = QuorumCert{parent.view, block.parent_hash, {}};
  if (tag != 0) {
    ClientRequest request;
    request.client = tag;
    request.number = 1;
    block.batch.push_back(request);  // makes otherwise equal siblings differ
  }
  return block;
}

const StoredBlock& add(BlockTree& tree, const Block& block) {
  return tree.insert(std::make_shared<const Block>(block), block_hash(block));
}

TEST_CASE("BlockTree: starts with only the genesis block") {
  // Goal: a new tree holds genesis under its recomputed hash. Method: inspect a fresh tree.
  BlockTree tree;
  CHECK(tree.size() == 1);
  CHECK(BlockTree::genesis_hash() == block_hash(BlockTree::genesis_block()));
  CHECK(BlockTree::genesis_block().height == 0);
  CHECK(BlockTree::genesis_block().view == 0);
  REQUIRE(tree.contains(BlockTree::genesis_hash()));
  const StoredBlock* genesis = tree.find(BlockTree::genesis_hash());
  REQUIRE(genesis != nullptr);
  CHECK(genesis->hash == BlockTree::genesis_hash());
  CHECK(*genesis->block == BlockTree::genesis_block());
  CHECK(tree.extends(BlockTree::genesis_hash(), BlockTree::genesis_hash()));
}

TEST_CASE("BlockTree: insert then find by hash") {
  // Goal: inserted blocks are found by hash with their contents; unknown hashes are not.
  // Method: insert a two-block chain and look each up.
  BlockTree tree;
  const Block b1 = child_of(BlockTree::genesis_block(), 1);
  const Block b2 = child_of(b1, 2);
  CHECK_FALSE(tree.contains(block_hash(b1)));
  CHECK(tree.find(block_hash(b1)) == nullptr);

  const StoredBlock& stored = add(tree, b1);
  CHECK(stored.hash == block_hash(b1));
  add(tree, b2);
  CHECK(tree.size() == 3);
  for (const Block* block : {&b1, &b2}) {
    const StoredBlock* found = tree.find(block_hash(*block));
    REQUIRE(found != nullptr);
    CHECK(*found->block == *block);
    CHECK(found->hash == block_hash(*block));
  }
  CHECK(tree.find(block_hash(child_of(b2, 3))) == nullptr);
}

TEST_CASE("BlockTree: extends follows parent links and is false across forks") {
  // Goal: extends(d, a) iff a is d or an ancestor of d. Method: a chain g-a1-a2-a3 and a fork g-a1-c2.
  BlockTree tree;
  const Block& g = BlockTree::genesis_block();
  const Block a1 = child_of(g, 1);
  const Block a2 = child_of(a1, 2);
  const Block a3 = child_of(a2, 3);
  const Block c2 = child_of(a1, 2, /*tag=*/9);  // a sibling of a2
  for (const Block* block : {&a1, &a2, &a3, &c2}) add(tree, *block);
  const Hash32 hg = block_hash(g), h1 = block_hash(a1), h2 = block_hash(a2),
               h3 = block_hash(a3), hc = block_hash(c2);
  REQUIRE(h2 != hc);

  CHECK(tree.extends(h3, h3));
  CHECK(tree.extends(h3, h2));
  CHECK(tree.extends(h3, h1));
  CHECK(tree.extends(h3, hg));
  CHECK(tree.extends(hc, h1));
  CHECK(tree.extends(hc, hg));

  CHECK_FALSE(tree.extends(h2, h3));  // ancestors do not extend descendants
  CHECK_FALSE(tree.extends(h1, h2));
  CHECK_FALSE(tree.extends(h3, hc));  // across the fork, both ways
  CHECK_FALSE(tree.extends(hc, h2));
  CHECK_FALSE(tree.extends(hc, h3));
  const Hash32 unknown = block_hash(child_of(a3, 4));
  CHECK_FALSE(tree.extends(unknown, hg));
  CHECK_FALSE(tree.extends(h3, unknown));
}

TEST_CASE("BlockTree: prune_below forgets lower blocks and keeps genesis") {
  // Goal: prune_below(h) removes heights 1..h-1, keeps genesis and heights >= h.
  // Method: a five-block chain with a fork at height 2, pruned below 3.
  BlockTree tree;
  std::vector<Block> chain{BlockTree::genesis_block()};
  for (View view = 1; view <= 5; ++view) chain.push_back(child_of(chain.back(), view));
  for (std::size_t i = 1; i < chain.size(); ++i) add(tree, chain[i]);
  const Block fork = child_of(chain[1], 7, /*tag=*/5);  // height 2
  add(tree, fork);
  REQUIRE(tree.size() == 7);

  tree.prune_below(3);
  CHECK(tree.contains(BlockTree::genesis_hash()));
  CHECK_FALSE(tree.contains(block_hash(chain[1])));
  CHECK_FALSE(tree.contains(block_hash(chain[2])));
  CHECK_FALSE(tree.contains(block_hash(fork)));
  for (std::size_t i = 3; i <= 5; ++i) CHECK(tree.contains(block_hash(chain[i])));
  CHECK(tree.size() == 4);

  // Ancestry survives above the horizon and fails through the pruned gap.
  CHECK(tree.extends(block_hash(chain[5]), block_hash(chain[3])));
  CHECK_FALSE(tree.extends(block_hash(chain[5]), BlockTree::genesis_hash()));

  // Children of surviving blocks can still be inserted.
  add(tree, child_of(chain[5], 6));
  CHECK(tree.size() == 5);

  tree.prune_below(0);  // no-op
  CHECK(tree.size() == 5);
}

TEST_CASE("BlockTree: insert_parent adds a root's parent below it, and only that") {
  // Goal: a restart puts committed blocks back below its installed root
  // (Replica::restore_ancestors) only along parent hashes. Method: a chain
  // 1..3; install 3 as root; a sibling of 2 is refused, 2 and then 1 enter,
  // and 3 then extends 1; a second copy and the genesis block are refused.
  const Block b1 = child_of(BlockTree::genesis_block(), 1);
  const Block b2 = child_of(b1, 2);
  const Block b2_sibling = child_of(b1, 2, 7);
  const Block b3 = child_of(b2, 3);
  BlockTree tree;
  tree.install_root(std::make_shared<const Block>(b3), block_hash(b3));
  CHECK_FALSE(tree.insert_parent(std::make_shared<const Block>(b2_sibling), block_hash(b2_sibling)));
  CHECK_FALSE(tree.insert_parent(std::make_shared<const Block>(b1), block_hash(b1)));  // not 3's parent
  CHECK(tree.insert_parent(std::make_shared<const Block>(b2), block_hash(b2)));
  CHECK_FALSE(tree.insert_parent(std::make_shared<const Block>(b2), block_hash(b2)));
  CHECK(tree.insert_parent(std::make_shared<const Block>(b1), block_hash(b1)));
  CHECK_FALSE(tree.insert_parent(std::make_shared<const Block>(BlockTree::genesis_block()),
                                 BlockTree::genesis_hash()));
  CHECK(tree.extends(block_hash(b3), block_hash(b1)));
  CHECK_FALSE(tree.contains(block_hash(b2_sibling)));
  CHECK(tree.size() == 4);  // genesis, 1, 2, 3
}

}  // namespace
}  // namespace bftsim::test_consensus_block_tree_test
