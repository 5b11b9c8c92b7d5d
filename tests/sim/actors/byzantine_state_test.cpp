// Tests of bad_state (sim/actors/byzantine_sync.cpp): the actor answers a
// state request with a made-up state one height above its commit that only
// it vouches for, and a correct StateTransfer does not install it until a
// second replica vouches for the same claim (the f+1 rule is what stops it).
#include "core/node/state_transfer.h"
#include "tests/sim/actors/byzantine_fixture.h"

namespace bftsim::byzantine_test {
namespace {

TEST_CASE("byzantine state: bad_state answers a state request with a self-consistent state only it vouches for") {
  Fixture fixture(2, {B::bad_state});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  out = {};
  fixture.actor.on_message(0, 1, StateRequest{0}, 5, out);
  const auto answers = sends_of<StateResponse>(decode_all(out));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].first.to == 1);
  const StateResponse& lie = answers[0].second;
  CHECK(lie.block.height == 1);
  CHECK(lie.block.parent_hash == BlockTree::genesis_hash());  // on its committed block
  CHECK(lie.block.proposer == 2);
  REQUIRE(lie.block.batch.size() == 1);
  REQUIRE(lie.pairs.size() == 1);
  CHECK(lie.pairs[0].key == "bad_state");
  CHECK(digest_of_pairs(lie.pairs) == lie.state_digest);  // self-consistent
  REQUIRE(lie.history.size() == 1);
  CHECK(lie.history[0] == CommittedDigest{1, block_hash(lie.block), lie.state_digest});

  // A correct requester (f = 1) does not install a state one replica vouches for...
  StateTransfer transfer(faulty_max, 100'000'000);
  transfer.on_response(2, lie);
  CHECK(!transfer.take_installable(0).has_value());
  // ... and would with a second voucher (the control: only the count stops it).
  transfer.on_response(1, lie);
  const auto installed = transfer.take_installable(0);
  REQUIRE(installed.has_value());
  CHECK(installed->state_digest == lie.state_digest);

  // Its own request, or one from a replica ahead of it, gets no answer.
  ByzantineOutbox none;
  fixture.actor.on_message(0, 1, StateRequest{3}, 6, none);
  CHECK(sends_of<StateResponse>(decode_all(none)).empty());
}

}  // namespace
}  // namespace bftsim::byzantine_test
