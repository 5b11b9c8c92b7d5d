// Scenario tests for the fault schedule's link faults, clogs and random
// partitions: small scenarios loaded with load_scenario_string and run with
// Simulation (fast crypto, a few virtual seconds), plus the loader's errors
// for the new keys, each with its file:line:column.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/net/network.h"
#include "sim/net/fault_schedule.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"
#include "sim/units.h"

namespace bftsim::test_sim_net_fault_schedule_test {
namespace {

// Four replicas, two closed-loop clients, short timeouts; `extra` is
// appended (faults, random_faults).
constexpr std::string_view base_yaml = R"(name: faults
description: Link faults, clogs and random partitions.
seed: 3
duration: 4s
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 200ms, view_timeout_max: 800ms}
clients: {count: 2}
expect: {safety: holds, liveness: holds, within: 1s}
)";

Scenario load(std::string_view extra, const std::vector<std::string>& overrides = {}) {
  const std::string text = std::string(base_yaml) + std::string(extra);
  auto loaded = load_scenario_string(text, "test.yaml", overrides);
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

std::string load_error(std::string_view extra, const std::vector<std::string>& overrides = {}) {
  const std::string text = std::string(base_yaml) + std::string(extra);
  auto loaded = load_scenario_string(text, "test.yaml", overrides);
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

RunReport run(const Scenario& scenario, std::uint64_t seed) {
  Simulation simulation(scenario, SimulationOptions{.seed = seed});
  return simulation.run();
}

MessageCounters total_messages(const RunReport& report) {
  MessageCounters total;
  for (const MessageCounters& counters : report.messages) {
    total.sent += counters.sent;
    total.delivered += counters.delivered;
    total.dropped += counters.dropped;
    total.duplicated += counters.duplicated;
  }
  return total;
}

// The longest time between two new decided heights (first commit of each).
Duration longest_commit_gap(const RunReport& report) {
  std::map<Height, Instant> first;
  for (const CommitRow& row : report.commits) {
    auto [it, inserted] = first.emplace(row.height, row.committed_at);
    if (!inserted) it->second = std::min(it->second, row.committed_at);
  }
  Duration longest = 0;
  Instant previous = 0;
  for (const auto& [height, at] : first) {
    longest = std::max(longest, at - previous);
    previous = at;
  }
  return longest;
}

TEST_CASE("clogging every link into a leader for 1s forces a view change and loses nothing") {
  // Goal: a clog delays, never drops. Method: clog 1->0, 2->0 and 3->0 over
  // [1s, 2s); replica 0 leads every fourth view and cannot gather what it
  // needs, so a view times out; the fault-free run has no view change; no
  // message is counted dropped and commits continue.
  const Scenario plain = load("");
  const Scenario clogged = load(R"(faults:
  - {type: clog, from: 1, to: 0, at: 1s, until: 2s}
  - {type: clog, from: 2, to: 0, at: 1s, until: 2s}
  - {type: clog, from: 3, to: 0, at: 1s, until: 2s}
)");
  const RunReport before = run(plain, 3);
  const RunReport after = run(clogged, 3);
  CHECK(before.view_changes.empty());
  REQUIRE_FALSE(after.view_changes.empty());
  bool leader_0_failed = false;
  for (const ViewChangeRow& change : after.view_changes) {
    CHECK(change.first_timeout >= 1 * ns_per_s);
    CHECK(change.first_timeout <= 3 * ns_per_s);
    if (change.failed_view % 4 == 0) leader_0_failed = true;
  }
  CHECK(leader_0_failed);
  CHECK(total_messages(before).dropped == 0);
  CHECK(total_messages(after).dropped == 0);
  CHECK(after.safety == Verdict::holds);
  CHECK(after.liveness == Verdict::holds);
  CHECK(after.as_expected);
  CHECK(after.decided_height > 10);
}

TEST_CASE("loss 1.0 on every link out of one replica behaves like its crash") {
  // Goal: a silenced replica is a crash as far as safety and progress go.
  // Method: link faults with loss 1 on 1->0, 1->2 and 1->3 for the whole run
  // against a crash of replica 1 at 0s; both stay safe, keep committing, and
  // only views led by replica 1 fail.
  const Scenario silenced = load(R"(faults:
  - {type: link, from: 1, to: 0, at: 0s, loss: 1}
  - {type: link, from: 1, to: 2, at: 0s, loss: 1}
  - {type: link, from: 1, to: 3, at: 0s, loss: 1}
)");
  const Scenario crashed = load("faults:\n  - {type: crash, node: 1, at: 0s}\n");
  for (const Scenario* scenario : {&silenced, &crashed}) {
    const RunReport report = run(*scenario, 5);
    CAPTURE(fault_type_name(scenario->faults[0]));
    CHECK(report.safety == Verdict::holds);
    CHECK(report.liveness == Verdict::holds);
    CHECK(report.decided_height > 10);
    REQUIRE_FALSE(report.view_changes.empty());
    for (const ViewChangeRow& change : report.view_changes) CHECK(change.failed_view % 4 == 1);
    CHECK(total_messages(report).dropped > 0);
  }
}

constexpr std::string_view random_partitions_yaml = R"(random_faults:
  partitions: {mean_interval: 500ms, mean_duration: 300ms, start: 500ms, stop: 3s}
faults:
  - {type: crash, node: 3, at: 100ms}
  - {type: restart, node: 3, at: 200ms}
)";

TEST_CASE("random partitions depend only on the run seed") {
  // Goal: a sweep's random partitions are reproducible per seed. Method:
  // build the schedule twice for seed 7 and once for seed 8; the scripted
  // faults come first and unchanged; whole runs repeat their trace hash.
  const Scenario scenario = load(random_partitions_yaml);
  const std::vector<Fault> first = fault_schedule(scenario, 7);
  const std::vector<Fault> again = fault_schedule(scenario, 7);
  const std::vector<Fault> other = fault_schedule(scenario, 8);
  CHECK(first == again);
  CHECK(first != other);
  REQUIRE(first.size() > 2);
  CHECK(first[0] == scenario.faults[0]);
  CHECK(first[1] == scenario.faults[1]);
  for (std::size_t i = 2; i < first.size(); ++i) {
    const auto* partition = std::get_if<PartitionFault>(&first[i]);
    REQUIRE(partition != nullptr);
    CHECK(partition->at >= 500 * ns_per_ms);
    CHECK(partition->until <= 3 * ns_per_s);
    REQUIRE(partition->groups.size() == 1);
    CHECK(partition->groups[0].size() == 1);  // max_isolated defaults to faulty: 1
  }
  const RunReport run_a = run(scenario, 7);
  const RunReport run_b = run(scenario, 7);
  const RunReport run_c = run(scenario, 8);
  CHECK(run_a.trace_hash == run_b.trace_hash);
  CHECK(run_a.trace_hash != run_c.trace_hash);
  CHECK(run_a.as_expected);
  CHECK(run_c.as_expected);
}

// The first seed whose random partitions isolate two replicas (so no quorum
// is left) for longer than `length`.
std::uint64_t seed_with_long_stall(const Scenario& scenario, Duration length) {
  for (std::uint64_t seed = 1; seed < 1000; ++seed)
    for (const PartitionFault& partition :
         random_partition_schedule(*scenario.random_faults.partitions, seed, scenario.replica_count))
      if (partition.groups[0].size() == 2 && *partition.until - partition.at > length) return seed;
  FAIL("no seed below 1000 has such a partition");
  return 0;
}

TEST_CASE("the liveness verdict takes the end of the last random partition as GST") {
  // Goal: GST includes the generated partitions. Method: random partitions
  // of up to 2 of 4 replicas; pick a seed where one stalls commits for more
  // than `within` (1s). The run still holds liveness, because the stall is
  // before GST. Then crash replicas 2 and 3 for good at 0s: liveness fails,
  // and the violation names the last random partition's end as GST.
  const Scenario scenario = load(R"(random_faults:
  partitions: {mean_interval: 400ms, mean_duration: 1500ms, start: 200ms, stop: 3s, max_isolated: 2}
)", {"duration=6s"});
  const std::uint64_t seed = seed_with_long_stall(scenario, 1200 * ns_per_ms);
  CAPTURE(seed);
  const RunReport report = run(scenario, seed);
  CHECK(longest_commit_gap(report) > scenario.expect.within);
  CHECK(report.liveness == Verdict::holds);
  CHECK(report.as_expected);

  const Scenario stuck = load(R"(random_faults:
  partitions: {mean_interval: 400ms, mean_duration: 1500ms, start: 200ms, stop: 3s, max_isolated: 2}
faults:
  - {type: crash, node: 2, at: 0s}
  - {type: crash, node: 3, at: 0s}
)", {"duration=6s", "expect.liveness=violated"});
  const std::vector<Fault> schedule = fault_schedule(stuck, seed);
  REQUIRE(schedule.size() > 2);
  const Instant last_end = *fault_until(schedule.back());
  CHECK(last_end > 1 * ns_per_s);
  const RunReport stuck_report = run(stuck, seed);
  CHECK(stuck_report.liveness == Verdict::violated);
  REQUIRE(stuck_report.liveness_violation.has_value());
  const std::string& detail = stuck_report.liveness_violation->detail;
  CAPTURE(detail);
  CHECK(detail.find("after the last fault ended at " + format_duration(last_end) + ";") != std::string::npos);
}

TEST_CASE("link, clog and random_faults load with their defaults and --set") {
  // Goal: the YAML forms reach the structs. Method: load one of each and
  // compare fields; stop defaults to the duration, max_isolated to faulty;
  // --set edits a fault's latency and the partitions map.
  const std::string_view yaml = R"(faults:
  - {type: link, from: 0, to: 1, at: 1s, until: 2s, loss: 0.25, latency: {distribution: constant, value: 30ms}, duplicate: 0.5}
  - {type: link, from: 2, to: 3, both: true, at: 1s, loss: 1}
  - {type: clog, from: 1, to: 2, both: true, at: 500ms, until: 1.5s}
random_faults:
  partitions: {mean_interval: 2s, mean_duration: 500ms}
)";
  const Scenario scenario = load(yaml);
  REQUIRE(scenario.faults.size() == 3);
  LinkFault link_0;
  link_0.from = 0;
  link_0.to = 1;
  link_0.at = 1 * ns_per_s;
  link_0.until = 2 * ns_per_s;
  link_0.loss_ppm = 250'000;
  link_0.latency = LatencyDistribution{.kind = DistributionKind::constant, .value = 30 * ns_per_ms, .min = 0, .max = 0};
  link_0.duplicate_ppm = 500'000;
  CHECK(scenario.faults[0] == Fault{link_0});
  LinkFault link_1;
  link_1.from = 2;
  link_1.to = 3;
  link_1.both = true;
  link_1.at = 1 * ns_per_s;
  link_1.loss_ppm = 1'000'000;
  CHECK(scenario.faults[1] == Fault{link_1});
  CHECK(scenario.faults[2] ==
        Fault{ClogFault{.from = 1, .to = 2, .both = true, .at = 500 * ns_per_ms, .until = 1500 * ns_per_ms}});
  CHECK(fault_type_name(scenario.faults[0]) == "link");
  CHECK(fault_type_name(scenario.faults[2]) == "clog");
  CHECK(fault_until(scenario.faults[1]) == std::nullopt);
  CHECK(fault_until(scenario.faults[2]) == 1500 * ns_per_ms);
  REQUIRE(scenario.random_faults.partitions.has_value());
  CHECK(*scenario.random_faults.partitions == RandomPartitionsConfig{.mean_interval = 2 * ns_per_s,
                                                                     .mean_duration = 500 * ns_per_ms,
                                                                     .start = 0,
                                                                     .stop = 4 * ns_per_s,
                                                                     .isolated_count_max = 1});
  const Scenario edited = load(yaml, {"faults[0].latency.value=40ms", "random_faults.partitions.max_isolated=3",
                                      "random_faults.partitions.stop=3s"});
  CHECK(std::get<LinkFault>(edited.faults[0]).latency->value == 40 * ns_per_ms);
  CHECK(edited.random_faults.partitions->isolated_count_max == 3);
  CHECK(edited.random_faults.partitions->stop == 3 * ns_per_s);
  CHECK_FALSE(load("").random_faults.partitions.has_value());
}

TEST_CASE("the loader rejects bad link, clog and random_faults entries at their place") {
  // Goal: every new constraint fails with file:line:column and key path.
  // Method: one broken entry per case after the 10-line base scenario.
  CHECK(load_error("faults:\n  - {type: clog, from: 1, to: 0, at: 1s, until: 2s, loss: 0.5}\n") ==
        "test.yaml:12:53: faults[0].loss: unknown key for a clog fault (known: type, from, to, both, at, until, at_view, until_view, types, views)");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 1s, jitter: 2ms}\n") ==
        "test.yaml:12:42: faults[0].jitter: unknown key for a link fault (known: type, from, to, both, at, until, "
        "loss, latency, duplicate, bandwidth, at_view, until_view, types, views)");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 2s, until: 1s, loss: 0.5}\n") ==
        "test.yaml:12:49: faults[0].until: until 1s must be after at 2s");
  CHECK(load_error("faults:\n  - {type: clog, from: 1, to: 0, at: 2s, until: 2s}\n") ==
        "test.yaml:12:49: faults[0].until: until 2s must be after at 2s");
  CHECK(load_error("faults:\n  - {type: clog, from: 1, to: 0, at: 1s}\n") ==
        "test.yaml:12:5: faults[0].until: missing required key (in the map faults[0])");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 1s, loss: 1.5}\n") ==
        "test.yaml:12:48: faults[0].loss: probability must be between 0 and 1, got 1.5");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 1s, duplicate: 2}\n") ==
        "test.yaml:12:53: faults[0].duplicate: probability must be between 0 and 1, got 2");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 4, at: 1s, loss: 0.5}\n") ==
        "test.yaml:12:31: faults[0].to: node 4 is out of range (replicas: 4, so 0..3)");
  CHECK(load_error("faults:\n  - {type: clog, from: 7, to: 0, at: 1s, until: 2s}\n") ==
        "test.yaml:12:24: faults[0].from: node 7 is out of range (replicas: 4, so 0..3)");
  CHECK(load_error("faults:\n  - {type: clog, from: 2, to: 2, at: 1s, until: 2s}\n") ==
        "test.yaml:12:31: faults[0].to: from and to are the same node (2)");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, both: yes, at: 1s, loss: 0}\n") ==
        "test.yaml:12:40: faults[0].both: unknown boolean \"yes\" (known: true, false)");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 1s}\n") ==
        "test.yaml:12:5: faults[0]: a link fault needs at least one of loss, latency, duplicate, bandwidth");
  CHECK(load_error("faults:\n  - {type: link, from: 1, to: 0, at: 1s, latency: {distribution: constant}}\n") ==
        "test.yaml:12:51: faults[0].latency.value: missing required key (in the map faults[0].latency)");

  CHECK(load_error("random_faults: {storms: {}}\n") ==
        "test.yaml:11:17: random_faults.storms: unknown key (known: partitions, disk, crashes, cuts, drops, clogs, "
        "duplicates, clocks, byzantine, swarm)");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 1s, mean_duration: 1s, jitter: 2}\n") ==
        "test.yaml:12:54: random_faults.partitions.jitter: unknown key (known: mean_interval, mean_duration, "
        "start, stop, max_isolated, in_flight)");
  CHECK(load_error("random_faults:\n  partitions: {mean_duration: 1s}\n") ==
        "test.yaml:12:15: random_faults.partitions.mean_interval: missing required key (in the map "
        "random_faults.partitions)");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 0s, mean_duration: 1s}\n") ==
        "test.yaml:12:31: random_faults.partitions.mean_interval: must be > 0");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 1s, mean_duration: 1s, start: 3s, stop: 2s}\n") ==
        "test.yaml:12:71: random_faults.partitions.stop: stop 2s must be after start 3s");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 1s, mean_duration: 1s, start: 5s}\n") ==
        "test.yaml:12:61: random_faults.partitions.start: stop 4s must be after start 5s (the default stop is "
        "the run's duration)");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 1s, mean_duration: 1s, max_isolated: 4}\n") ==
        "test.yaml:12:68: random_faults.partitions.max_isolated: must be between 1 and 3, got 4");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 1s, mean_duration: 1s}\n", {"faulty=0"}) ==
        "test.yaml:12:15: random_faults.partitions.max_isolated: missing, and its default (faulty) is 0: give 1..3");
  CHECK(load_error("random_faults:\n  partitions: {mean_interval: 100us, mean_duration: 100us}\n") ==
        "test.yaml:12:15: random_faults.partitions: would make about 20000 partitions between start and stop; at "
        "most 10000 (raise mean_interval or mean_duration)");
  CHECK(load_error("", {"random_faults.partitions.stop=1s"}) ==
        "--set random_faults.partitions.stop: random_faults.partitions.mean_interval: missing required key (in "
        "the map random_faults.partitions)");
}

}  // namespace
}  // namespace bftsim::test_sim_net_fault_schedule_test
