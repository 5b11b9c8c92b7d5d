// Tests for clock faults (sim/net/node_clock.h): a replica's clock jumps by
// `skew` and runs at 1 + drift while the fault is active; its timers fire
// when its own clock reaches their deadlines, in the mapping and in a run;
// the loader reads and rejects clock faults at their place.
#include "sim/net/node_clock.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/report/trace_event.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_node_clock_test {
namespace {

constexpr Duration ms = ns_per_ms;

TEST_CASE("a clock fault maps local deadlines to real times exactly") {
  // Goal: local(t) = t + skew + drift * (t - at), and real_time_of inverts it
  // to the nanosecond. Method: one replica per case, others untouched.
  NodeClocks clocks(4);
  CHECK(clocks.local(1, 700 * ms) == 700 * ms);
  CHECK(clocks.real_time_of(1, 900 * ms, 700 * ms) == 900 * ms);
  CHECK(clocks.real_time_of(1, 600 * ms, 700 * ms) == 700 * ms);  // already passed: now

  clocks.set(0, ClockFault{.replica = 1, .at = 1000 * ms, .skew = 5 * ms});
  CHECK(clocks.skewed(1));
  CHECK_FALSE(clocks.skewed(2));
  CHECK(clocks.local(1, 1000 * ms) == 1005 * ms);
  CHECK(clocks.local(2, 1000 * ms) == 1000 * ms);
  CHECK(clocks.real_time_of(1, 1500 * ms, 1000 * ms) == 1495 * ms);

  clocks.set(1, ClockFault{.replica = 1, .at = 2000 * ms, .drift_ppm = 10'000});  // listed later: wins
  CHECK(clocks.local(1, 3000 * ms) == 3010 * ms);  // 1s at 1.01
  CHECK(clocks.real_time_of(1, 3010 * ms, 2500 * ms) == 3000 * ms);
  CHECK(clocks.real_time_of(1, 3010 * ms + 1, 2500 * ms) == 3000 * ms + 1);  // next ns reads 3010.0101ms
  clocks.clear(1, 1);
  CHECK(clocks.local(1, 3000 * ms) == 3005 * ms);  // back to the first fault
  clocks.clear(0, 1);
  CHECK(clocks.local(1, 3000 * ms) == 3000 * ms);

  clocks.set(2, ClockFault{.replica = 3, .at = 0, .skew = -2000 * ms, .drift_ppm = -500'000});
  CHECK(clocks.local(3, 1000 * ms) == 0);  // never below 0
  CHECK(clocks.local(3, 6000 * ms) == 1000 * ms);  // 6s - 2s - 3s
  CHECK(clocks.real_time_of(3, 1000 * ms, 1000 * ms) == 6000 * ms);
  for (Instant deadline = 1; deadline < 20'000; deadline += 7) {
    const Instant real = clocks.real_time_of(3, deadline, 0);
    CHECK(clocks.local(3, real) >= deadline);
    CHECK(clocks.local(3, real - 1) < deadline);
  }
}

constexpr std::string_view stalled_yaml = R"(name: clock
description: Two of four replicas are down, so views time out every 500ms.
seed: 1
duration: 3100ms
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 500ms, timeout_multiplier: 1}
clients: {count: 0}
expect: {safety: holds, liveness: unchecked}
faults:
  - {type: crash, node: 2, at: 0s}
  - {type: crash, node: 3, at: 0s}
)";

Scenario load(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(stalled_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

// When `replica` sent a timeout (one per view timer that fired), from the trace.
class TimeoutTimes final : public TraceSink {
 public:
  explicit TimeoutTimes(ReplicaIndex replica) : replica_(replica) {}
  void record(const TraceEvent& event) override {
    if (const auto* note = std::get_if<NoteRecord>(&event.detail))
      if (note->replica == replica_ && note->kind == NoteKind::timeout_sent) times.push_back(event.at);
  }
  std::vector<Instant> times;

 private:
  ReplicaIndex replica_;
};

std::vector<Instant> timeout_times(const Scenario& scenario, ReplicaIndex replica) {
  TimeoutTimes sink(replica);
  Simulation simulation(scenario, {.seed = 1, .trace = &sink});
  (void)simulation.run();
  return sink.times;
}

TEST_CASE("a skewed replica's timers fire when its own clock reaches them") {
  // Goal: a clock jump moves the pending timer, and the end of the fault
  // moves it back. Method: replicas 2 and 3 are down, so 0 and 1 time out
  // every 500ms. Replica 1's clock jumps 100ms ahead at 1.2s and is set
  // right at 2s: its timer due at local 1.5s fires at 1.4s, the next (local
  // 2.0s) at 1.9s, then at 2s the clock is right again and the timer due at
  // local 2.5s fires at 2.5s. Replica 0 never moves.
  const std::vector<Instant> plain = {500 * ms, 1000 * ms, 1500 * ms, 2000 * ms, 2500 * ms, 3000 * ms};
  CHECK(timeout_times(load(""), 1) == plain);
  const Scenario skewed = load("  - {type: clock, node: 1, at: 1200ms, until: 2s, skew: 100ms}\n");
  CHECK(timeout_times(skewed, 1) ==
        std::vector<Instant>{500 * ms, 1000 * ms, 1400 * ms, 1900 * ms, 2500 * ms, 3000 * ms});
  CHECK(timeout_times(skewed, 0) == plain);
}

TEST_CASE("a drifting replica's timeouts shrink by its clock rate; a clock set back fires late") {
  // Goal: drift stretches every local interval; a backward jump delays.
  // Method: drift +0.25 from 1.2s: local 1.5s comes at 1.44s, then every
  // 500ms local is 400ms real. Then a skew of -300ms at 1.2s: the timer due
  // at local 1.5s fires at 1.8s.
  const Scenario fast = load("  - {type: clock, node: 1, at: 1200ms, drift: 0.25}\n");
  CHECK(timeout_times(fast, 1) ==
        std::vector<Instant>{500 * ms, 1000 * ms, 1440 * ms, 1840 * ms, 2240 * ms, 2640 * ms, 3040 * ms});
  const Scenario back = load("  - {type: clock, node: 1, at: 1200ms, skew: -300ms}\n");
  CHECK(timeout_times(back, 1) == std::vector<Instant>{500 * ms, 1000 * ms, 1800 * ms, 2300 * ms, 2800 * ms});
}

std::string load_error(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(stalled_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

TEST_CASE("the loader reads clock faults, writes them back, and rejects bad ones at their place") {
  // Goal: skew is a signed duration, drift a signed number within 0.5, and
  // the writer round-trips both. Method: load, write, reload; then one bad
  // entry per check with its file:line:column.
  const Scenario scenario = load("  - {type: clock, node: 3, at: 1s, until: 2s, skew: -20ms, drift: -0.015}\n");
  const auto& clock = std::get<ClockFault>(scenario.faults[2]);
  CHECK(clock.replica == 3);
  CHECK(clock.skew == -20 * ms);
  CHECK(clock.drift_ppm == -15'000);
  CHECK(clock.until == 2000 * ms);
  CHECK(fault_to_yaml(scenario.faults[2]) == "{type: clock, node: 3, at: 1s, until: 2s, skew: -20ms, drift: -0.015}");
  auto again = load_scenario_string(scenario_to_yaml(scenario, ""), "again.yaml", {});
  REQUIRE(again.has_value());
  CHECK(*again == scenario);

  CHECK(load_error("  - {type: clock, node: 1, at: 1s}\n") ==
        "test.yaml:14:5: faults[2]: a clock fault needs a nonzero skew or drift");
  CHECK(load_error("  - {type: clock, node: 1, at: 1s, drift: 0.6}\n") ==
        "test.yaml:14:43: faults[2].drift: drift must be between -0.5 and 0.5, got 0.6");
  CHECK(load_error("  - {type: clock, node: 1, at: 1s, skew: -x}\n") ==
        "test.yaml:14:42: faults[2].skew: " + parse_duration("x").error().message);
  CHECK(load_error("  - {type: clock, node: 1, at: 1s, skew: 5ms, lag: 1}\n") ==
        "test.yaml:14:47: faults[2].lag: unknown key for a clock fault (known: type, node, at, until, skew, drift)");
  CHECK(load_error("  - {type: clock, node: 4, at: 1s, skew: 5ms}\n") ==
        "test.yaml:14:25: faults[2].node: node 4 is out of range (replicas: 4, so 0..3)");
}

}  // namespace
}  // namespace bftsim::test_sim_net_node_clock_test
