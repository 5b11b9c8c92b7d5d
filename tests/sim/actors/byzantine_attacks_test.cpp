// Tests of the adversaries that attack the safety rules where they matter
// (sim/actors/byzantine.h): fork at a depth and at the lock, tail_fork,
// propose_out_of_turn, amnesia, impersonate for another block, targeted
// withholding, and bad_sync. Each decodes what the actor sent and checks it
// is what the behaviour claims; where a correct replica's rule is the point,
// a real Replica or BlockSync is the judge (it must reject the lie), next to
// a control that it accepts the truth.
#include <functional>

#include "tests/sim/actors/byzantine_fixture.h"

namespace bftsim::byzantine_test::test_sim_actors_byzantine_attacks_test {
namespace {

// ByzantineParams with one field set (the rest default).
ByzantineParams depth_params(std::uint32_t depth) {
  ByzantineParams params;
  params.fork_depth = depth;
  return params;
}
ByzantineParams lie_params(SyncLie lie) {
  ByzantineParams params;
  params.sync_lie = lie;
  return params;
}
ByzantineParams other_block_params() {
  ByzantineParams params;
  params.impersonate_other_block = true;
  return params;
}
ByzantineParams split_all_params() {
  ByzantineParams params;
  params.equivocate_to_all = true;
  return params;
}
ByzantineParams grandparent_params() {
  ByzantineParams params;
  params.bad_parent_grandparent = true;
  return params;
}
ByzantineParams pad_params(QcPad pad) {
  ByzantineParams params;
  params.qc_pad = pad;
  return params;
}
ByzantineParams target_params(std::vector<ReplicaIndex> targets) {
  ByzantineParams params;
  params.targets = std::move(targets);
  return params;
}

// A chain B1..B7 in views 1..7 (B4 proposed by the actor, replica 0), then a
// TC for view 7: the actor leads view 8 after a view change and proposes.
struct ForkHistory {
  std::vector<Block> chain;  // chain[v] is the block of view v; chain[0] genesis
  std::vector<QuorumCert> qcs;  // qcs[v] certifies chain[v]
  ByzantineOutbox view8;        // what the actor sent once it entered view 8
};

ForkHistory drive_to_view8_after_tc(Fixture& fixture,
                                    const std::function<void(const ForkHistory&, Instant)>& before_tc = {}) {
  REQUIRE(fixture.config.index == 0);
  ForkHistory history;
  history.chain.push_back(BlockTree::genesis_block());
  history.qcs.push_back(genesis_qc());
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  Instant now = 0;
  for (View view = 1; view <= 7; ++view) {
    now += 1'000;
    if (view == 4) {
      // The actor's own view: it entered it by QC(3) and proposed.
      std::optional<Block> own;
      for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out)))
        if (proposal.block.view == 4) own = proposal.block;
      REQUIRE(own.has_value());
      history.chain.push_back(*own);
    } else {
      const Block block = fixture.forger.child(history.chain.back(), view, history.qcs.back());
      fixture.actor.on_message(0, block.proposer, fixture.forger.proposal(block), now, out);
      history.chain.push_back(block);
    }
    const Hash32 hash = block_hash(history.chain.back());
    history.qcs.push_back(fixture.forger.qc(view, hash, {1, 2, 3}));
    if (view == 3) {
      // Votes of 1 and 2 for B3 reach the actor: with its own, QC(3), view 4.
      for (ReplicaIndex voter : {1u, 2u}) fixture.actor.on_message(0, voter, fixture.forger.vote(voter, 3, hash), now, out);
    }
  }
  REQUIRE(fixture.actor.instance(0).view() == 7);
  if (before_tc) before_tc(history, now);
  // View 7 times out: its own timeout and those of 1 and 2 form TC(7).
  fixture.actor.on_timer(0, last_timer(out), out);
  for (ReplicaIndex peer : {1u, 2u}) {
    const Timeout timeout{7, peer, history.qcs[6], std::nullopt, fixture.forger.sign_timeout(peer, 7, 6)};
    fixture.actor.on_message(0, peer, timeout, last_timer(out), history.view8);
  }
  REQUIRE(fixture.actor.instance(0).view() == 8);
  return history;
}

Proposal the_view8_proposal(const ForkHistory& history) {
  const auto proposals = sends_of<Proposal>(decode_all(history.view8));
  REQUIRE(proposals.size() == 3);
  for (const auto& [send, proposal] : proposals) CHECK(proposal == proposals.front().second);
  return proposals.front().second;
}

TEST_CASE("byzantine attacks: fork extends the block 1, 2 or 3 QCs below the highest, or the lock") {
  // Goal: fork's depth picks where the fork starts. Method: the actor (0)
  // sees B1..B7 (views 1..7, B4 its own), times out in view 7 and leads view
  // 8 by a TC. Its inner replica holds QC(6), locks B5 and committed B4. For
  // each depth the proposal must be validly signed with a valid TC and QC,
  // and extend the block that QC certifies: depth 1 = B5 (the lock, like
  // `lock`), 2 = B4 (below the lock), 3 = B3 (below the committed block).
  Fixture honest(0, {});
  const Proposal expected = the_view8_proposal(drive_to_view8_after_tc(honest));
  CHECK(expected.block.justify.view == 6);
  CHECK(expected.block.height == 7);

  for (const std::uint32_t depth : {1u, 2u, 3u, fork_depth_lock}) {
    CAPTURE(depth);
    Fixture fixture(0, {B::fork}, CryptoKind::fast, true, depth_params(depth));
    const ForkHistory history = drive_to_view8_after_tc(fixture);
    const SafetyState inner = fixture.actor.instance(0).safety_state();
    REQUIRE(inner.locked_qc.view == 5);
    REQUIRE(fixture.actor.instance(0).committed_height() == 4);
    REQUIRE(fixture.actor.instance(0).committed_hash() == block_hash(history.chain[4]));
    const Proposal proposal = the_view8_proposal(history);
    const View parent_view = depth == fork_depth_lock ? 5 : 6 - depth;
    CHECK(proposal.block.view == 8);
    CHECK(proposal.block.proposer == 0);
    // (QC(3) is the one the actor formed from votes, so compare what it certifies.)
    CHECK(proposal.block.justify.view == parent_view);
    CHECK(proposal.block.justify.block_hash == block_hash(history.chain[parent_view]));
    CHECK(fixture.qc_valid(proposal.block.justify));
    CHECK(proposal.block.parent_hash == block_hash(history.chain[parent_view]));
    CHECK(proposal.block.height == history.chain[parent_view].height + 1);
    CHECK(fixture.proposal_signed(proposal));
    REQUIRE(proposal.timeout_cert.has_value());
    CHECK(verify_tc(*proposal.timeout_cert, *fixture.verifier, fixture.chain(), fixture.quorum(),
                    BlockTree::genesis_hash()));
    CHECK(proposal.block.batch == expected.block.batch);
    CHECK(fixture.actor.forged_count() == 1);
  }
}

TEST_CASE("byzantine attacks: fork with depth hidden extends a block whose QC only a timeout claimed") {
  // Goal: depth hidden forks on the newest older QC the actor saw claimed in
  // a timeout or NEW-VIEW but never carried by a proposal, and on nothing
  // else. Method: the history of the test above; before view 7's TC a peer
  // sends G5, another block of view 5 (on B4), and a stale timeout claiming
  // QC(G5). The view-8 proposal must extend G5 under QC(G5), validly signed
  // with the TC. Without the claim, or when the claimed QC is one a proposal
  // carried (QC(5), B6's justify), it proposes as an honest leader would.
  Fixture honest(0, {});
  const Proposal expected = the_view8_proposal(drive_to_view8_after_tc(honest));

  Block g5;
  QuorumCert g5_qc;
  auto claim = [&](Fixture& fixture, bool carried) {
    return [&fixture, &g5, &g5_qc, carried](const ForkHistory& history, Instant now) {
      ByzantineOutbox ignored;
      g5 = fixture.forger.child(history.chain[4], 5, history.qcs[4], {put_request(1, 1, "g5")});
      g5_qc = fixture.forger.qc(5, block_hash(g5), {1, 2, 3});
      fixture.actor.on_message(0, g5.proposer, fixture.forger.proposal(g5), now, ignored);
      const QuorumCert& claimed = carried ? history.qcs[5] : g5_qc;
      const Timeout timeout{6, 3, claimed, std::nullopt, fixture.forger.sign_timeout(3, 6, 5)};
      fixture.actor.on_message(0, 3, timeout, now, ignored);
    };
  };
  SUBCASE("a claimed QC no proposal carried") {
    Fixture fixture(0, {B::fork}, CryptoKind::fast, true, depth_params(fork_depth_hidden));
    const ForkHistory history = drive_to_view8_after_tc(fixture, claim(fixture, false));
    const Proposal proposal = the_view8_proposal(history);
    CHECK(g5.view == 5);
    CHECK(block_hash(g5) != block_hash(history.chain[5]));
    CHECK(proposal.block.view == 8);
    CHECK(proposal.block.justify == g5_qc);
    CHECK(fixture.qc_valid(proposal.block.justify));
    CHECK(proposal.block.parent_hash == block_hash(g5));
    CHECK(proposal.block.height == g5.height + 1);
    CHECK(fixture.proposal_signed(proposal));
    REQUIRE(proposal.timeout_cert.has_value());
    CHECK(verify_tc(*proposal.timeout_cert, *fixture.verifier, fixture.chain(), fixture.quorum(),
                    BlockTree::genesis_hash()));
    CHECK(fixture.actor.forged_count() == 1);
    // Its own vote of view 8 is for the fork, the only block it sent.
    const auto votes = sends_of<Vote>(decode_all(history.view8));
    REQUIRE_FALSE(votes.empty());
    for (const auto& [send, vote] : votes) {
      CHECK(vote.view == 8);
      CHECK(vote.block_hash == block_hash(proposal.block));
      CHECK(fixture.vote_signed(vote));
    }
  }
  SUBCASE("no claim") {
    Fixture fixture(0, {B::fork}, CryptoKind::fast, true, depth_params(fork_depth_hidden));
    CHECK(the_view8_proposal(drive_to_view8_after_tc(fixture)) == expected);
    CHECK(fixture.actor.forged_count() == 0);
  }
  SUBCASE("a claimed QC a proposal carried") {
    Fixture fixture(0, {B::fork}, CryptoKind::fast, true, depth_params(fork_depth_hidden));
    CHECK(the_view8_proposal(drive_to_view8_after_tc(fixture, claim(fixture, true))) == expected);
    CHECK(fixture.actor.forged_count() == 0);
  }
}

TEST_CASE("byzantine attacks: tail_fork drops its predecessor's block and hides its QC in its timeout") {
  // Goal: the tail-forking leader. Method: the actor (3) votes for B1 (view
  // 1) and B2 (view 2, by replica 2), forms QC(2) and leads view 3. Its
  // proposal must extend B1 (B2's parent) under QC(1), as B2's sibling; its
  // timeout for view 3 must claim QC(1) though its replica holds QC(2). An
  // honest replica drops the proposal (a view gap without a TC).
  Fixture fixture(3, {B::tail_fork});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const Block b1 = fixture.view1_block();
  const QuorumCert qc1 = fixture.forger.qc(1, block_hash(b1), {0, 1, 2});
  const Block b2 = fixture.forger.child(b1, 2, qc1);
  fixture.actor.on_message(0, 1, fixture.forger.proposal(b1), 0, out);
  fixture.actor.on_message(0, 2, fixture.forger.proposal(b2), 0, out);
  for (ReplicaIndex voter : {0u, 1u}) fixture.actor.on_message(0, voter, fixture.forger.vote(voter, 2, block_hash(b2)), 0, out);
  REQUIRE(fixture.actor.instance(0).view() == 3);
  REQUIRE(fixture.actor.instance(0).safety_state().high_qc.view == 2);

  std::optional<Proposal> forked;
  for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
    CHECK(proposal.block.view == 3);
    forked = proposal;
  }
  REQUIRE(forked.has_value());
  CHECK(forked->block.parent_hash == block_hash(b1));
  CHECK(forked->block.justify == qc1);
  CHECK(forked->block.height == b2.height);
  CHECK(!forked->timeout_cert.has_value());
  CHECK(fixture.proposal_signed(*forked));

  // An honest replica that has B1 and B2 rejects it.
  Replica judge(testing::make_replica_config(fixture.options, 0), fixture.keys->signer(0), fixture.verifier);
  Effects effects;
  judge.start(0, effects);
  judge.on_message(1, fixture.forger.proposal(b1), 0, effects);
  judge.on_message(2, fixture.forger.proposal(b2), 0, effects);
  const auto bad_certificates = judge.drop_count(DropReason::bad_certificate);
  judge.on_message(3, *forked, 0, effects);
  CHECK(judge.drop_count(DropReason::bad_certificate) == bad_certificates + 1);

  ByzantineOutbox timeouts;
  fixture.actor.on_timer(0, last_timer(out), timeouts);
  const auto sent = sends_of<Timeout>(decode_all(timeouts));
  REQUIRE(sent.size() == 3);
  for (const auto& [send, timeout] : sent) {
    CHECK(timeout.view == 3);
    CHECK(timeout.high_qc == qc1);
    CHECK(fixture.timeout_signed(timeout));
  }
  CHECK(fixture.actor.instance(0).safety_state().high_qc.view == 2);
}

TEST_CASE("byzantine attacks: propose_out_of_turn proposes in a view it does not lead, and honest replicas drop it") {
  // Goal: a proposal from a non-leader. Method: the actor (2) starts in view
  // 1 (leader 1) on the genesis QC; it proposes a valid child of genesis in
  // view 1 to every other replica. Replica 3 drops it as not_leader; control:
  // it accepts leader 1's proposal for the same view.
  Fixture fixture(2, {B::propose_out_of_turn});
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  REQUIRE(fixture.actor.instance(0).leader_of(1) == 1);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  std::set<std::uint32_t> recipients;
  for (const auto& [send, proposal] : proposals) {
    recipients.insert(send.to);
    CHECK(proposal.block.view == 1);
    CHECK(proposal.block.proposer == 2);
    CHECK(proposal.block.parent_hash == BlockTree::genesis_hash());
    CHECK(proposal.block.height == 1);
    CHECK(fixture.qc_valid(proposal.block.justify));
    CHECK(fixture.proposal_signed(proposal));
  }
  CHECK(recipients == others_of(2));

  Replica judge(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3), fixture.verifier);
  Effects effects;
  judge.start(0, effects);
  effects.clear();
  judge.on_message(2, proposals.front().second, 0, effects);
  CHECK(judge.drop_count(DropReason::not_leader) == 1);
  CHECK(effects.empty());
  judge.on_message(1, fixture.view1_proposal(), 0, effects);
  CHECK(judge.drop_count(DropReason::not_leader) == 1);
  CHECK(!effects.empty());  // it votes for the leader's block

  // In view 2, which it leads, it proposes once, as the leader.
  ByzantineOutbox led;
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, led);
  const Hash32 hash = block_hash(fixture.view1_block());
  fixture.actor.on_message(0, 0, fixture.forger.vote(0, 1, hash), 0, led);
  fixture.actor.on_message(0, 1, fixture.forger.vote(1, 1, hash), 0, led);
  REQUIRE(fixture.actor.instance(0).view() == 2);
  CHECK(sends_of<Proposal>(decode_all(led)).size() == 3);
}

TEST_CASE("byzantine attacks: amnesia votes again in a view for the other block an equivocator sent") {
  // Goal: a replica that forgets its vote. Method: leader 1 equivocates
  // blocks A and B in view 1; the actor (2) hears A, then B. Its inner
  // replica votes once (for A); amnesia adds a vote for B, validly signed
  // by 2, to every other replica. Control: without amnesia, one vote.
  for (const bool amnesia : {false, true}) {
    CAPTURE(amnesia);
    Fixture fixture(2, amnesia ? std::vector<B>{B::amnesia} : std::vector<B>{});
    ByzantineOutbox out;
    fixture.actor.start(0, out);
    const Block a = fixture.view1_block({put_request(1, 1, "a")});
    const Block b = fixture.view1_block({put_request(2, 1, "b")});
    fixture.actor.on_message(0, 1, fixture.forger.proposal(a), 0, out);
    fixture.actor.on_message(0, 1, fixture.forger.proposal(b), 0, out);
    std::map<Hash32, std::set<std::uint32_t>> recipients_by_hash;
    for (const auto& [send, vote] : sends_of<Vote>(decode_all(out))) {
      CHECK(vote.view == 1);
      CHECK(vote.voter == 2);
      CHECK(fixture.vote_signed(vote));
      recipients_by_hash[vote.block_hash].insert(send.to);
    }
    CHECK(recipients_by_hash[block_hash(a)] == others_of(2));
    if (amnesia) {
      CHECK(recipients_by_hash.size() == 2);
      CHECK(recipients_by_hash[block_hash(b)] == others_of(2));
    } else {
      CHECK(recipients_by_hash.size() == 1);
    }
  }
}

TEST_CASE("byzantine attacks: amnesia on an equivocating leader votes for both of its blocks") {
  // Goal: the Twins-style double vote with real blocks. Method: leader 1
  // with [equivocate, amnesia] and two requests starts; it sends two blocks
  // for view 1 and votes, as 1, for each of them.
  Fixture fixture(1, {B::equivocate, B::amnesia});
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.on_client_request(0, put_request(2, 1, "b"), 0, out);
  fixture.actor.start(0, out);
  const auto sent = decode_all(out);
  std::set<Hash32> proposed;
  for (const auto& [send, proposal] : sends_of<Proposal>(sent)) proposed.insert(block_hash(proposal.block));
  REQUIRE(proposed.size() == 2);
  std::set<Hash32> voted;
  for (const auto& [send, vote] : sends_of<Vote>(sent)) {
    CHECK(vote.voter == 1);
    CHECK(fixture.vote_signed(vote));
    voted.insert(vote.block_hash);
  }
  CHECK(voted == proposed);
}

TEST_CASE("byzantine attacks: impersonate with vote_for other_block votes for the other block in another's name") {
  // Goal: forged support for a conflicting block. Method: leader 1 with
  // [equivocate, impersonate] and vote_for: other_block proposes A and B;
  // its own votes name voter 1; the forged ones name voter 2, are signed by
  // 1 (so they fail for 2) and are for the other block than its own vote.
  Fixture fixture(1, {B::equivocate, B::impersonate}, CryptoKind::fast, true,
                  other_block_params());
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.on_client_request(0, put_request(2, 1, "b"), 0, out);
  fixture.actor.start(0, out);
  const auto sent = decode_all(out);
  std::set<Hash32> proposed;
  for (const auto& [send, proposal] : sends_of<Proposal>(sent)) proposed.insert(block_hash(proposal.block));
  REQUIRE(proposed.size() == 2);
  std::set<Hash32> own;
  std::set<Hash32> forged;
  for (const auto& [send, vote] : sends_of<Vote>(sent)) {
    CHECK(fixture.vote_signed_by(1, vote));
    if (vote.voter == 1) {
      own.insert(vote.block_hash);
    } else {
      CHECK(vote.voter == 2);
      CHECK(!fixture.vote_signed(vote));
      forged.insert(vote.block_hash);
    }
  }
  REQUIRE(own.size() == 1);
  REQUIRE(forged.size() == 1);
  CHECK(*own.begin() != *forged.begin());
  CHECK(proposed.contains(*forged.begin()));
  CHECK(proposed.contains(*own.begin()));

  // The default (own_block) names another voter for the same block.
  Fixture same(1, {B::equivocate, B::impersonate});
  ByzantineOutbox same_out;
  same.actor.on_client_request(0, put_request(1, 1, "a"), 0, same_out);
  same.actor.on_client_request(0, put_request(2, 1, "b"), 0, same_out);
  same.actor.start(0, same_out);
  std::set<Hash32> hashes;
  for (const auto& [send, vote] : sends_of<Vote>(decode_all(same_out))) hashes.insert(vote.block_hash);
  CHECK(hashes.size() == 1);
}

TEST_CASE("byzantine attacks: equivocate with split: all sends both blocks to every replica") {
  // Goal: every replica sees two proposals for one view, so one that votes
  // twice in a view is caught. Method: leader 1 with two requests; each
  // recipient gets two validly signed blocks for view 1, its half's first.
  // An honest replica votes for the first only (the control of split: halves
  // is the equivocate test in byzantine_test.cpp).
  Fixture fixture(1, {B::equivocate}, CryptoKind::fast, true, split_all_params());
  ByzantineOutbox out;
  fixture.actor.on_client_request(0, put_request(1, 1, "a"), 0, out);
  fixture.actor.on_client_request(0, put_request(2, 1, "b"), 0, out);
  fixture.actor.start(0, out);
  std::map<std::uint32_t, std::vector<Proposal>> received;
  std::set<Hash32> blocks;
  for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
    CHECK(proposal.block.view == 1);
    CHECK(fixture.proposal_signed(proposal));
    received[send.to].push_back(proposal);
    blocks.insert(block_hash(proposal.block));
  }
  REQUIRE(blocks.size() == 2);
  REQUIRE(received.size() == 3);
  std::set<Hash32> firsts;
  for (const auto& [to, proposals] : received) {
    REQUIRE(proposals.size() == 2);
    CHECK(block_hash(proposals[0].block) != block_hash(proposals[1].block));
    firsts.insert(block_hash(proposals[0].block));
  }
  CHECK(firsts.size() == 2);  // the halves see them in different orders

  Replica judge(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3), fixture.verifier);
  Effects effects;
  judge.start(0, effects);
  effects.clear();
  for (const Proposal& proposal : received[3]) judge.on_message(1, proposal, 0, effects);
  std::size_t votes = 0;
  for (const Effect& effect : effects)
    if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect))
      votes += std::holds_alternative<Vote>(broadcast->message) ? 1 : 0;
  CHECK(votes == 1);
  CHECK(judge.drop_count(DropReason::duplicate) == 1);
}

TEST_CASE("byzantine attacks: bad_parent with parent: grandparent names the real grandparent, at its child's height") {
  // Goal: a block whose parent is a real block other than the one its QC
  // certifies. Method: the actor (2) forms QC(1) on B1 and proposes in view
  // 2: the block names genesis (B1's parent) as parent at height 1 under
  // QC(1). An honest replica holding B1 drops it as bad_block.
  Fixture fixture(2, {B::bad_parent}, CryptoKind::fast, true, grandparent_params());
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  const auto proposals = sends_of<Proposal>(decode_all(out));
  REQUIRE(proposals.size() == 3);
  const Proposal& proposal = proposals.front().second;
  CHECK(proposal.block.view == 2);
  CHECK(proposal.block.parent_hash == BlockTree::genesis_hash());
  CHECK(proposal.block.height == 1);
  CHECK(proposal.block.justify.block_hash == block_hash(fixture.view1_block()));
  CHECK(fixture.qc_valid(proposal.block.justify));
  CHECK(fixture.proposal_signed(proposal));

  Replica judge(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3), fixture.verifier);
  Effects effects;
  judge.start(0, effects);
  judge.on_message(1, fixture.view1_proposal(), 0, effects);
  const auto bad_blocks = judge.drop_count(DropReason::bad_block);
  judge.on_message(2, proposal, 0, effects);
  CHECK(judge.drop_count(DropReason::bad_block) == bad_blocks + 1);
}

TEST_CASE("byzantine attacks: short_qc certifies a block with quorum-1 real votes, padded as asked") {
  // Goal: a certificate for a block that did not get a quorum. Method: the
  // actor (2) and replica 0 vote for leader 1's B1 (replica 1's vote never
  // comes: 2 of 3); view 1 times out (TC from 0, 1 and the actor) and the
  // actor leads view 2. It first proposes a block on B1 under the short QC,
  // then the honest block on genesis; its view-2 timeout first claims the
  // short QC, then genesis. A correct replica drops the forged proposal
  // (bad certificate) and votes for the honest one. (pad: duplicate is the
  // next case: the wire decoder itself refuses it.)
  for (const QcPad pad : {QcPad::none, QcPad::junk}) {
    CAPTURE(qc_pad_name(pad));
    Fixture fixture(2, {B::short_qc}, CryptoKind::fast, true, pad_params(pad));
    ByzantineOutbox out;
    fixture.actor.start(0, out);
    const Block b1 = fixture.view1_block();
    const Hash32 b1_hash = block_hash(b1);
    fixture.actor.on_message(0, 1, fixture.forger.proposal(b1), 0, out);
    fixture.actor.on_message(0, 0, fixture.forger.vote(0, 1, b1_hash), 0, out);
    REQUIRE(fixture.actor.instance(0).safety_state().high_qc.view == 0);  // no real QC(1)
    const Instant deadline = last_timer(out);
    fixture.actor.on_timer(0, deadline, out);
    ByzantineOutbox view2;
    for (ReplicaIndex peer : {0u, 1u})
      fixture.actor.on_message(0, peer, Timeout{1, peer, genesis_qc(), std::nullopt, fixture.forger.sign_timeout(peer, 1, 0)},
                               deadline, view2);
    REQUIRE(fixture.actor.instance(0).view() == 2);

    std::map<std::uint32_t, std::vector<Proposal>> received;
    for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(view2))) received[send.to].push_back(proposal);
    REQUIRE(received.size() == 3);
    for (const auto& [to, proposals] : received) {
      REQUIRE(proposals.size() == 2);
      const Proposal& forged = proposals[0];
      CHECK(forged.block.view == 2);
      CHECK(forged.block.parent_hash == b1_hash);
      CHECK(forged.block.height == 2);
      CHECK(forged.block.justify.view == 1);
      CHECK(forged.block.justify.block_hash == b1_hash);
      CHECK(!fixture.qc_valid(forged.block.justify));
      CHECK(fixture.proposal_signed(forged));
      const auto& entries = forged.block.justify.signatures;
      std::set<ReplicaIndex> signers;
      std::size_t valid = 0;
      for (const auto& entry : entries) {
        signers.insert(entry.signer);
        valid += fixture.vote_signed_by(entry.signer, Vote{1, b1_hash, entry.signer, entry.signature}) ? 1 : 0;
      }
      CHECK(valid >= fixture.quorum() - 1);
      switch (pad) {
        case QcPad::none:
          CHECK(entries.size() == fixture.quorum() - 1);
          CHECK(valid == entries.size());
          break;
        case QcPad::junk:
          CHECK(entries.size() == fixture.quorum());
          CHECK(signers.size() == fixture.quorum());
          CHECK(valid == fixture.quorum() - 1);
          break;
        case QcPad::duplicate:
          FAIL("not run");
          break;
      }
      const Proposal& honest = proposals[1];
      CHECK(honest.block.parent_hash == BlockTree::genesis_hash());
      CHECK(fixture.qc_valid(honest.block.justify));
    }

    Replica judge(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3), fixture.verifier);
    Effects effects;
    judge.start(0, effects);
    judge.on_message(1, fixture.forger.proposal(b1), 0, effects);
    effects.clear();
    const auto bad_certificates = judge.drop_count(DropReason::bad_certificate);
    judge.on_message(2, received[3][0], deadline, effects);
    CHECK(judge.drop_count(DropReason::bad_certificate) == bad_certificates + 1);
    judge.on_message(2, received[3][1], deadline, effects);
    CHECK(judge.view() == 2);
    CHECK(judge.safety_state().last_voted_view == 2);

    ByzantineOutbox timeouts;
    fixture.actor.on_timer(0, last_timer(view2), timeouts);
    std::map<std::uint32_t, std::vector<Timeout>> timeouts_to;
    for (const auto& [send, timeout] : sends_of<Timeout>(decode_all(timeouts))) timeouts_to[send.to].push_back(timeout);
    REQUIRE(timeouts_to.size() == 3);
    for (const auto& [to, sent] : timeouts_to) {
      REQUIRE(sent.size() == 2);
      CHECK(sent[0].view == 2);
      CHECK(sent[0].high_qc == received[3][0].block.justify);
      CHECK(fixture.timeout_signed(sent[0]));
      CHECK(sent[1].high_qc.view == 0);
    }
  }
}

TEST_CASE("byzantine attacks: short_qc with pad: duplicate sends certificates the decoder refuses") {
  // Goal: a signer listed twice cannot reach verify_qc: certificates have one
  // canonical form on the wire (signers strictly increasing). Method: as the
  // case above with pad: duplicate; the forged proposal and timeout frames do
  // not decode, the honest ones do.
  Fixture fixture(2, {B::short_qc}, CryptoKind::fast, true, pad_params(QcPad::duplicate));
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  const Block b1 = fixture.view1_block();
  fixture.actor.on_message(0, 1, fixture.forger.proposal(b1), 0, out);
  fixture.actor.on_message(0, 0, fixture.forger.vote(0, 1, block_hash(b1)), 0, out);
  const Instant deadline = last_timer(out);
  fixture.actor.on_timer(0, deadline, out);
  ByzantineOutbox view2;
  for (ReplicaIndex peer : {0u, 1u})
    fixture.actor.on_message(0, peer, Timeout{1, peer, genesis_qc(), std::nullopt, fixture.forger.sign_timeout(peer, 1, 0)},
                             deadline, view2);
  fixture.actor.on_timer(0, last_timer(view2), view2);
  std::size_t refused = 0;
  std::size_t decoded = 0;
  for (const auto& send : view2.sends) {
    if (send.type != MessageType::proposal && send.type != MessageType::timeout) continue;
    const auto message = decode_message(send.bytes);
    if (!message) {
      ++refused;
      continue;
    }
    ++decoded;
    if (const auto* proposal = std::get_if<Proposal>(&*message)) CHECK(fixture.qc_valid(proposal->block.justify));
    if (const auto* timeout = std::get_if<Timeout>(&*message)) CHECK(fixture.qc_valid(timeout->high_qc));
  }
  CHECK(refused == 6);  // a forged proposal and a forged timeout per recipient
  CHECK(decoded == 6);
}

TEST_CASE("byzantine attacks: withholding aimed at targets sends to everyone else") {
  // Goal: votes, timeouts and proposals withheld from chosen replicas only.
  // Method: each behaviour with targets, then without (withheld from all).
  SUBCASE("votes") {
    Fixture fixture(2, {B::withhold_votes}, CryptoKind::fast, true, target_params({0}));
    ByzantineOutbox out;
    fixture.actor.start(0, out);
    fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
    std::set<std::uint32_t> recipients;
    for (const auto& [send, vote] : sends_of<Vote>(decode_all(out))) recipients.insert(send.to);
    CHECK(recipients == std::set<std::uint32_t>{1, 3});
  }
  SUBCASE("timeouts") {
    for (const bool targeted : {true, false}) {
      CAPTURE(targeted);
      Fixture fixture(2, {B::withhold_timeouts}, CryptoKind::fast, true,
                      target_params(targeted ? std::vector<ReplicaIndex>{1, 3} : std::vector<ReplicaIndex>{}));
      ByzantineOutbox out;
      fixture.actor.start(0, out);
      fixture.actor.on_timer(0, last_timer(out), out);
      std::set<std::uint32_t> recipients;
      for (const auto& [send, timeout] : sends_of<Timeout>(decode_all(out))) {
        CHECK(fixture.timeout_signed(timeout));
        recipients.insert(send.to);
      }
      CHECK(recipients == (targeted ? std::set<std::uint32_t>{0} : std::set<std::uint32_t>{}));
    }
  }
  SUBCASE("proposals") {
    Fixture fixture(1, {B::withhold_proposals}, CryptoKind::fast, true, target_params({3}));
    ByzantineOutbox out;
    fixture.actor.start(0, out);
    std::set<std::uint32_t> recipients;
    for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) {
      CHECK(fixture.proposal_signed(proposal));
      recipients.insert(send.to);
    }
    CHECK(recipients == std::set<std::uint32_t>{0, 2});
  }
}

// The actor (2) holds B1 and its own B2; replica 3 asks it for B2 and two
// ancestors. Returns the (possibly lying) response and B1, B2.
struct SyncAnswer {
  BlockResponse response;
  Block b1;
  Block b2;
};
SyncAnswer ask_for_b2(Fixture& fixture) {
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  SyncAnswer answer;
  answer.b1 = fixture.view1_block();
  for (const auto& [send, proposal] : sends_of<Proposal>(decode_all(out))) answer.b2 = proposal.block;
  REQUIRE(answer.b2.view == 2);
  ByzantineOutbox reply;
  fixture.actor.on_message(0, 3, BlockRequest{block_hash(answer.b2), 2}, 0, reply);
  const auto responses = sends_of<BlockResponse>(decode_all(reply));
  REQUIRE(responses.size() == 1);
  CHECK(responses.front().first.to == 3);
  answer.response = responses.front().second;
  return answer;
}

// Whether replica 3's BlockSync, having asked for `hash`, keeps `response`,
// and what it asks for next. Then what it kept is adopted into its tree
// (which holds genesis): content_addressed says every block the tree holds
// under `hash` or under a response block's hash hashes to that key. This is
// what masks the fetch checks for safety (docs/safety-score.md, M28, M29):
// a lie can add an uncertified block under its own hash, never put another
// block under a hash a QC names.
struct Judged {
  bool kept = false;
  std::vector<Hash32> next_requests;
  bool content_addressed = true;
};
Judged judge_response(const Fixture& fixture, const Hash32& hash, const BlockResponse& response) {
  BlockSync sync(testing::make_replica_config(fixture.options, 3));
  BlockTree tree;
  Effects effects;
  sync.fetch(tree, hash, 2, 0, effects);
  effects.clear();
  Judged judged;
  judged.kept = sync.on_block_response(tree, 2, response, 0, effects);
  for (const Effect& effect : effects)
    if (const auto* send = std::get_if<SendEffect>(&effect))
      if (const auto* request = std::get_if<BlockRequest>(&send->message)) judged.next_requests.push_back(request->block_hash);
  sync.adopt_orphans(tree);
  std::vector<Hash32> keys{hash};
  for (const Block& block : response.blocks) keys.push_back(block_hash(block));
  for (const Hash32& key : keys)
    if (const StoredBlock* stored = tree.find(key); stored != nullptr && block_hash(*stored->block) != key)
      judged.content_addressed = false;
  return judged;
}

TEST_CASE("byzantine attacks: bad_sync answers block requests with lies a correct requester drops") {
  // Goal: each bad_sync mode lies as claimed. Method: the actor answers
  // replica 3's request for its B2; decode the answer, check the lie, and
  // hand it to a BlockSync that asked for B2. Control: the honest answer is
  // [B2, B1] and is kept whole.
  Fixture honest(2, {});
  const SyncAnswer truth = ask_for_b2(honest);
  REQUIRE(truth.response.blocks.size() == 2);
  CHECK(truth.response.blocks[0] == truth.b2);
  CHECK(truth.response.blocks[1] == truth.b1);
  const Hash32 b2_hash = block_hash(truth.b2);
  const Judged kept = judge_response(honest, b2_hash, truth.response);
  CHECK(kept.kept);
  CHECK(kept.next_requests.empty());  // B1's parent is genesis, which it has
  CHECK(kept.content_addressed);

  SUBCASE("fabricated: another block in B2's place, on B2's parent") {
    Fixture fixture(2, {B::bad_sync}, CryptoKind::fast, true, lie_params(SyncLie::fabricated));
    const SyncAnswer lie = ask_for_b2(fixture);
    REQUIRE(lie.response.blocks.size() == 2);
    const Block& fake = lie.response.blocks[0];
    CHECK(block_hash(fake) != b2_hash);
    CHECK(fake.parent_hash == truth.b2.parent_hash);
    CHECK(fake.view == truth.b2.view);
    CHECK(fake.height == truth.b2.height);
    CHECK(fake.justify == truth.b2.justify);
    CHECK(fake.batch != truth.b2.batch);
    CHECK(lie.response.blocks[1] == truth.b1);
    const Judged judged = judge_response(fixture, b2_hash, lie.response);
    CHECK(!judged.kept);
    CHECK(judged.content_addressed);
  }
  SUBCASE("unlinked: B2, then an ancestor that is not its parent") {
    Fixture fixture(2, {B::bad_sync}, CryptoKind::fast, true, lie_params(SyncLie::unlinked));
    const SyncAnswer lie = ask_for_b2(fixture);
    REQUIRE(lie.response.blocks.size() == 2);
    CHECK(lie.response.blocks[0] == truth.b2);
    CHECK(block_hash(lie.response.blocks[1]) != truth.b2.parent_hash);
    // The requester keeps B2 only and asks for its real parent.
    const Judged judged = judge_response(fixture, b2_hash, lie.response);
    CHECK(judged.kept);
    CHECK(judged.next_requests == std::vector<Hash32>{truth.b2.parent_hash});
    CHECK(judged.content_addressed);
  }
  SUBCASE("forged_justify: a made-up chain linked by QCs one signature short") {
    Fixture fixture(2, {B::bad_sync}, CryptoKind::fast, true, lie_params(SyncLie::forged_justify));
    const SyncAnswer lie = ask_for_b2(fixture);
    REQUIRE(lie.response.blocks.size() == 2);
    const Block& top = lie.response.blocks[0];
    const Block& parent = lie.response.blocks[1];
    CHECK(block_hash(top) != b2_hash);
    CHECK(block_hash(parent) != block_hash(truth.b1));
    CHECK(top.parent_hash == block_hash(parent));
    CHECK(top.justify.block_hash == block_hash(parent));
    CHECK(top.justify.view == truth.b2.justify.view);
    CHECK(top.justify.signatures.size() == fixture.quorum() - 1);
    CHECK(!fixture.qc_valid(top.justify));
    CHECK(parent.parent_hash == truth.b1.parent_hash);
    const Judged judged = judge_response(fixture, b2_hash, lie.response);
    CHECK(!judged.kept);
    CHECK(judged.content_addressed);
  }
}

}  // namespace
}  // namespace bftsim::byzantine_test::test_sim_actors_byzantine_attacks_test
