// A timer the host fires just before its deadline (its clock read a little
// short of it): the replica's view timer and BlockSync's fetch timer once
// dropped such a firing as superseded, and since each is armed only by the
// replica, nothing fired again: the view went without a timer, or unanswered
// fetches were never re-asked. Now an early firing arms the same deadline
// again and does nothing else. Method: the harness cluster; the timers are
// fired by hand one nanosecond early, then at their deadline.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <variant>
#include <vector>

#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_early_timer_test {
namespace {

using testing::Cluster;

std::vector<SetTimerEffect> timers(const Effects& out, TimerKind kind) {
  std::vector<SetTimerEffect> found;
  for (const Effect& effect : out)
    if (const auto* timer = std::get_if<SetTimerEffect>(&effect); timer != nullptr && timer->timer == kind)
      found.push_back(*timer);
  return found;
}

bool sends_timeout(const Effects& out) {
  for (const Effect& effect : out)
    if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect);
        broadcast != nullptr && std::holds_alternative<Timeout>(broadcast->message))
      return true;
  return false;
}

TEST_CASE("early timer: a view timer fired before its deadline is armed again for it") {
  Cluster cluster;
  cluster.start(1);  // alone: nothing certifies view 1
  const std::optional<Instant> deadline = cluster.timer_at(1);
  REQUIRE(deadline.has_value());
  Effects out;
  cluster.replica(1).on_timer(TimerKind::view, *deadline - 1, out);
  CHECK_FALSE(sends_timeout(out));
  const std::vector<SetTimerEffect> armed = timers(out, TimerKind::view);
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].at == *deadline);
  out.clear();
  cluster.replica(1).on_timer(TimerKind::view, *deadline, out);
  CHECK(sends_timeout(out));
}

TEST_CASE("early timer: a fetch timer fired before its deadline is armed again for it") {
  // Replica 3 learns of a block it lacks from a QC (a proposal of view 2 it
  // holds no parent of) and fetches; its fetch timer fires 1 ns early.
  Cluster cluster;
  cluster.start_all();
  REQUIRE(cluster.run_until([&] { return cluster.all_committed(1); }, 20'000));
  Cluster lagging;
  lagging.start(3);
  // The newest proposal replica 0 saw, handed to the lagging cluster's replica 3.
  const auto proposals = cluster.find_effects<BroadcastEffect>(
      0, [](const BroadcastEffect& effect) { return std::holds_alternative<Proposal>(effect.message); });
  REQUIRE_FALSE(proposals.empty());
  const Proposal& proposal = std::get<Proposal>(proposals.back().message);
  lagging.inject(proposal.block.proposer, 3, Message{proposal});
  const std::optional<Instant> deadline = lagging.fetch_timer_at(3);
  REQUIRE(deadline.has_value());
  Effects out;
  lagging.replica(3).on_timer(TimerKind::fetch, *deadline - 1, out);
  CHECK(std::none_of(out.begin(), out.end(), [](const Effect& e) { return std::holds_alternative<SendEffect>(e); }));
  const std::vector<SetTimerEffect> armed = timers(out, TimerKind::fetch);
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].at == *deadline);
  out.clear();
  lagging.replica(3).on_timer(TimerKind::fetch, *deadline, out);
  CHECK(std::any_of(out.begin(), out.end(), [](const Effect& e) {
    const auto* send = std::get_if<SendEffect>(&e);
    return send != nullptr && std::holds_alternative<BlockRequest>(send->message);
  }));
}

}  // namespace
}  // namespace bftsim::test_consensus_early_timer_test
