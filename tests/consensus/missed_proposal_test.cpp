// Tests of fetch_missed_proposal (ReplicaConfig, core/consensus/
// replica_missed_proposal.cpp): a replica whose copy of the proposal was lost
// fetches the block once it holds f+1 votes for it, one the leader's, and
// votes, so a quorum that needs every live vote still forms in the view; it
// does not fetch on votes that the leader did not sign.
#include <doctest/doctest.h>

#include <cstddef>
#include <variant>

#include "core/consensus/replica.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_missed_proposal_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;
using testing::Envelope;

std::size_t block_requests_sent(const Cluster& cluster, ReplicaIndex index) {
  return cluster
      .find_effects<SendEffect>(index, [](const SendEffect& send) {
        return std::holds_alternative<BlockRequest>(send.message);
      })
      .size();
}

std::size_t qc_formed_anywhere(const Cluster& cluster, View view) {
  std::size_t count = 0;
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) count += cluster.count_notes(i, NoteKind::qc_formed, view);
  return count;
}

Cluster make_cluster(bool fetch_missed_proposal) {
  ClusterOptions options;
  options.fetch_missed_proposal = fetch_missed_proposal;
  return Cluster(options);
}

}  // namespace

TEST_CASE("missed proposal: a replica that lost the proposal fetches it on the leader's vote and the view certifies") {
  // Goal: the mechanism of rmw-counters seeds 130 and 11
  // (docs/case-study-liveness.md). With replica 0 down a quorum of 3 needs
  // every live vote; the proposal of view 1 (leader 1) never reaches replica
  // 3. Method: the same FIFO run with fetch_missed_proposal on and off. On,
  // replica 3 holds the votes of 1 and 2 for the block, asks replica 1 for
  // it, votes, and views 1-3 certify and commit block 1 with no timer fired.
  // Off, replica 3 never votes in view 1: no QC for it anywhere, and every
  // live replica is still in view 1 waiting for its timer.
  for (const bool on : {true, false}) {
    CAPTURE(on);
    Cluster cluster = make_cluster(on);
    cluster.set_down(0, true);
    cluster.drop_filter = [](const Envelope& envelope) {
      const auto* proposal = std::get_if<Proposal>(&envelope.message);
      return proposal != nullptr && proposal->block.view == 1 && envelope.from == 1 && envelope.to == 3;
    };
    cluster.start_all();
    cluster.run();
    CHECK(cluster.now() == 0);  // no timer fired
    if (on) {
      CHECK(block_requests_sent(cluster, 3) == 2);  // the leader and the other voter
      CHECK(qc_formed_anywhere(cluster, 1) > 0);
      for (ReplicaIndex i : {1u, 2u, 3u}) {
        CAPTURE(i);
        CHECK(cluster.count_notes(i, NoteKind::view_entered_by_qc, 2) == 1);
        CHECK(cluster.replica(i).committed_height() == 1);
        CHECK(cluster.replica(i).view() == 4);  // view 4's leader, 0, is down
      }
    } else {
      CHECK(block_requests_sent(cluster, 3) == 0);
      CHECK(qc_formed_anywhere(cluster, 1) == 0);
      for (ReplicaIndex i : {1u, 2u, 3u}) {
        CAPTURE(i);
        CHECK(cluster.replica(i).view() == 1);
        CHECK(cluster.replica(i).committed_height() == 0);
      }
    }
  }
}

std::size_t votes_sent(const Cluster& cluster, ReplicaIndex index, View view) {
  return cluster
      .find_effects<BroadcastEffect>(index, [&](const BroadcastEffect& broadcast) {
        const auto* vote = std::get_if<Vote>(&broadcast.message);
        return vote != nullptr && vote->view == view;
      })
      .size();
}

TEST_CASE("missed proposal: without the leader's vote the replica does not vote for the block") {
  // Goal: only the leader's signature makes a fetched block its proposal; f+1
  // votes of other replicas (which Byzantine peers could cast for a block of
  // their making) are not enough. Method: all four up; the proposal of view 1
  // and the leader's vote both fail to reach replica 3, which holds the votes
  // of 0 and 2 (f+1 of them). View 1 still certifies (1, 0, 2 are a quorum),
  // but replica 3 never votes in view 1.
  Cluster cluster = make_cluster(true);
  cluster.drop_filter = [](const Envelope& envelope) {
    if (envelope.from != 1 || envelope.to != 3) return false;
    if (const auto* proposal = std::get_if<Proposal>(&envelope.message)) return proposal->block.view == 1;
    if (const auto* vote = std::get_if<Vote>(&envelope.message)) return vote->view == 1;
    return false;
  };
  cluster.start_all();
  cluster.run();
  CHECK(qc_formed_anywhere(cluster, 1) > 0);
  CHECK(votes_sent(cluster, 3, 1) == 0);
}

TEST_CASE("missed proposal: with only one vote the replica neither fetches nor votes") {
  // Goal: one vote is not f+1. Method: replica 0 down; the proposal of view
  // 1 and the leader's vote both fail to reach replica 3, which holds only
  // replica 2's vote. It sends no BlockRequest, and the view does not
  // certify (the quorum needs replica 3).
  Cluster cluster = make_cluster(true);
  cluster.set_down(0, true);
  cluster.drop_filter = [](const Envelope& envelope) {
    if (envelope.from != 1 || envelope.to != 3) return false;
    if (const auto* proposal = std::get_if<Proposal>(&envelope.message)) return proposal->block.view == 1;
    if (const auto* vote = std::get_if<Vote>(&envelope.message)) return vote->view == 1;
    return false;
  };
  cluster.start_all();
  cluster.run();
  CHECK(block_requests_sent(cluster, 3) == 0);
  CHECK(qc_formed_anywhere(cluster, 1) == 0);
  CHECK(cluster.replica(3).view() == 1);
}

}  // namespace bftsim::test_consensus_missed_proposal_test
