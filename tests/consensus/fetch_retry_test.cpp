// The fetch timer (issue 9, rmw-counters seed 80 under reputation): a
// replica that lost a proposal and then the replies to its fetch asked again
// only when its view timer fired, seconds later under backoff; with one
// replica down every quorum needed it, so nobody progressed meanwhile.
// Method: the harness cluster with replica 0 down; replica 3 loses the
// proposal of view 1 and the first two block responses (fetch_missed_proposal
// asks the leader and a second voter). No view timer fires in the test: only
// the fetch timer, half a view timeout after the fetch, can re-ask.
#include <doctest/doctest.h>

#include <variant>

#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_fetch_retry_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;
using testing::Envelope;

// Replica 0 down; replica 3 loses the proposal of view 1 and the first two
// block responses. Runs until the network is quiet.
void run_until_stuck(Cluster& cluster, int& responses_dropped) {
  cluster.set_down(0, true);
  cluster.drop_filter = [&](const Envelope& envelope) {
    if (envelope.to != 3) return false;
    if (const auto* proposal = std::get_if<Proposal>(&envelope.message))
      return proposal->block.view == 1;
    if (std::holds_alternative<BlockResponse>(envelope.message) && responses_dropped < 2) {
      ++responses_dropped;
      return true;
    }
    return false;
  };
  cluster.start_all();
  cluster.run(20'000);
}

TEST_CASE("fetch retry: a lost fetch reply is asked again on the fetch timer, not the view timer") {
  Cluster cluster;
  int responses_dropped = 0;
  run_until_stuck(cluster, responses_dropped);
  // Stuck: view 1 needs replica 3's vote, and its fetch went unanswered.
  REQUIRE(responses_dropped == 2);
  CHECK(cluster.replica(3).committed_height() == 0);
  CHECK(cluster.votes_sent(3).empty());
  const std::optional<Instant> fetch_at = cluster.fetch_timer_at(3);
  REQUIRE(fetch_at.has_value());
  REQUIRE(cluster.timer_at(3).has_value());
  CHECK(*fetch_at < *cluster.timer_at(3));  // sooner than the view timer
  CHECK(*fetch_at - cluster.now() <= ClusterOptions{}.view_timeout / 2);
  cluster.fire_fetch_timer(3);
  CHECK(cluster.run_until([&] { return cluster.all_committed(1, {1, 2, 3}); }, 20'000));
  CHECK_FALSE(cluster.votes_sent(3).empty());
}

TEST_CASE("fetch retry: with protocol.fetch_retry off only the view timer retries") {
  // Goal: the option restores the behaviour before the fetch timer. Method:
  // the same run with fetch_retry false arms no fetch timer and stays stuck.
  ClusterOptions options;
  options.fetch_retry = false;
  Cluster cluster(options);
  int responses_dropped = 0;
  run_until_stuck(cluster, responses_dropped);
  REQUIRE(responses_dropped == 2);
  CHECK_FALSE(cluster.fetch_timer_at(3).has_value());
  CHECK(cluster.replica(3).committed_height() == 0);
}

}  // namespace
}  // namespace bftsim::test_consensus_fetch_retry_test
