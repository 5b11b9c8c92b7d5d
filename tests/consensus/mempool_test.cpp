// Tests of the Mempool (core/consensus/mempool.h): deduplication by (client,
// number), the size bound, oldest-first batches that skip requests already in
// an uncommitted ancestor, and removal on commit. Method: requests and a
// two-block chain built by hand; each rule has a case that breaks without it.
#include "core/consensus/mempool.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/protocol/codec.h"

namespace bftsim {
namespace {

ClientRequest request(ClientId client, RequestNumber number) {
  return ClientRequest{client, number, Operation{}};
}

// Adds a child of `parent` carrying `batch` to `tree`; returns its hash.
Hash32 add_block(BlockTree& tree, const Hash32& parent, std::vector<ClientRequest> batch) {
  auto block = std::make_shared<Block>();
  block->parent_hash = parent;
  block->height = tree.find(parent)->block->height + 1;
  block->view = block->height;
  block->justify = QuorumCert{block->height - 1, parent, {}};
  block->batch = std::move(batch);
  const Hash32 hash = block_hash(*block);
  tree.insert(std::move(block), hash);
  return hash;
}

TEST_CASE("mempool: a request is held once, and never beyond size_max") {
  // Goal: dedup by (client, number) before the size bound. Method: add the
  // same request twice, then fill a mempool of two.
  Mempool mempool(2, 10);
  CHECK(mempool.add(request(1, 1)) == std::nullopt);
  CHECK(mempool.add(request(1, 1)) == DropReason::duplicate);
  CHECK(mempool.add(request(1, 2)) == std::nullopt);
  CHECK(mempool.add(request(2, 1)) == DropReason::mempool_full);
  CHECK(mempool.add(request(1, 2)) == DropReason::duplicate);  // full, yet a duplicate
  CHECK(mempool.size() == 2);
  mempool.check_invariants();
}

TEST_CASE("mempool: batches are oldest first, bounded, and skip uncommitted ancestors") {
  // Goal: a leader never proposes a request its parent chain already carries,
  // but does once that chain is committed. Method: a chain genesis <- b1 <- b2
  // where b1 carries (1,1) and b2 carries (2,1).
  Mempool mempool(100, 2);
  for (ClientId client = 1; client <= 3; ++client) REQUIRE(!mempool.add(request(client, 1)));
  BlockTree tree;
  const Hash32 b1 = add_block(tree, BlockTree::genesis_hash(), {request(1, 1)});
  const Hash32 b2 = add_block(tree, b1, {request(2, 1)});

  CHECK(mempool.next_batch(tree, BlockTree::genesis_hash(), 0) ==
        std::vector<ClientRequest>{request(1, 1), request(2, 1)});  // bounded at 2
  CHECK(mempool.next_batch(tree, b2, 0) == std::vector<ClientRequest>{request(3, 1)});
  // With b1 committed its requests count as gone (removal follows the commit).
  CHECK(mempool.next_batch(tree, b2, 1) ==
        std::vector<ClientRequest>{request(1, 1), request(3, 1)});

  mempool.remove_committed(*tree.find(b1)->block);
  mempool.remove_committed(*tree.find(b2)->block);
  CHECK(mempool.size() == 1);
  CHECK(mempool.add(request(1, 1)) == std::nullopt);  // forgotten once committed
  mempool.check_invariants();
}

TEST_CASE("mempool: an old request that stays keeps its place while hundreds commit around it") {
  // Goal: arrival order survives holes, and the holes behind a request that
  // never commits do not pile up. Method: (9,1) arrives first and stays; 500
  // later requests arrive and commit one block each; then two more arrive.
  Mempool mempool(1000, 3);
  REQUIRE(!mempool.add(request(9, 1)));
  for (RequestNumber number = 1; number <= 500; ++number) {
    REQUIRE(!mempool.add(request(1, number)));
    Block block;
    block.batch = {request(1, number)};
    mempool.remove_committed(block);
    mempool.check_invariants();  // the deque stays within twice the held count plus 64
  }
  CHECK(mempool.size() == 1);
  REQUIRE(!mempool.add(request(2, 1)));
  REQUIRE(!mempool.add(request(3, 1)));
  CHECK(mempool.holds(request(9, 1)));
  CHECK_FALSE(mempool.holds(request(1, 7)));
  BlockTree tree;
  CHECK(mempool.next_batch(tree, BlockTree::genesis_hash(), 0) ==
        std::vector<ClientRequest>{request(9, 1), request(2, 1), request(3, 1)});
  // Committed from the middle: the others keep their order.
  Block middle;
  middle.batch = {request(2, 1)};
  mempool.remove_committed(middle);
  CHECK(mempool.next_batch(tree, BlockTree::genesis_hash(), 0) ==
        std::vector<ClientRequest>{request(9, 1), request(3, 1)});
  mempool.check_invariants();
}

}  // namespace
}  // namespace bftsim
