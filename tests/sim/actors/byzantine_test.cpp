// Tests of sim/actors/byzantine.h: each Byzantine behaviour, run on one actor in a
// cluster of n=4, f=1, sends what its comment in sim/byzantine_behavior.h
// claims. Every ByzantineSend is decoded and checked the way an honest
// replica would check it: with the cluster's Verifier, verify_qc and
// verify_tc. Peers are played by hand with the consensus harness's Forger.
#include "tests/sim/actors/byzantine_fixture.h"

#include "core/crypto/blake2b.h"

namespace bftsim::byzantine_test::test_sim_actors_byzantine_test {
namespace {

TEST_CASE("byzantine: behaviour names round-trip and an unknown name is rejected") {
  // Goal: the scenario names of all behaviours are distinct and parse back. Method: name -> parse for each enum value; parse garbage.
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < byzantine_behavior_count; ++i) {
    const auto behavior = static_cast<ByzantineBehavior>(i);
    const std::string_view name = byzantine_behavior_name(behavior);
    CAPTURE(name);
    CHECK(!name.empty());
    names.insert(name);
    const auto parsed = parse_byzantine_behavior(name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == behavior);
  }
  CHECK(names.size() == byzantine_behavior_count);
  CHECK(byzantine_behavior_name(B::fork) == "fork");
  CHECK(!parse_byzantine_behavior("nonsense").has_value());
  CHECK(!parse_byzantine_behavior("").has_value());
  CHECK(!parse_byzantine_behavior("Silent").has_value());
}

TEST_CASE("byzantine: an actor with no behaviour sends what an honest replica sends") {
  // Goal: the baseline the other cases deviate from. Method: leader 1 with requests starts; its one proposal is valid and reaches all others.
  Fixture fixture(1, {});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.start(0, out);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  std::set<std::uint32_t> recipients;
  for (const auto& [send, proposal] : proposals) {
    recipients.insert(send.to);
    CHECK(proposal == proposals.front().second);
    CHECK(send.delay == 0);
  }
  CHECK(recipients == others_of(1));
  CHECK(fixture.proposal_signed(proposals.front().second));
  CHECK(proposals.front().second.block.batch.size() == 1);
  CHECK(fixture.actor.forged_count() == 0);
}

TEST_CASE("byzantine: silent sends nothing, even as leader, and only arms timers") {
  // Goal: silent is a connected crash. Method: leader 1 with requests starts, times out, then hears f+1 timeouts; the outbox has timers and no sends.
  Fixture fixture(1, {B::silent});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.start(0, out);
  const Instant deadline = last_timer(out);
  fixture.actor.on_timer(0, deadline, out);
  for (ReplicaIndex peer : {0u, 2u, 3u}) {
    const Timeout timeout{1, peer, genesis_qc(), std::nullopt,
                          fixture.forger.sign_timeout(peer, 1, 0)};
    fixture.actor.on_message(0, peer, timeout, deadline, out);
  }
  CHECK(out.sends.empty());
  CHECK(out.timers.size() >= 2);
}

TEST_CASE("byzantine: equivocate sends two validly signed view-1 proposals to disjoint halves") {
  // Goal: an equivocating leader splits the cluster. Method: leader 1 gets two requests, starts; decode its proposals, group by block, check signatures and recipients.
  for (const CryptoKind crypto : {CryptoKind::fast, CryptoKind::ed25519}) {
    const std::string kind = crypto_kind_name(crypto);
    CAPTURE(kind);
    Fixture fixture(1, {B::equivocate}, crypto);
    ByzantineOutbox out;
    fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
    fixture.actor.on_client_request(0, put_request(2, 1, "b"), 0, out);
    fixture.actor.start(0, out);

    std::map<Hash32, std::set<std::uint32_t>> recipients_by_block;
    for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
      CHECK(proposal.block.view == 1);
      CHECK(proposal.block.proposer == 1);
      CHECK(fixture.proposal_signed(proposal));
      CHECK(proposal.block.justify.block_hash == proposal.block.parent_hash);
      CHECK(fixture.qc_valid(proposal.block.justify));
      const bool fresh = recipients_by_block[block_hash(proposal.block)].insert(send.to).second;
      CHECK(fresh);  // each replica hears one version once
    }
    REQUIRE(recipients_by_block.size() == 2);
    const auto& first = recipients_by_block.begin()->second;
    const auto& second = recipients_by_block.rbegin()->second;
    CHECK(!first.empty());
    CHECK(!second.empty());
    std::set<std::uint32_t> all = first;
    all.insert(second.begin(), second.end());
    CHECK(all.size() == first.size() + second.size());  // disjoint
    CHECK(all == others_of(1));
    CHECK(fixture.actor.forged_count() >= 1);
  }
}

TEST_CASE("byzantine: double_vote signs votes for two different blocks in view 1") {
  // Goal: the actor votes twice in one view. Method: replica 2 gets leader 1's valid proposal; decode its votes and check both hashes are signed by 2.
  Fixture fixture(2, {B::double_vote});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const Proposal proposal = fixture.view1_proposal();
  fixture.actor.on_message(0, 1, proposal, 0, out);

  std::map<Hash32, std::set<std::uint32_t>> recipients_by_hash;
  for (const auto& [send, vote] : sends_of<Vote>(decode_all(out))) {
    CHECK(vote.view == 1);
    CHECK(vote.voter == 2);
    CHECK(fixture.vote_signed_by(2, vote));
    recipients_by_hash[vote.block_hash].insert(send.to);
  }
  REQUIRE(recipients_by_hash.size() == 2);
  CHECK(recipients_by_hash.contains(block_hash(proposal.block)));
  for (const auto& [hash, recipients] : recipients_by_hash) CHECK(!recipients.empty());
}

TEST_CASE("byzantine: double_vote with votes to the next leader only still votes twice") {
  // Goal: double_vote under `vote_to: next_leader`. Method: replica 3 votes on leader 1's proposal; its votes to leader 2 should name two hashes.
  Fixture fixture(3, {B::double_vote}, CryptoKind::fast, /*vote_to_all=*/false);
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  std::set<Hash32> hashes;
  for (const auto& [send, vote] : sends_of<Vote>(decode_all(out))) {
    CHECK(send.to == 2);
    CHECK(fixture.vote_signed_by(3, vote));
    hashes.insert(vote.block_hash);
  }
  CHECK(hashes.size() == 2);
}

TEST_CASE("byzantine: withhold_votes sends no vote after a valid proposal") {
  // Goal: the actor accepts but never votes. Method: replica 2 gets leader 1's proposal with and without the behaviour; only the honest one votes.
  Fixture honest(2, {});
  ByzantineOutbox honest_out;
  honest.actor.start(0, honest_out);
  honest.actor.on_message(0, 1, honest.view1_proposal(), 0, honest_out);
  CHECK(sends_of<Vote>(decode_all(honest_out)).size() == 3);

  Fixture fixture(2, {B::withhold_votes});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  CHECK(sends_of<Vote>(decode_all(out)).empty());
  // Its timeouts still go out: it withholds votes only.
  fixture.actor.on_timer(0, last_timer(out), out);
  CHECK(sends_of<Timeout>(decode_all(out)).size() == 3);
}

TEST_CASE("byzantine: withhold_proposals sends no proposal as leader") {
  // Goal: a leader that never proposes. Method: leader 1 with a request starts; no Proposal leaves, but its timeout does.
  Fixture fixture(1, {B::withhold_proposals});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.start(0, out);
  CHECK(sends_of<Proposal>(decode_all(out)).empty());
  fixture.actor.on_timer(0, last_timer(out), out);
  const auto sent = decode_all(out);
  CHECK(sends_of<Proposal>(sent).empty());
  CHECK(sends_of<Timeout>(sent).size() == 3);
}

TEST_CASE("byzantine: withheld messages do not leak through flood or stale_replay") {
  // Goal: combined behaviours keep withholding. Method: leader 1 with [withhold_proposals, flood] starts; no Proposal may leave.
  Fixture fixture(1, {B::withhold_proposals, B::flood});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.start(0, out);
  CHECK(sends_of<Proposal>(decode_all(out)).empty());
}

TEST_CASE("byzantine: delay_proposals holds the proposal for 90% of the view timeout") {
  // Goal: a slow leader. Method: leader 1 starts at t=0; every Proposal send carries delay = 0.9 * view timeout, and the view timer is one timeout away.
  Fixture fixture(1, {B::delay_proposals});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const Duration view_timeout = fixture.config.view_timeout;
  CHECK(last_timer(out) == view_timeout);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  for (const auto& [send, proposal] : proposals) {
    CHECK(send.delay == view_timeout * 9 / 10);
    CHECK(fixture.proposal_signed(proposal));
  }
  // Timeouts are not delayed.
  fixture.actor.on_timer(0, last_timer(out), out);
  for (const auto& [send, timeout] : sends_of<Timeout>(decode_all(out))) CHECK(send.delay == 0);
}

TEST_CASE("byzantine: bad_signature breaks the signature of every proposal, vote and timeout") {
  // Goal: nothing it signs verifies. Method: replica 2 votes in view 1, proposes in view 2 and times out there; every signature fails, for both crypto kinds.
  for (const CryptoKind crypto : {CryptoKind::fast, CryptoKind::ed25519}) {
    const std::string kind = crypto_kind_name(crypto);
    CAPTURE(kind);
    Fixture fixture(2, {B::bad_signature}, crypto);
    ByzantineOutbox out;
    fixture.drive_to_view2_proposal(out);
    fixture.actor.on_timer(0, last_timer(out), out);
    const auto sent = decode_all(out);
    const auto proposals = sends_of<Proposal>(sent);
    const auto votes = sends_of<Vote>(sent);
    const auto timeouts = sends_of<Timeout>(sent);
    CHECK(proposals.size() == 3);
    CHECK(votes.size() == 6);  // on leader 1's block and on its own view-2 block
    CHECK(timeouts.size() == 3);
    for (const auto& [send, proposal] : proposals) CHECK(!fixture.proposal_signed(proposal));
    for (const auto& [send, vote] : votes) CHECK(!fixture.vote_signed(vote));
    for (const auto& [send, timeout] : timeouts) CHECK(!fixture.timeout_signed(timeout));
    CHECK(fixture.actor.forged_count() == proposals.size() + votes.size() + timeouts.size());
  }
}

TEST_CASE("byzantine: forged_qc proposes with a QC one signature short of a quorum") {
  // Goal: a leader that inflates its certificate. Method: replica 2 forms QC(1) and proposes in view 2; the justify QC has quorum-1 signatures and fails verify_qc.
  Fixture fixture(2, {B::forged_qc});
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  for (const auto& [send, proposal] : proposals) {
    CHECK(proposal.block.view == 2);
    CHECK(proposal.block.justify.view == 1);
    CHECK(proposal.block.justify.signatures.size() == fixture.quorum() - 1);
    CHECK(!fixture.qc_valid(proposal.block.justify));
    CHECK(fixture.proposal_signed(proposal));  // only the certificate is forged
  }
}

TEST_CASE("byzantine: bad_parent proposes a block whose parent is not the certified block") {
  // Goal: a structurally invalid block under a valid signature. Method: leader 1 starts; its proposal's parent_hash differs from justify.block_hash.
  Fixture fixture(1, {B::bad_parent});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  for (const auto& [send, proposal] : proposals) {
    CHECK(proposal.block.parent_hash != proposal.block.justify.block_hash);
    CHECK(fixture.qc_valid(proposal.block.justify));
    CHECK(fixture.proposal_signed(proposal));
  }
}

TEST_CASE("byzantine: stale_replay re-sends messages identical to ones from older views") {
  // Goal: replays of old messages. Method: 40 views end by TC (replicas 1 and 2 time out, the actor joins); later rounds carry byte copies of earlier rounds' messages.
  Fixture fixture(0, {B::stale_replay});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  // digest of the bytes -> the view of the message when first sent (keyed by
  // digest: a map on the byte vectors draws a false -Wstringop-overread from
  // GCC 12 at -O3).
  std::map<Hash32, View> earlier;
  std::size_t replays = 0;
  const auto view_of = [](const Message& message) -> View {
    if (const auto* proposal = std::get_if<Proposal>(&message)) return proposal->block.view;
    if (const auto* vote = std::get_if<Vote>(&message)) return vote->view;
    if (const auto* timeout = std::get_if<Timeout>(&message)) return timeout->view;
    return 0;
  };
  for (View view = 1; view <= 40; ++view) {
    ByzantineOutbox round;
    for (ReplicaIndex peer : {1u, 2u}) {
      const Timeout timeout{view, peer, genesis_qc(), std::nullopt,
                            fixture.forger.sign_timeout(peer, view, 0)};
      fixture.actor.on_message(0, peer, timeout, 0, round);
    }
    const auto sent = decode_all(round);
    // Its own timeout for this view proves it kept up.
    bool own_timeout = false;
    for (const auto& [send, timeout] : sends_of<Timeout>(sent))
      own_timeout = own_timeout || (timeout.view == view && timeout.sender == 0);
    REQUIRE(own_timeout);
    for (const auto& entry : sent) {
      auto found = earlier.find(blake2b_256(entry.send.bytes));
      if (found == earlier.end()) continue;
      CHECK(found->second < view);
      CHECK(view_of(entry.message) < view);
      ++replays;
    }
    for (const auto& entry : sent) earlier.emplace(blake2b_256(entry.send.bytes), view_of(entry.message));
  }
  CHECK(replays >= 3);
  CHECK(fixture.actor.forged_count() >= 1);
}

TEST_CASE("byzantine: flood duplicates each message and asks for blocks nobody has") {
  // Goal: the actor floods. Method: replica 2 votes on leader 1's proposal; each peer gets the vote several times and BlockRequests that an honest replica holding the chain cannot answer.
  Fixture fixture(2, {B::flood});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const Proposal proposal = fixture.view1_proposal();
  fixture.actor.on_message(0, 1, proposal, 0, out);
  const auto sent = decode_all(out);

  std::map<std::uint32_t, std::size_t> votes_to;
  for (const auto& [send, vote] : sends_of<Vote>(sent)) {
    CHECK(vote.block_hash == block_hash(proposal.block));
    CHECK(fixture.vote_signed(vote));
    ++votes_to[send.to];
  }
  CHECK(votes_to.size() == 3);
  for (const auto& [to, count] : votes_to) CHECK(count >= 3);

  // An honest replica that has the view-1 block answers none of the requests.
  Replica honest(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3),
                 fixture.verifier);
  Effects effects;
  honest.start(0, effects);
  honest.on_message(1, proposal, 0, effects);
  effects.clear();
  std::map<std::uint32_t, std::size_t> requests_to;
  for (const auto& [send, request] : sends_of<BlockRequest>(sent)) {
    ++requests_to[send.to];
    CHECK(request.block_hash != BlockTree::genesis_hash());
    CHECK(request.block_hash != block_hash(proposal.block));
    honest.on_message(2, request, 0, effects);
  }
  CHECK(requests_to.size() == 3);
  CHECK(effects.empty());
  // Control: it does answer a request for the block it has.
  honest.on_message(2, BlockRequest{block_hash(proposal.block), 8}, 0, effects);
  CHECK(effects.size() == 1);
}

TEST_CASE("byzantine: twins runs two instances that both propose under the same key") {
  // Goal: two replicas with one identity. Method: leader 1 as twins, each instance given a different request; both propose for view 1, each validly signed by 1.
  Fixture fixture(1, {B::twins});
  REQUIRE(fixture.actor.instance_count() == 2);
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.on_client_request(1, put_request(2, 1, "b"), 0, out);
  fixture.actor.start(0, out);

  std::map<std::uint8_t, std::set<Hash32>> blocks_by_instance;
  for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
    CHECK(proposal.block.view == 1);
    CHECK(proposal.block.proposer == 1);
    CHECK(fixture.proposal_signed(proposal));
    blocks_by_instance[send.from_instance].insert(block_hash(proposal.block));
  }
  REQUIRE(blocks_by_instance.size() == 2);
  REQUIRE(blocks_by_instance[0].size() == 1);
  REQUIRE(blocks_by_instance[1].size() == 1);
  CHECK(*blocks_by_instance[0].begin() != *blocks_by_instance[1].begin());
  // Both instances run their own view timer.
  CHECK(last_timer(out, 0) > 0);
  CHECK(last_timer(out, 1) > 0);
}

TEST_CASE("byzantine: impersonate sends votes naming another voter under its own signature") {
  // Goal: a forged voter field. Method: replica 2 votes on leader 1's proposal; some vote names voter != 2, verifies for 2 and not for the named voter.
  Fixture fixture(2, {B::impersonate});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  std::size_t forged = 0;
  std::size_t own = 0;
  for (const auto& [send, vote] : sends_of<Vote>(decode_all(out))) {
    CHECK(fixture.vote_signed_by(2, vote));
    if (vote.voter == 2) {
      ++own;
      continue;
    }
    ++forged;
    CHECK(vote.voter < replica_count);
    CHECK(!fixture.vote_signed_by(vote.voter, vote));
  }
  CHECK(forged == 3);
  CHECK(own == 3);
}

TEST_CASE("byzantine: uncertified_commit proposes a far-ahead block under an empty QC") {
  // Goal: a block claiming an invented, uncertified history. Method: replica 2 forms QC(1) and proposes in view 2; one proposal has an empty justify at view > 0 and a height far above 2.
  Fixture fixture(2, {B::uncertified_commit});
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  std::size_t invented = 0;
  std::size_t real = 0;
  for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
    CHECK(fixture.proposal_signed(proposal));
    if (fixture.qc_valid(proposal.block.justify)) {
      ++real;
      CHECK(proposal.block.height == 2);
      continue;
    }
    ++invented;
    CHECK(proposal.block.justify.signatures.empty());
    CHECK(proposal.block.justify.view > 0);
    CHECK(proposal.block.height >= 2 + 50);
  }
  CHECK(invented == 3);
  CHECK(real == 3);
}

TEST_CASE("byzantine: unproven_new_view times out in a far view with a one-signature TC") {
  // Goal: a view jump without proof. Method: replica 0 times out at its deadline; one timeout is >= 1000 views ahead and its last_tc fails verify_tc.
  Fixture fixture(0, {B::unproven_new_view});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_timer(0, last_timer(out), out);
  std::size_t far = 0;
  std::size_t honest = 0;
  for (const auto& [send, timeout] : sends_of<Timeout>(decode_all(out))) {
    CHECK(timeout.sender == 0);
    CHECK(fixture.timeout_signed(timeout));
    if (timeout.view == 1) {
      ++honest;
      continue;
    }
    ++far;
    CHECK(timeout.view >= 1 + 1000);
    REQUIRE(timeout.last_tc.has_value());
    CHECK(timeout.last_tc->view + 1 == timeout.view);
    CHECK(timeout.last_tc->signatures.size() == 1);
    CHECK(!verify_tc(*timeout.last_tc, *fixture.verifier, fixture.chain(), fixture.quorum(),
                     BlockTree::genesis_hash()));
  }
  CHECK(far == 3);
  CHECK(honest == 3);
}

TEST_CASE("byzantine: junk sends undecodable frames and badly signed timeouts") {
  // Goal: garbage on the wire. Method: replica 2 votes on leader 1's proposal; some sends fail decode_message and some are timeouts whose signature fails.
  Fixture fixture(2, {B::junk});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  std::size_t undecodable = 0;
  std::size_t bad_timeouts = 0;
  std::size_t good_votes = 0;
  for (const auto& send : out.sends) {
    const auto message = decode_message(send.bytes);
    if (!message) {
      ++undecodable;
      continue;
    }
    if (const auto* timeout = std::get_if<Timeout>(&*message))
      if (!fixture.timeout_signed(*timeout)) ++bad_timeouts;
    if (const auto* vote = std::get_if<Vote>(&*message))
      if (fixture.vote_signed(*vote)) ++good_votes;
  }
  CHECK(undecodable >= 1);
  CHECK(bad_timeouts >= 1);
  CHECK(good_votes == 3);
}

TEST_CASE("byzantine: each behaviour draws from its own stream, so adding flood leaves junk's bytes unchanged") {
  // Goal: removing or adding one behaviour does not shift another's random
  // draws (bisect drops behaviours one by one). Method: replica 2 with [junk]
  // and with [flood, junk] (flood also draws: random block hashes) votes on
  // leader 1's proposal; the junk frames and forged timeouts are byte-identical.
  const auto junk_made = [](Fixture& fixture) {
    ByzantineOutbox out;
    fixture.actor.start(0, out);
    fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
    std::vector<std::vector<std::uint8_t>> junk;
    for (const auto& send : out.sends) {
      const auto message = decode_message(send.bytes);
      const auto* timeout = message ? std::get_if<Timeout>(&*message) : nullptr;
      if (!message || (timeout != nullptr && !fixture.timeout_signed(*timeout))) junk.push_back(send.bytes);
    }
    return junk;
  };
  Fixture alone(2, {B::junk});
  Fixture with_flood(2, {B::flood, B::junk});
  const auto expected = junk_made(alone);
  REQUIRE(expected.size() >= 6);  // a frame and a forged timeout per recipient
  CHECK(junk_made(with_flood) == expected);
}

TEST_CASE("byzantine: fork proposes normally when the leader has no TC") {
  // Goal: fork only acts after a view change. Method: replica 2 forms QC(1) by votes and proposes in view 2, with and without fork; the proposals are byte-identical and valid.
  Fixture honest(2, {});
  ByzantineOutbox honest_out;
  honest.drive_to_view2_proposal(honest_out);
  const auto expected = sends_of<Proposal>(decode_all(honest_out));
  REQUIRE(expected.size() == 3);

  Fixture fixture(2, {B::fork});
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  for (const auto& [send, proposal] : proposals) {
    CHECK(proposal == expected.front().second);
    CHECK(!proposal.timeout_cert.has_value());
    CHECK(proposal.block.view == 2);
    CHECK(proposal.block.parent_hash == proposal.block.justify.block_hash);
    CHECK(proposal.block.justify.view == 1);
    CHECK(fixture.qc_valid(proposal.block.justify));
    CHECK(fixture.proposal_signed(proposal));
  }
  CHECK(fixture.actor.forged_count() == 0);
}

TEST_CASE("byzantine: combined equivocate and junk both act") {
  // Goal: behaviours compose. Method: leader 1 with two requests and [equivocate, junk] starts; two valid conflicting proposals and undecodable frames leave.
  Fixture fixture(1, {B::equivocate, B::junk});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.on_client_request(0, put_request(2, 1, "b"), 0, out);
  fixture.actor.start(0, out);
  std::set<Hash32> blocks;
  std::size_t undecodable = 0;
  for (const auto& send : out.sends) {
    const auto message = decode_message(send.bytes);
    if (!message) {
      ++undecodable;
      continue;
    }
    if (const auto* proposal = std::get_if<Proposal>(&*message)) {
      CHECK(proposal->block.view == 1);
      CHECK(fixture.proposal_signed(*proposal));
      blocks.insert(block_hash(proposal->block));
    }
  }
  CHECK(blocks.size() == 2);
  CHECK(undecodable >= 1);
}

}  // namespace
}  // namespace bftsim::byzantine_test::test_sim_actors_byzantine_test
