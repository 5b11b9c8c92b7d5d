// Tests of StateTransfer (core/node/state_transfer.h): which offers a node may
// install. Method: hand-made offers from honest peers and liars, n=4, f=1.
#include "core/node/state_transfer.h"

#include <doctest/doctest.h>

#include "core/kv/memory_kv_store.h"
#include "core/protocol/codec.h"

namespace bftsim::test_node_state_transfer_test {
namespace {

Block block_at(Height height) {
  Block block;
  block.height = height;
  block.view = height;
  return block;
}

// The honest state at `height`: pairs k=v<height>.
StateResponse honest_offer(Height height, std::vector<Height> history_heights = {}) {
  StateResponse offer;
  offer.block = block_at(height);
  offer.pairs = {KeyValue{"k", "v" + std::to_string(height)}};
  offer.state_digest = *digest_of_pairs(offer.pairs);
  for (Height h : history_heights) {
    StateResponse earlier = honest_offer(h);
    offer.history.push_back(CommittedDigest{h, block_hash(earlier.block), earlier.state_digest});
  }
  return offer;
}

TEST_CASE("state_transfer: f+1 matching offers are installable, f are not") {
  StateTransfer transfer(1, 1000);
  transfer.on_response(1, honest_offer(50));
  CHECK(!transfer.take_installable(10));  // one voucher: could be the liar
  transfer.on_response(2, honest_offer(50));
  auto installable = transfer.take_installable(10);
  REQUIRE(installable);
  CHECK(installable->block.height == 50);
  CHECK(!transfer.take_installable(10));  // taken
}

TEST_CASE("state_transfer: a peer's history vouches for an older offer") {
  // Peer 2 is already at 52; its history holds height 50's digest.
  StateTransfer transfer(1, 1000);
  transfer.on_response(1, honest_offer(50));
  transfer.on_response(2, honest_offer(52, {49, 50, 51}));
  auto installable = transfer.take_installable(10);
  REQUIRE(installable);
  CHECK(installable->block.height == 50);  // 52 has only one voucher
}

TEST_CASE("state_transfer: one liar cannot get a state installed") {
  // Goal: with f = 1 a single Byzantine responder changes nothing. Method: the
  // liar sends (a) a made-up state with its own digest, (b) the honest claim
  // with pairs that are not that state, (c) unsorted pairs. Control: the same
  // claim from two honest peers installs the honest pairs.
  StateTransfer transfer(1, 1000);
  StateResponse made_up = honest_offer(60);
  made_up.pairs = {KeyValue{"k", "stolen"}};
  made_up.state_digest = *digest_of_pairs(made_up.pairs);
  transfer.on_response(3, made_up);
  CHECK(!transfer.take_installable(10));

  StateResponse wrong_pairs = honest_offer(50);
  wrong_pairs.pairs = {KeyValue{"k", "stolen"}};
  transfer.on_response(3, wrong_pairs);
  transfer.on_response(1, honest_offer(50));
  // Two vouch for the claim, but the liar's copy is not that state: the
  // honest copy is the one installed.
  auto installable = transfer.take_installable(10);
  REQUIRE(installable);
  CHECK(installable->pairs == honest_offer(50).pairs);

  StateResponse unsorted = honest_offer(70);
  unsorted.pairs = {KeyValue{"b", "1"}, KeyValue{"a", "1"}};
  CHECK(!digest_of_pairs(unsorted.pairs));
}

TEST_CASE("state_transfer: answers are rate limited per requester") {
  StateTransfer transfer(1, 1000);
  CHECK(transfer.should_answer(2, 0));
  CHECK(!transfer.should_answer(2, 999));
  CHECK(transfer.should_answer(3, 999));
  CHECK(transfer.should_answer(2, 1000));
}

}  // namespace
}  // namespace bftsim::test_node_state_transfer_test
