// Tests of HotStuff's NEW-VIEW in the Replica (ReplicaConfig::
// new_view_to_leader, core/consensus/replica.cpp): a replica that enters a
// view it does not lead sends the certificate it entered by to the leader, so
// a leader that missed one vote (or one timeout) of a quorum that needs every
// live replica proposes at once instead of costing the view; and a NewView is
// verified only when it would move its receiver.
#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <variant>
#include <vector>

#include "core/consensus/replica.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_new_view_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;
using testing::Envelope;

// The NewViews `index` sent, in order.
std::vector<std::pair<ReplicaIndex, NewView>> new_views_sent(const Cluster& cluster, ReplicaIndex index) {
  std::vector<std::pair<ReplicaIndex, NewView>> sent;
  for (const SendEffect& send : cluster.find_effects<SendEffect>(
           index, [](const SendEffect& s) { return std::holds_alternative<NewView>(s.message); }))
    sent.emplace_back(send.to, std::get<NewView>(send.message));
  return sent;
}

std::size_t qc_formed_anywhere(const Cluster& cluster, View view) {
  std::size_t count = 0;
  for (ReplicaIndex i = 0; i < cluster.size(); ++i) count += cluster.count_notes(i, NoteKind::qc_formed, view);
  return count;
}

Cluster make_cluster(bool new_view_to_leader) {
  ClusterOptions options;
  options.new_view_to_leader = new_view_to_leader;
  return Cluster(options);
}

}  // namespace

TEST_CASE("new view: a leader that missed one vote proposes at once, and without new views the view fails") {
  // Goal: the mechanism of rmw-counters seed 1 (docs/case-study-liveness.md).
  // With replica 0 down, a quorum of 3 needs every live vote; replica 3's vote
  // for view 1 never reaches replica 2, the leader of view 2. Method: the same
  // FIFO run with new_view_to_leader on and off. On, replicas 1 and 3 send
  // QC(1) to replica 2, which enters view 2 and proposes with no timer fired,
  // and views 1-3 commit block 1. Off, replica 2 stays in view 1; when the
  // others' view timers fire it learns QC(1) from their timeouts, too late:
  // nobody votes in view 2 and the view fails by a TC.
  for (const bool on : {true, false}) {
    CAPTURE(on);
    Cluster cluster = make_cluster(on);
    cluster.set_down(0, true);
    cluster.drop_filter = [](const Envelope& envelope) {
      const auto* vote = std::get_if<Vote>(&envelope.message);
      return vote != nullptr && vote->view == 1 && envelope.from == 3 && envelope.to == 2;
    };
    cluster.start_all();
    cluster.run();
    REQUIRE(cluster.count_notes(1, NoteKind::view_entered_by_qc, 2) == 1);
    REQUIRE(cluster.count_notes(3, NoteKind::view_entered_by_qc, 2) == 1);
    for (ReplicaIndex i : {1u, 2u, 3u}) CHECK(cluster.count_notes(i, NoteKind::timeout_sent, 1) == 0);

    if (on) {
      for (ReplicaIndex i : {1u, 3u}) {
        CAPTURE(i);
        const auto sent = new_views_sent(cluster, i);
        REQUIRE(!sent.empty());
        CHECK(sent.front().first == 2);
        CHECK(sent.front().second.view == 2);
        CHECK(sent.front().second.high_qc.view == 1);
        CHECK(!sent.front().second.last_tc.has_value());
      }
      // The leader sends none for its own view.
      for (const auto& [to, new_view] : new_views_sent(cluster, 2)) CHECK(new_view.view != 2);
      CHECK(cluster.count_notes(2, NoteKind::view_entered_by_qc, 2) == 1);
      CHECK(cluster.count_notes(2, NoteKind::proposal_sent, 2) == 1);
      // The second NewView for view 2 carried nothing new and was dropped
      // without a signature check.
      CHECK(cluster.replica(2).drop_count(DropReason::duplicate) == 1);
      CHECK(cluster.replica(2).drop_count(DropReason::bad_certificate) == 0);
      CHECK(qc_formed_anywhere(cluster, 2) > 0);
      // Views 1, 2, 3 are consecutive: block 1 commits; view 4 (leader 0) stalls.
      for (ReplicaIndex i : {1u, 2u, 3u}) {
        CAPTURE(i);
        CHECK(cluster.replica(i).committed_height() == 1);
        CHECK(cluster.replica(i).view() == 4);
      }
      CHECK(cluster.now() == 0);  // no timer fired
    } else {
      for (ReplicaIndex i : {1u, 2u, 3u}) CHECK(new_views_sent(cluster, i).empty());
      CHECK(cluster.replica(2).view() == 1);
      CHECK(cluster.count_notes(2, NoteKind::proposal_sent, 2) == 0);
      cluster.fire_timer(1);
      cluster.fire_timer(3);
      cluster.run();
      // Replica 2 entered view 2 from their timeouts and proposed, after they gave up on it.
      CHECK(cluster.count_notes(2, NoteKind::proposal_sent, 2) == 1);
      CHECK(qc_formed_anywhere(cluster, 2) == 0);
      for (ReplicaIndex i : {1u, 2u, 3u}) {
        CAPTURE(i);
        CHECK(cluster.count_notes(i, NoteKind::view_entered_by_tc, 3) == 1);
        CHECK(cluster.replica(i).committed_height() == 0);
      }
    }
  }
}

TEST_CASE("new view: a leader that missed one timeout enters by the forwarded TC") {
  // Goal: the TC half of the mechanism. With replica 1 (the leader of view 1)
  // down, the three live replicas time out view 1 and a TC needs all three;
  // replica 3's timeout never reaches replica 2, the leader of view 2.
  // Method: on and off. On, replicas 0 and 3 form TC(1), enter view 2 and
  // send it to replica 2, which proposes with it, and views 2-4 commit.
  // Off, replica 2 stays in view 1, and the others wait in view 2 for a
  // proposal that does not come.
  for (const bool on : {true, false}) {
    CAPTURE(on);
    Cluster cluster = make_cluster(on);
    cluster.set_down(1, true);
    cluster.drop_filter = [](const Envelope& envelope) {
      const auto* timeout = std::get_if<Timeout>(&envelope.message);
      return timeout != nullptr && timeout->view == 1 && envelope.from == 3 && envelope.to == 2;
    };
    cluster.start_all();
    cluster.run();
    for (ReplicaIndex i : {0u, 2u, 3u}) cluster.fire_timer(i);
    cluster.run();
    for (ReplicaIndex i : {0u, 3u}) REQUIRE(cluster.count_notes(i, NoteKind::view_entered_by_tc, 2) == 1);

    if (on) {
      for (ReplicaIndex i : {0u, 3u}) {
        CAPTURE(i);
        const auto sent = new_views_sent(cluster, i);
        REQUIRE(!sent.empty());
        CHECK(sent.front().first == 2);
        CHECK(sent.front().second.view == 2);
        REQUIRE(sent.front().second.last_tc.has_value());
        CHECK(sent.front().second.last_tc->view == 1);
      }
      CHECK(cluster.count_notes(2, NoteKind::view_entered_by_tc, 2) == 1);
      CHECK(cluster.count_notes(2, NoteKind::proposal_sent, 2) == 1);
      for (ReplicaIndex i : {0u, 2u, 3u}) {
        CAPTURE(i);
        CHECK(cluster.replica(i).committed_height() == 1);  // block 1 of view 2
        CHECK(cluster.replica(i).view() == 5);               // view 5: leader 1, down
      }
    } else {
      CHECK(cluster.replica(2).view() == 1);
      CHECK(cluster.count_notes(2, NoteKind::proposal_sent, 2) == 0);
      for (ReplicaIndex i : {0u, 3u}) CHECK(cluster.replica(i).view() == 2);
      CHECK(qc_formed_anywhere(cluster, 2) == 0);
    }
  }
}

TEST_CASE("new view: a new view is checked only when it would move its receiver") {
  // Goal: a NewView costs nothing unless it is news, and a bad one changes
  // nothing. Method: a stalled cluster (replica 0 down, all in view 4 with
  // QC(3)); hand replica 2 NewViews: an old QC with a broken signature (a
  // duplicate: not even checked), a newer one with a broken signature, a QC
  // not below the view it names, a TC for the wrong view; then a valid QC for
  // a view far ahead moves it there.
  Cluster cluster = make_cluster(true);
  cluster.set_down(0, true);
  cluster.start_all();
  cluster.run();
  Replica& replica = cluster.replica(2);
  REQUIRE(replica.view() == 4);
  const QuorumCert high_qc = replica.safety_state().high_qc;
  REQUIRE(high_qc.view == 3);
  const std::uint64_t duplicates = replica.drop_count(DropReason::duplicate);

  QuorumCert old_qc = high_qc;
  old_qc.signatures.edit().front().signature.bytes[0] ^= 1;
  cluster.inject(3, 2, NewView{4, old_qc, std::nullopt});
  CHECK(replica.drop_count(DropReason::duplicate) == duplicates + 1);
  CHECK(replica.drop_count(DropReason::bad_certificate) == 0);

  QuorumCert forged = cluster.forger().qc(9, high_qc.block_hash, {1, 2, 3});
  forged.signatures.edit().back().signature.bytes[5] ^= 1;
  cluster.inject(3, 2, NewView{10, forged, std::nullopt});
  CHECK(replica.drop_count(DropReason::bad_certificate) == 1);
  cluster.inject(3, 2, NewView{9, cluster.forger().qc(9, high_qc.block_hash, {1, 2, 3}), std::nullopt});
  CHECK(replica.drop_count(DropReason::bad_certificate) == 2);  // QC view not below the view
  const TimeoutCert tc = cluster.forger().tc(7, {1, 2, 3}, high_qc);
  cluster.inject(3, 2, NewView{10, high_qc, tc});
  CHECK(replica.drop_count(DropReason::bad_certificate) == 3);  // TC for view 7, not 9
  CHECK(replica.view() == 4);
  CHECK(replica.safety_state().high_qc == high_qc);

  // A real QC for view 9 (of a block replica 2 lacks, so it asks for it).
  Hash32 unknown;
  unknown.bytes.fill(0x5a);
  cluster.inject(3, 2, NewView{10, cluster.forger().qc(9, unknown, {1, 2, 3}), std::nullopt});
  CHECK(replica.view() == 10);
  CHECK(replica.safety_state().high_qc.view == 9);
  CHECK(replica.drop_count(DropReason::bad_certificate) == 3);
}

}  // namespace bftsim::test_consensus_new_view_test
