// Tests of bad_state (sim/actors/byzantine_sync.cpp): the actor answers a
// state request with a made-up state one height above its commit that only
// it vouches for, and a correct StateTransfer does not install it until a
// second replica vouches for the same claim (the f+1 rule is what stops it);
// with `offer: wrong_pairs` it offers its committed block and the true
// digest over altered pairs, which a correct StateTransfer refuses although
// f+1 replicas vouch for the claim (the pairs check is what stops it).
#include "core/node/executor.h"
#include "core/node/node_store.h"
#include "core/node/state_transfer.h"
#include "tests/sim/actors/byzantine_fixture.h"

namespace bftsim::byzantine_test::test_sim_actors_byzantine_state_test {
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

TEST_CASE("byzantine state: bad_state with offer wrong_pairs offers the vouched block and digest over other pairs") {
  // Goal: the lie is the claim honest replicas vouch for (its committed
  // block, the true digest after it) with pairs that are not that state, and
  // a correct requester refuses exactly those pairs. Method: the actor
  // (replica 0) sees B1 (a put), B2, B3 from leaders 1-3 and the votes of 1
  // and 2 for B3: with its own it forms QC(3) and commits B1. An honest
  // machine executes B1 beside it for the truth.
  ByzantineParams params;
  params.state_lie = StateLie::wrong_pairs;
  Fixture fixture(0, {B::bad_state}, CryptoKind::fast, true, params);
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  std::vector<Block> chain{BlockTree::genesis_block()};
  std::vector<QuorumCert> qcs{genesis_qc()};
  for (View view = 1; view <= 3; ++view) {
    std::vector<ClientRequest> batch;
    if (view == 1) batch = {put_request(1, 1, "a"), put_request(1, 2, "b")};
    const Block block = fixture.forger.child(chain.back(), view, qcs.back(), batch);
    fixture.actor.on_message(0, block.proposer, fixture.forger.proposal(block), view * 1'000, out);
    chain.push_back(block);
    qcs.push_back(fixture.forger.qc(view, block_hash(block), {1, 2, 3}));
  }
  for (ReplicaIndex voter : {1u, 2u})
    fixture.actor.on_message(0, voter, fixture.forger.vote(voter, 3, block_hash(chain[3])), 3'500, out);
  REQUIRE(fixture.actor.instance(0).committed_height() == 1);
  KvStateMachine honest;
  execute_block(honest, chain[1], 1);
  REQUIRE(honest.store().size() == 2);

  out = {};
  fixture.actor.on_message(0, 1, StateRequest{0}, 4'000, out);
  const auto answers = sends_of<StateResponse>(decode_all(out));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].first.to == 1);
  const StateResponse& lie = answers[0].second;
  // The claim is the truth: B1 and the digest of the state after it.
  CHECK(block_hash(lie.block) == block_hash(chain[1]));
  CHECK(lie.state_digest == honest.digest());
  REQUIRE(lie.history.size() == 1);
  CHECK(lie.history[0] == CommittedDigest{1, block_hash(chain[1]), honest.digest()});
  // The pairs are not: the same keys in order, one value changed, so they
  // hash (and install) to another digest.
  REQUIRE(lie.pairs.size() == 2);
  CHECK(lie.pairs[0] == KeyValue{"a", "v"});
  CHECK(lie.pairs[1].key == "b");
  CHECK(lie.pairs[1].value != "v");
  const auto lie_digest = digest_of_pairs(lie.pairs);
  REQUIRE(lie_digest.has_value());  // sorted: only the digest differs
  CHECK(*lie_digest != lie.state_digest);
  const auto installed_lie = make_state_machine(lie.pairs, lie.replies, 1);
  REQUIRE(installed_lie.has_value());  // its reply records are real
  CHECK(installed_lie->digest() != lie.state_digest);

  // A correct requester with the lie (from replica 0, so considered first)
  // and an honest offer of the same claim: the lie has its f+1 vouchers and
  // is refused on its pairs alone (and dropped, so the honest offer waits
  // for a second honest voucher, then installs).
  StateTransfer honest_side(faulty_max, 100'000'000);
  honest_side.on_committed(1, block_hash(chain[1]), honest.digest());
  const StateResponse truth = honest_side.make_response(chain[1], honest);
  StateTransfer transfer(faulty_max, 100'000'000);
  transfer.on_response(0, lie);
  CHECK(!transfer.take_installable(0).has_value());  // one voucher
  CHECK(transfer.rejected_count() == 0);
  transfer.on_response(1, truth);
  CHECK(!transfer.take_installable(0).has_value());
  CHECK(transfer.rejected_count() == 1);
  transfer.on_response(3, truth);
  const auto chosen = transfer.take_installable(0);
  REQUIRE(chosen.has_value());
  CHECK(chosen->pairs == truth.pairs);
  CHECK(digest_of_pairs(chosen->pairs) == honest.digest());
  // The control: the same lie with the true pairs would have been installed.
  StateResponse repaired = lie;
  repaired.pairs = truth.pairs;
  StateTransfer control(faulty_max, 100'000'000);
  control.on_response(0, repaired);
  control.on_response(1, truth);
  const auto taken = control.take_installable(0);
  REQUIRE(taken.has_value());
  CHECK(control.rejected_count() == 0);

  // A requester at its height gets no answer.
  ByzantineOutbox none;
  fixture.actor.on_message(0, 1, StateRequest{1}, 5'000, none);
  CHECK(sends_of<StateResponse>(decode_all(none)).empty());
}

}  // namespace
}  // namespace bftsim::byzantine_test::test_sim_actors_byzantine_state_test
