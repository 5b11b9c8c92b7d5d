// Tests of the chained-HotStuff Replica (core/consensus/replica.h), driven by
// hand through tests/consensus/cluster_harness.h: agreement and the
// three-chain commit, the safe-node rule, vote persistence, impersonation and
// bad certificates, view change and timeout backoff, block fetching, client
// requests, and restoring persisted safety state.
#include "core/consensus/replica.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/protocol/codec.h"
#include "core/consensus/block_tree.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_replica_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;
using testing::Forger;
using testing::genesis_qc;

const Vote* vote_in(const Effect& effect) {
  const Message* message = nullptr;
  if (const auto* send = std::get_if<SendEffect>(&effect)) message = &send->message;
  if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect)) message = &broadcast->message;
  return message == nullptr ? nullptr : std::get_if<Vote>(message);
}

// Every vote `index` sent is preceded, in the same batch of effects, by a
// Persist whose last_voted_view is the vote's view. Returns the votes checked.
std::size_t check_persist_precedes_votes(const Cluster& cluster, ReplicaIndex index) {
  std::size_t checked = 0;
  for (const auto& batch : cluster.batches(index)) {
    std::optional<View> persisted_last_voted_view;
    for (const auto& effect : batch) {
      if (const auto* persist = std::get_if<PersistEffect>(&effect))
        persisted_last_voted_view = persist->state.last_voted_view;
      if (const Vote* vote = vote_in(effect)) {
        ++checked;
        REQUIRE(persisted_last_voted_view.has_value());
        CHECK(*persisted_last_voted_view == vote->view);
      }
    }
  }
  return checked;
}

// Each replica's commits are heights 1, 2, ... linked by parent hash, and all
// replicas committed the same block (and state digest) at every shared height.
void check_commits_agree(const Cluster& cluster, const std::vector<ReplicaIndex>& replicas) {
  std::map<Height, Hash32> hash_at;
  std::map<Height, Hash32> digest_at;
  for (ReplicaIndex i : replicas) {
    CAPTURE(i);
    Hash32 parent = BlockTree::genesis_hash();
    Height expected_height = 1;
    for (const auto& commit : cluster.commits(i)) {
      CHECK(commit.height == expected_height);
      CHECK(commit.block->height == commit.height);
      CHECK(commit.block->parent_hash == parent);
      CHECK(block_hash(*commit.block) == commit.block_hash);
      auto [it, fresh] = hash_at.emplace(commit.height, commit.block_hash);
      CHECK(it->second == commit.block_hash);
      auto [digest, fresh_digest] = digest_at.emplace(commit.height, commit.state_digest);
      CHECK(digest->second == commit.state_digest);
      parent = commit.block_hash;
      ++expected_height;
    }
  }
}

std::uint64_t fault_drops(Replica& replica) {
  std::uint64_t total = 0;
  for (DropReason reason : {DropReason::wrong_sender, DropReason::not_leader,
                            DropReason::bad_signature, DropReason::bad_certificate,
                            DropReason::bad_block, DropReason::unrequested_block})
    total += replica.drop_count(reason);
  return total;
}

ClientRequest put_request(ClientId client, RequestNumber number, std::string key,
                          std::string value) {
  ClientRequest request;
  request.client = client;
  request.number = number;
  request.op.type = OpType::put;
  request.op.key = std::move(key);
  request.op.value = std::move(value);
  return request;
}

void run_agreement(ClusterOptions options, Height target_height) {
  Cluster cluster(options);
  cluster.start_all();
  std::vector<bool> first_commit_checked(cluster.size(), false);
  const bool done = cluster.run_until(
      [&] {
        // The first commit must be block 1 (view 1), made when the QC of view 3 arrives.
        for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
          if (first_commit_checked[i] || cluster.commits(i).empty()) continue;
          first_commit_checked[i] = true;
          CAPTURE(i);
          CHECK(cluster.commits(i).front().height == 1);
          CHECK(cluster.commits(i).front().block->view == 1);
          CHECK(cluster.replica(i).safety_state().high_qc.view == 3);
        }
        return cluster.all_committed(target_height);
      },
      20'000);
  REQUIRE(done);
  std::vector<ReplicaIndex> all;
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
    all.push_back(i);
    CHECK(fault_drops(cluster.replica(i)) == 0);
    CHECK(check_persist_precedes_votes(cluster, i) >= target_height);
  }
  check_commits_agree(cluster, all);
}

TEST_CASE("replica: four replicas in FIFO order commit the same chain (three-chain rule)") {
  // Goal: liveness and agreement with no faults; the first commit is block 1 at QC 3.
  // Method: start four replicas, deliver every message in FIFO order until all commit height 8.
  ClusterOptions options;
  run_agreement(options, 8);
}

TEST_CASE("replica: ed25519 keys give the same agreement") {
  // Goal: the replica works with real signatures. Method: the FIFO run above with ed25519, height 3.
  ClusterOptions options;
  options.crypto = CryptoKind::ed25519;
  run_agreement(options, 3);
}

TEST_CASE("replica: votes to the next leader only (vote_to_all = false) still commit") {
  // Goal: the linear vote pattern is live and every vote is a Send to leader(view+1).
  // Method: FIFO run with vote_to_all = false; inspect every vote effect.
  ClusterOptions options;
  options.vote_to_all = false;
  run_agreement(options, 5);

  Cluster cluster(options);
  cluster.start_all();
  REQUIRE(cluster.run_until([&] { return cluster.all_committed(2); }, 5'000));
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
    for (const auto& batch : cluster.batches(i)) {
      for (const auto& effect : batch) {
        const Vote* vote = vote_in(effect);
        if (vote == nullptr) continue;
        const auto* send = std::get_if<SendEffect>(&effect);
        REQUIRE(send != nullptr);
        CHECK(send->to == (vote->view + 1) % cluster.size());
      }
    }
  }
}

TEST_CASE("replica: the safe-node rule") {
  // Goal: a locked replica votes only for blocks that extend its lock or carry a newer QC.
  // Method: replica 0 alone receives b1, b2, b3 (locking on b1), then a fork
  // from genesis with an old justify (no vote) and a child of that fork
  // justified by a QC of view 5 > 1 (vote).
  Cluster cluster;
  const Forger& forger = cluster.forger();
  cluster.start(0);
  Replica& replica = cluster.replica(0);

  const Block& genesis = BlockTree::genesis_block();
  const Block b1 = forger.child(genesis, 1, genesis_qc());
  const QuorumCert qc1 = forger.qc(1, block_hash(b1), {1, 2, 3});
  const Block b2 = forger.child(b1, 2, qc1);
  const QuorumCert qc2 = forger.qc(2, block_hash(b2), {1, 2, 3});
  const Block b3 = forger.child(b2, 3, qc2);
  // A fork from genesis in view 5, entered by a TC for view 4 that saw only genesis.
  const TimeoutCert tc4 = forger.tc(4, {1, 2, 3}, genesis_qc());
  const Block fork5 = forger.child(genesis, 5, genesis_qc());

  SUBCASE("locked: no vote for a fork with an old justify; a vote once its justify is newer") {
    cluster.inject(1, 0, forger.proposal(b1));
    cluster.inject(2, 0, forger.proposal(b2));
    cluster.inject(3, 0, forger.proposal(b3));
    REQUIRE(cluster.votes_sent(0).size() == 3);
    REQUIRE(replica.safety_state().locked_qc == qc1);

    cluster.inject(1, 0, forger.proposal(fork5, tc4));
    CHECK(replica.view() == 5);
    CHECK(cluster.votes_sent(0).size() == 3);  // no vote for fork5
    CHECK(replica.safety_state().last_voted_view == 3);

    const QuorumCert qc5 = forger.qc(5, block_hash(fork5), {1, 2, 3});
    const Block fork6 = forger.child(fork5, 6, qc5);
    cluster.inject(2, 0, forger.proposal(fork6));
    CHECK(replica.view() == 6);
    const auto votes = cluster.votes_sent(0);
    REQUIRE(votes.size() == 4);
    CHECK(votes.back().view == 6);
    CHECK(votes.back().block_hash == block_hash(fork6));
  }
  SUBCASE("locked: a vote for a block that extends the lock with a justify no newer than it") {
    cluster.inject(1, 0, forger.proposal(b1));
    cluster.inject(2, 0, forger.proposal(b2));
    cluster.inject(3, 0, forger.proposal(b3));
    REQUIRE(replica.safety_state().locked_qc == qc1);
    // A sibling of b2 in view 5: extends b1, justified by qc1 (the lock's view).
    const TimeoutCert tc4_qc1 = forger.tc(4, {1, 2, 3}, qc1);
    const Block sibling5 = forger.child(b1, 5, qc1);
    cluster.inject(1, 0, forger.proposal(sibling5, tc4_qc1));
    const auto votes = cluster.votes_sent(0);
    REQUIRE(votes.size() == 4);
    CHECK(votes.back().block_hash == block_hash(sibling5));
  }
  SUBCASE("control: without the lock the same fork gets a vote") {
    cluster.inject(1, 0, forger.proposal(fork5, tc4));
    CHECK(replica.view() == 5);
    const auto votes = cluster.votes_sent(0);
    REQUIRE(votes.size() == 1);
    CHECK(votes.front().block_hash == block_hash(fork5));
  }
}

TEST_CASE("replica: one vote per view, persisted before it is sent") {
  // Goal: an equivocating leader's second proposal in a view gets no vote, and
  // the Persist of last_voted_view precedes the vote in the effects.
  // Method: replica 0 receives b1 then a conflicting b1' from leader 1; inspect the effect batches.
  Cluster cluster;
  const Forger& forger = cluster.forger();
  cluster.start(0);
  const Block b1 = forger.child(BlockTree::genesis_block(), 1, genesis_qc());
  const Block b1_conflict = forger.child(BlockTree::genesis_block(), 1, genesis_qc(),
                                         {put_request(5, 1, "k", "v")});
  REQUIRE(block_hash(b1) != block_hash(b1_conflict));

  cluster.inject(1, 0, forger.proposal(b1));
  REQUIRE(cluster.votes_sent(0).size() == 1);
  // The vote's batch: Persist{last_voted_view = 1} and only then the Broadcast of the vote.
  const Effects& batch = cluster.batches(0).back();
  std::optional<std::size_t> persist_at, vote_at;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (std::holds_alternative<PersistEffect>(batch[k]) && !persist_at) persist_at = k;
    if (vote_in(batch[k]) != nullptr) vote_at = k;
  }
  REQUIRE(persist_at.has_value());
  REQUIRE(vote_at.has_value());
  CHECK(*persist_at < *vote_at);
  CHECK(std::get<PersistEffect>(batch[*persist_at]).state.last_voted_view == 1);

  cluster.inject(1, 0, forger.proposal(b1_conflict));
  cluster.inject(1, 0, forger.proposal(b1));  // and the first one again
  CHECK(cluster.votes_sent(0).size() == 1);
  CHECK(cluster.votes_sent(0).front().block_hash == block_hash(b1));
  CHECK(check_persist_precedes_votes(cluster, 0) == 1);
}

TEST_CASE("replica: impersonated votes and invalid proposals are dropped") {
  // Goal: peer input that is forged, misattributed or unjustified is dropped
  // with the right DropReason and changes nothing.
  // Method: feed replica 0 crafted messages and read drop_count, its view and its votes.
  Cluster cluster;
  const Forger& forger = cluster.forger();
  cluster.start(0);
  Replica& replica = cluster.replica(0);
  const Block b1 = forger.child(BlockTree::genesis_block(), 1, genesis_qc());
  const Hash32 h1 = block_hash(b1);
  const QuorumCert qc1 = forger.qc(1, h1, {1, 2, 3});

  SUBCASE("invalid proposals get no vote") {
    Block by_non_leader = b1;
    by_non_leader.proposer = 2;
    cluster.inject(2, 0, forger.proposal(by_non_leader));
    CHECK(replica.drop_count(DropReason::not_leader) == 1);

    cluster.inject(2, 0, forger.proposal(b1));  // leader 1's block relayed by 2
    CHECK(replica.drop_count(DropReason::wrong_sender) == 1);

    Proposal forged = forger.proposal(b1);
    forged.signature.bytes[0] ^= 0x01;
    cluster.inject(1, 0, forged);
    Proposal edited = forger.proposal(b1);
    edited.block.batch.push_back(put_request(1, 1, "k", "v"));  // signed hash no longer matches
    cluster.inject(1, 0, edited);
    CHECK(replica.drop_count(DropReason::bad_signature) == 2);

    const Block short_qc_child = forger.child(b1, 2, forger.qc(1, h1, {1, 2}));
    cluster.inject(2, 0, forger.proposal(short_qc_child));
    CHECK(replica.drop_count(DropReason::bad_certificate) == 1);

    const Block jump = forger.child(b1, 3, qc1);  // view 3 on a QC of view 1, no TC
    cluster.inject(3, 0, forger.proposal(jump));
    CHECK(replica.drop_count(DropReason::bad_certificate) == 2);
    const TimeoutCert tc1 = forger.tc(1, {1, 2, 3}, genesis_qc());
    cluster.inject(3, 0, forger.proposal(jump, tc1));  // a TC, but for the wrong view
    CHECK(replica.drop_count(DropReason::bad_certificate) == 3);
    TimeoutCert short_tc2 = forger.tc(2, {1, 2, 3}, qc1);
    short_tc2.signatures.edit().pop_back();
    cluster.inject(3, 0, forger.proposal(jump, short_tc2));
    CHECK(replica.drop_count(DropReason::bad_certificate) == 4);

    CHECK(replica.view() == 1);
    CHECK(cluster.votes_sent(0).empty());

    // Control: the genuine proposals are accepted and voted for.
    cluster.inject(1, 0, forger.proposal(b1));
    CHECK(cluster.votes_sent(0).size() == 1);
    cluster.inject(3, 0, forger.proposal(jump, forger.tc(2, {1, 2, 3}, qc1)));
    CHECK(replica.view() == 3);
    CHECK(cluster.votes_sent(0).size() == 2);
    CHECK(replica.drop_count(DropReason::bad_certificate) == 4);
  }

  SUBCASE("fetched blocks are accepted only when asked for") {
    const Block b2 = forger.child(b1, 2, qc1);
    cluster.inject(2, 0, BlockResponse{{b1}});  // nobody asked
    CHECK(replica.drop_count(DropReason::unrequested_block) == 1);
    cluster.inject(2, 0, forger.proposal(b2));  // b1 is still unknown: it is fetched
    const auto requests = cluster.find_effects<SendEffect>(0, [&](const SendEffect& send) {
      const auto* request = std::get_if<BlockRequest>(&send.message);
      return request != nullptr && request->block_hash == h1;
    });
    CHECK(requests.size() == 1);
    CHECK(cluster.votes_sent(0).empty());
    // A look-alike of b1 (another batch, so another hash) is not what was asked for.
    const Block b1_fake = forger.child(BlockTree::genesis_block(), 1, genesis_qc(),
                                       {put_request(4, 1, "k", "v")});
    cluster.inject(2, 0, BlockResponse{{b1_fake}});
    CHECK(replica.drop_count(DropReason::unrequested_block) == 2);
    CHECK(cluster.votes_sent(0).empty());
    // The genuine b1 unblocks the waiting proposal, which gets a vote.
    cluster.inject(2, 0, BlockResponse{{b1}});
    REQUIRE(cluster.votes_sent(0).size() == 1);
    CHECK(cluster.votes_sent(0).front().block_hash == block_hash(b2));
  }

  SUBCASE("a replica cannot vote under another's name or reach a quorum alone") {
    cluster.inject(1, 0, forger.proposal(b1));
    REQUIRE(cluster.votes_sent(0).size() == 1);  // replica 0's own vote is 1 of 3

    // Replica 3 claims to be 2: with its own signature, then with 2's replayed bytes.
    Vote claimed = forger.vote(3, 1, h1);
    claimed.voter = 2;
    cluster.inject(3, 0, claimed);
    cluster.inject(3, 0, forger.vote(2, 1, h1));
    CHECK(replica.drop_count(DropReason::wrong_sender) == 2);
    // Replica 3 under its own name with 2's signature.
    Vote replayed = forger.vote(2, 1, h1);
    replayed.voter = 3;
    cluster.inject(3, 0, replayed);
    CHECK(replica.drop_count(DropReason::bad_signature) == 1);
    // Its genuine vote counts once; more votes from 3 do not reach a quorum.
    cluster.inject(3, 0, forger.vote(3, 1, h1));
    cluster.inject(3, 0, forger.vote(3, 1, h1));
    CHECK(replica.drop_count(DropReason::duplicate) == 1);
    Vote as_one = forger.vote(1, 1, h1);
    cluster.inject(3, 0, as_one);
    CHECK(replica.drop_count(DropReason::wrong_sender) == 3);
    CHECK(replica.view() == 1);
    CHECK(replica.safety_state().high_qc.view == 0);

    // Control: one honest vote from 1 completes the quorum {0, 1, 3}.
    cluster.inject(1, 0, forger.vote(1, 1, h1));
    CHECK(replica.view() == 2);
    const QuorumCert& high_qc = replica.safety_state().high_qc;
    CHECK(high_qc.view == 1);
    CHECK(high_qc.block_hash == h1);
    std::vector<ReplicaIndex> signers;
    for (const auto& entry : high_qc.signatures) signers.push_back(entry.signer);
    CHECK(signers == std::vector<ReplicaIndex>{0, 1, 3});
  }
}

TEST_CASE("replica: view change past a silent leader") {
  // Goal: timeouts form a TC, every honest replica enters the next view, the
  // next leader's proposal carries the TC, is voted on, and commits resume;
  // f+1 timeouts make a replica whose timer has not fired time out too.
  // Method: replica 2 is down; FIFO run stalls in view 2; fire the timers of 0 and 1 only.
  Cluster cluster;
  cluster.set_down(2, true);
  cluster.start_all();
  cluster.run();
  for (ReplicaIndex i : {0u, 1u, 3u}) REQUIRE(cluster.replica(i).view() == 2);
  REQUIRE(cluster.replica(0).committed_height() == 0);

  cluster.fire_timer(0);
  cluster.fire_timer(1);
  CHECK(cluster.now() == 500 * ns_per_ms);
  // b3 (view 3) follows b1 (view 1) across the failed view 2, so the QC of
  // view 4 (chain b4 <- b3 <- b1) commits nothing: the views are not consecutive.
  REQUIRE(cluster.run_until([&] { return cluster.replica(0).safety_state().high_qc.view >= 4; }));
  CHECK(cluster.replica(0).committed_height() == 0);
  cluster.run();

  // Replica 3 joined on f+1 = 2 timeouts without its timer firing.
  CHECK(cluster.count_notes(3, NoteKind::timeout_sent, 2) == 1);
  for (ReplicaIndex i : {0u, 1u, 3u}) {
    CAPTURE(i);
    CHECK(cluster.count_notes(i, NoteKind::view_entered_by_tc, 3) == 1);
    CHECK(cluster.count_notes(i, NoteKind::timeout_sent, 2) == 1);
    // Voted in view 3 for leader 3's block.
    bool voted_view3 = false;
    for (const Vote& vote : cluster.votes_sent(i)) voted_view3 |= vote.view == 3;
    CHECK(voted_view3);
  }
  const auto proposals = cluster.find_effects<BroadcastEffect>(3, [](const BroadcastEffect& b) {
    const auto* proposal = std::get_if<Proposal>(&b.message);
    return proposal != nullptr && proposal->block.view == 3;
  });
  REQUIRE(proposals.size() == 1);
  const Proposal& proposal3 = std::get<Proposal>(proposals.front().message);
  REQUIRE(proposal3.timeout_cert.has_value());
  CHECK(proposal3.timeout_cert->view == 2);
  CHECK(proposal3.block.justify.view == 1);

  // Views 3, 4, 5 are consecutive: the QC of view 5 commits b3 (height 2) and b1.
  // Then view 6 (leader 2) stalls again.
  for (ReplicaIndex i : {0u, 1u, 3u}) {
    CAPTURE(i);
    CHECK(cluster.replica(i).view() == 6);
    CHECK(cluster.replica(i).committed_height() == 2);
    CHECK(fault_drops(cluster.replica(i)) == 0);
  }
  CHECK(cluster.commits(0).back().block->view == 3);
  check_commits_agree(cluster, {0, 1, 3});
}

TEST_CASE("replica: a timeout carries its sender's entry TC, which moves a lagging replica") {
  // Goal: a replica that entered view v by a TC attaches it (last_tc) to its
  // timeout for v, and a replica still in v-1 enters v from that TC alone.
  // Method: proposals are dropped; replica 0 hears nothing while 1-3 time out
  // view 1; then only replica 1's view-2 timeout reaches it.
  Cluster cluster;
  bool deaf = true;
  cluster.drop_filter = [&](const testing::Envelope& envelope) {
    return std::holds_alternative<Proposal>(envelope.message) || (deaf && envelope.to == 0);
  };
  cluster.start_all();
  cluster.run();
  for (ReplicaIndex i : {1u, 2u, 3u}) cluster.fire_timer(i);
  cluster.run();
  for (ReplicaIndex i : {1u, 2u, 3u}) REQUIRE(cluster.replica(i).view() == 2);
  REQUIRE(cluster.replica(0).view() == 1);

  deaf = false;
  cluster.fire_timer(1);
  const auto sent = cluster.find_effects<BroadcastEffect>(1, [](const BroadcastEffect& b) {
    const auto* timeout = std::get_if<Timeout>(&b.message);
    return timeout != nullptr && timeout->view == 2;
  });
  REQUIRE(sent.size() == 1);
  const Timeout& timeout = std::get<Timeout>(sent.front().message);
  REQUIRE(timeout.last_tc.has_value());
  CHECK(timeout.last_tc->view == 1);
  CHECK(timeout.last_tc->signatures.size() == 3);

  REQUIRE(cluster.run_until([&] { return cluster.replica(0).view() >= 2; }, 1));
  CHECK(cluster.replica(0).view() == 2);
  CHECK(cluster.count_notes(0, NoteKind::view_entered_by_tc, 2) == 1);
  CHECK(cluster.replica(0).drop_count(DropReason::bad_certificate) == 0);
}

TEST_CASE("replica: the view timeout backs off on failed views and resets on commit") {
  // Goal: current_view_timeout doubles per consecutive view entered by TC, is
  // capped by view_timeout_max, and returns to the base after a commit.
  // Method: drop every proposal so each view fails by timeout; then let
  // proposals through. Both backoff resets behave alike here: no view is
  // entered by a QC until the views that commit.
  ClusterOptions options;
  options.view_timeout = 100 * ns_per_ms;
  options.view_timeout_max = 700 * ns_per_ms;
  for (BackoffReset reset : {BackoffReset::commit, BackoffReset::qc}) {
    CAPTURE(static_cast<int>(reset));
    options.backoff_reset = reset;
    Cluster cluster(options);
    bool drop_proposals = true;
    cluster.drop_filter = [&](const testing::Envelope& envelope) {
      return drop_proposals && std::holds_alternative<Proposal>(envelope.message);
    };
    cluster.start_all();
    cluster.run();
    for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
      CHECK(cluster.replica(i).current_view_timeout() == 100 * ns_per_ms);
      CHECK(cluster.timer_at(i) == 100 * ns_per_ms);
    }

    const std::vector<Duration> expected_ms{200, 400, 700, 700};
    View view = 1;
    for (Duration timeout_ms : expected_ms) {
      for (ReplicaIndex i = 0; i < cluster.size(); ++i) cluster.fire_timer(i);
      cluster.run();
      ++view;
      for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
        CAPTURE(i);
        CAPTURE(view);
        REQUIRE(cluster.replica(i).view() == view);
        CHECK(cluster.count_notes(i, NoteKind::view_entered_by_tc, view) == 1);
        CHECK(cluster.replica(i).current_view_timeout() == timeout_ms * ns_per_ms);
        CHECK(cluster.timer_at(i) == cluster.now() + timeout_ms * ns_per_ms);
      }
    }

    // Let proposals through: the next view by TC, then three consecutive views commit.
    drop_proposals = false;
    for (ReplicaIndex i = 0; i < cluster.size(); ++i) cluster.fire_timer(i);
    REQUIRE(cluster.run_until([&] { return cluster.all_committed(1); }, 5'000));
    for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
      CAPTURE(i);
      CHECK(cluster.replica(i).current_view_timeout() == 100 * ns_per_ms);
    }
    check_commits_agree(cluster, {0, 1, 2, 3});
  }
}

TEST_CASE("replica: a lagging replica fetches missing blocks and then votes and commits") {
  // Goal: catch-up by BlockRequest/BlockResponse leads to the same commits as everyone else.
  // Method: replica 0 misses views 1-3 (down, or deaf to proposals only), then rejoins.
  Cluster cluster;

  SUBCASE("down for three views, back after the others time out its own view") {
    cluster.set_down(0, true);
    cluster.start_all();
    cluster.run();  // views 1..3 commit b1; view 4 (leader 0) stalls
    for (ReplicaIndex i : {1u, 2u, 3u}) REQUIRE(cluster.replica(i).committed_height() == 1);
    REQUIRE(cluster.replica(0).committed_height() == 0);
    REQUIRE(cluster.replica(0).view() == 1);

    cluster.set_down(0, false);
    for (ReplicaIndex i : {1u, 2u, 3u}) cluster.fire_timer(i);
  }
  SUBCASE("deaf to the proposals of views 1-3, so its own proposal must wait for a fetch") {
    cluster.drop_filter = [](const testing::Envelope& envelope) {
      const auto* proposal = std::get_if<Proposal>(&envelope.message);
      return envelope.to == 0 && proposal != nullptr && proposal->block.view <= 3;
    };
    cluster.start_all();
  }

  REQUIRE(cluster.run_until([&] { return cluster.all_committed(4); }, 20'000));
  const auto requests = cluster.find_effects<SendEffect>(0, [](const SendEffect& send) {
    return std::holds_alternative<BlockRequest>(send.message);
  });
  CHECK_FALSE(requests.empty());
  // Every fetched block arrived in a BlockResponse and none was unrequested.
  CHECK(cluster.replica(0).drop_count(DropReason::unrequested_block) == 0);
  bool voted_after = false;
  for (const Vote& vote : cluster.votes_sent(0)) voted_after |= vote.view >= 5;
  CHECK(voted_after);
  CHECK(cluster.commits(0).size() >= 4);
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) CHECK(fault_drops(cluster.replica(i)) == 0);
  check_commits_agree(cluster, {0, 1, 2, 3});
}

TEST_CASE("replica: a replica far behind fetches a long chain in several requests") {
  // Goal: catch-up over more blocks than one BlockResponse carries (fetch_blocks_max = 32).
  // Method: forge a 40-block chain certified by replicas 1-3, show replica 0
  // only the proposal of block 41, and answer each BlockRequest it sends from
  // the chain; it must vote for block 41 and commit blocks 1..38.
  Cluster cluster;
  const Forger& forger = cluster.forger();
  cluster.start(0);
  std::map<Hash32, Block> chain;
  std::vector<Block> blocks{BlockTree::genesis_block()};
  QuorumCert justify = genesis_qc();
  for (View view = 1; view <= 41; ++view) {
    blocks.push_back(forger.child(blocks.back(), view, justify));
    justify = forger.qc(view, block_hash(blocks.back()), {1, 2, 3});
    chain.emplace(block_hash(blocks.back()), blocks.back());
  }
  REQUIRE(blocks.back().proposer == 1);  // view 41
  cluster.inject(1, 0, forger.proposal(blocks.back()));

  std::size_t request_count = 0;
  while (!cluster.network().empty()) {
    testing::Envelope envelope = std::move(cluster.network().front());
    cluster.network().pop_front();
    const auto* request = std::get_if<BlockRequest>(&envelope.message);
    if (envelope.from != 0 || request == nullptr) continue;
    ++request_count;
    REQUIRE(request_count <= 4);
    BlockResponse response;
    auto it = chain.find(request->block_hash);
    while (it != chain.end() && response.blocks.size() <= request->ancestor_count_max) {
      response.blocks.push_back(it->second);
      it = chain.find(it->second.parent_hash);
    }
    CHECK(request->ancestor_count_max == 32);  // ReplicaConfig::fetch_blocks_max
    cluster.inject(envelope.to, 0, response);
  }
  CHECK(request_count >= 2);
  CHECK(cluster.replica(0).view() == 41);
  const auto votes = cluster.votes_sent(0);
  REQUIRE(votes.size() == 1);
  CHECK(votes[0].block_hash == block_hash(blocks.back()));
  // The QC of view 40 (in block 41) completes the three-chain 38 <- 39 <- 40.
  CHECK(cluster.replica(0).committed_height() == 38);
  CHECK(cluster.commits(0).size() == 38);
  check_commits_agree(cluster, {0});
  CHECK(cluster.replica(0).committed_hash() == block_hash(blocks[38]));
  CHECK(cluster.replica(0).safety_state().locked_qc.view == 39);
}

TEST_CASE("replica: a client request commits once and every replica replies alike") {
  // Goal: exactly-once application and identical replies; a resubmission after
  // commit is answered with the original height and not applied again.
  // Method: submit to all four replicas, run FIFO, count replies and applied requests.
  Cluster cluster;
  const ClientRequest first = put_request(7, 1, "k", "v1");
  cluster.submit_all(first);
  cluster.start_all();
  REQUIRE(cluster.run_until([&] { return cluster.all_committed(4); }, 5'000));

  auto replies_to = [&](ReplicaIndex i, ClientId client, RequestNumber number) {
    std::vector<ClientReply> found;
    for (const auto& reply : cluster.replies(i))
      if (reply.client == client && reply.number == number) found.push_back(reply);
    return found;
  };
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
    CAPTURE(i);
    const auto replies = replies_to(i, 7, 1);
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].replica == i);
    CHECK(replies[0].height == 1);  // leader 1 put it in block 1
    CHECK(replies[0].result.status == ResultStatus::ok);
    CHECK(cluster.state_machine(i).applied_count() == 1);
    CHECK(cluster.replica(i).mempool_size() == 0);
  }

  // Another client overwrites k; then client 7 resubmits its request 1.
  cluster.submit_all(put_request(8, 1, "k", "v2"));
  REQUIRE(cluster.run_until(
      [&] {
        for (ReplicaIndex i = 0; i < cluster.size(); ++i)
          if (replies_to(i, 8, 1).empty()) return false;
        return true;
      },
      5'000));
  const Height height_v2 = replies_to(0, 8, 1).front().height;
  CHECK(height_v2 > 1);
  cluster.submit_all(first);
  REQUIRE(cluster.run_until(
      [&] {
        for (ReplicaIndex i = 0; i < cluster.size(); ++i)
          if (replies_to(i, 7, 1).size() < 2) return false;
        return true;
      },
      5'000));
  // Let a few more blocks commit: nothing is applied or answered a third time.
  const Height now_height = cluster.replica(0).committed_height();
  REQUIRE(cluster.run_until([&] { return cluster.all_committed(now_height + 3); }, 5'000));
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
    CAPTURE(i);
    const auto replies = replies_to(i, 7, 1);
    REQUIRE(replies.size() == 2);
    CHECK(replies[1].height == 1);  // the original height
    CHECK(replies[1].result == replies[0].result);
    CHECK(replies_to(i, 8, 1).size() == 1);
    CHECK(replies_to(i, 8, 1).front().height == height_v2);
    CHECK(cluster.state_machine(i).applied_count() == 2);
    CHECK(cluster.state_machine(i).store().get("k") == std::optional<std::string>("v2"));
  }
  check_commits_agree(cluster, {0, 1, 2, 3});
}

TEST_CASE("replica: a replica restored from its persisted state does not vote twice in a view") {
  // Goal: restore(last Persist) keeps last_voted_view across a restart.
  // Method: replica 0 votes for b2 in view 2 and restarts from its last Persist;
  // a conflicting b2' for view 2 (after fetching its parent) gets no vote. A
  // replica started fresh does vote for b2' (the control).
  Cluster cluster;
  const Forger& forger = cluster.forger();
  const Block b1 = forger.child(BlockTree::genesis_block(), 1, genesis_qc());
  const QuorumCert qc1 = forger.qc(1, block_hash(b1), {1, 2, 3});
  const Block b2 = forger.child(b1, 2, qc1);
  const Block b2_conflict = forger.child(b1, 2, qc1, {put_request(3, 1, "x", "y")});
  const QuorumCert qc2_conflict = forger.qc(2, block_hash(b2_conflict), {1, 2, 3});
  const Block b3 = forger.child(b2_conflict, 3, qc2_conflict);

  cluster.start(0);
  cluster.inject(1, 0, forger.proposal(b1));
  cluster.inject(2, 0, forger.proposal(b2));
  REQUIRE(cluster.votes_sent(0).size() == 2);
  const std::optional<SafetyState> persisted = cluster.last_persist(0);
  REQUIRE(persisted.has_value());
  REQUIRE(persisted->last_voted_view == 2);
  REQUIRE(*persisted == cluster.replica(0).safety_state());

  // Restarts replica 0 (restored or fresh), replays b2' and answers its fetch.
  // Returns the votes sent after the restart.
  auto restart_and_replay = [&](bool restore) {
    auto restarted = cluster.make_replica(0);
    if (restore) restarted->restore(*persisted);
    cluster.replace(0, std::move(restarted));
    const std::size_t votes_before = cluster.votes_sent(0).size();
    const std::size_t batches_before = cluster.batches(0).size();
    cluster.start(0);
    CHECK(cluster.replica(0).view() == (restore ? 2 : 1));
    cluster.inject(2, 0, forger.proposal(b2_conflict));
    // It lacks b1: it asks replica 2 for it; the answer unblocks the proposal.
    bool asked = false;
    for (std::size_t k = batches_before; k < cluster.batches(0).size(); ++k)
      for (const auto& effect : cluster.batches(0)[k])
        if (const auto* send = std::get_if<SendEffect>(&effect))
          if (const auto* request = std::get_if<BlockRequest>(&send->message))
            asked |= send->to == 2 && request->block_hash == block_hash(b1);
    CHECK(asked);
    cluster.inject(2, 0, BlockResponse{{b1}});
    CHECK(cluster.replica(0).drop_count(DropReason::unrequested_block) == 0);
    CHECK(cluster.replica(0).view() == 2);
    std::vector<Vote> votes = cluster.votes_sent(0);
    votes.erase(votes.begin(), votes.begin() + static_cast<std::ptrdiff_t>(votes_before));
    return votes;
  };

  SUBCASE("restored: no second vote in view 2, and it votes again in view 3") {
    CHECK(restart_and_replay(true).empty());
    const std::size_t votes_before = cluster.votes_sent(0).size();
    cluster.inject(3, 0, forger.proposal(b3));
    CHECK(cluster.replica(0).view() == 3);
    REQUIRE(cluster.votes_sent(0).size() == votes_before + 1);
    CHECK(cluster.votes_sent(0).back().block_hash == block_hash(b3));
  }
  SUBCASE("control: a fresh replica votes for b2'") {
    const auto votes = restart_and_replay(false);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].view == 2);
    CHECK(votes[0].block_hash == block_hash(b2_conflict));
  }
}

// Regression: a leader restored from the Persist that followed its own
// proposal proposed again in the same view (a different block when its
// mempool differed). The leader now persists its vote before the proposal
// leaves and does not propose in a view it already voted in.
TEST_CASE("replica: a restored leader does not propose a second block in its view") {
  // Goal: a crash-restart inside a replica's own view never yields two blocks for that view.
  // Method: leader 1 proposes b1 on start; restore it from its last Persist
  // with a client request queued, start it, and count its view-1 proposals.
  Cluster cluster;
  cluster.start(1);
  auto proposals_view1 = [&] {
    return cluster.find_effects<BroadcastEffect>(1, [](const BroadcastEffect& b) {
      const auto* proposal = std::get_if<Proposal>(&b.message);
      return proposal != nullptr && proposal->block.view == 1;
    });
  };
  REQUIRE(proposals_view1().size() == 1);
  REQUIRE(cluster.last_persist(1).has_value());
  REQUIRE(cluster.last_persist(1)->last_voted_view == 1);

  auto restarted = cluster.make_replica(1);
  restarted->restore(*cluster.last_persist(1));
  cluster.replace(1, std::move(restarted));
  cluster.submit(1, put_request(9, 1, "k", "v"));
  cluster.start(1);
  CHECK(cluster.replica(1).view() == 1);
  CHECK(proposals_view1().size() == 1);  // actual: 2, with different block hashes
}

}  // namespace
}  // namespace bftsim::test_consensus_replica_test

namespace bftsim::test_consensus_replica_test {
namespace {

TEST_CASE("replica: a certificate from beyond the view window moves a lagging replica forward") {
  // Goal: a replica that was down for more views than view_window_max catches
  // up from the QC a far-future message carries instead of dropping it and
  // timing out one view at a time (found with crash-restart: 60 s down).
  // Method: replica 0 in view 1 gets a timeout for view 5000 carrying a valid
  // QC of view 4999; it must enter view 5000 and ask for the QC's block.
  // Control: the same timeout with a forged QC changes nothing.
  Cluster cluster;
  cluster.start(0);
  cluster.network().clear();
  const Forger& forger = cluster.forger();
  Hash32 far_block;
  far_block.bytes[0] = 42;
  const View far = 5000;
  REQUIRE(far > 1 + ReplicaConfig{}.view_window_max);

  SUBCASE("forged QC: ignored") {
    QuorumCert forged = forger.qc(far - 1, far_block, {1, 2, 3});
    forged.signatures.edit()[0].signature.bytes[0] ^= 1;
    Timeout timeout{far, 1, forged, std::nullopt, forger.sign_timeout(1, far, far - 1)};
    cluster.inject(1, 0, timeout);
    CHECK(cluster.replica(0).view() == 1);
    CHECK(cluster.replica(0).drop_count(DropReason::bad_certificate) == 1);
  }
  SUBCASE("valid QC: enters its view and fetches its block") {
    Timeout timeout{far, 1, forger.qc(far - 1, far_block, {1, 2, 3}), std::nullopt,
                    forger.sign_timeout(1, far, far - 1)};
    cluster.inject(1, 0, timeout);
    CHECK(cluster.replica(0).view() == far);
    bool fetched = false;
    for (const auto& envelope : cluster.network())
      if (const auto* request = std::get_if<BlockRequest>(&envelope.message))
        fetched = fetched || request->block_hash == far_block;
    CHECK(fetched);
  }
}

}  // namespace
}  // namespace bftsim::test_consensus_replica_test
