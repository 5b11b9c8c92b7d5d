// Tests for faults that act on messages already on the wire: a partition or
// cut that starts drops what is in flight across it (VirtualNetwork::
// dropped_in_flight), unless it says `in_flight: deliver`; the loader reads
// the key and names the place of a bad value.
#include "sim/net/network.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_in_flight_test {
namespace {

constexpr std::uint64_t seed = 5;
constexpr std::uint32_t replica_count = 4;

NetworkConfig constant_network(Duration latency) {
  NetworkConfig config;
  config.latency = LatencyDistribution{.kind = DistributionKind::constant, .value = latency, .min = 0, .max = 0};
  return config;
}

TEST_CASE("a partition that starts drops the messages on the wire across it, even after it heals") {
  // Goal: the rule "a partition that starts drops what is still on the wire".
  // Method: constant 10ms latency; at 0 send 0->1 (across the coming
  // partition {0} | {1,2,3}), 2->3 (inside a group) and 0->4 (to a client);
  // at 5ms the partition starts, at 7ms it heals; at 10ms the arrivals are
  // judged: only 0->1 is dropped. A message sent after the heal is not.
  VirtualNetwork network(constant_network(10 * ns_per_ms), seed, replica_count);
  const LinkOutcome across = network.route(0, 1, 0);
  const LinkOutcome inside = network.route(2, 3, 0);
  const LinkOutcome client = network.route(0, 4, 0);
  REQUIRE_FALSE(across.lost);
  CHECK_FALSE(network.dropped_in_flight(0, 1, across.sequence));  // no partition yet
  network.set_partition(1, {{0}, {1, 2, 3}});
  CHECK(network.dropped_in_flight(0, 1, across.sequence));
  CHECK_FALSE(network.dropped_in_flight(2, 3, inside.sequence));
  CHECK_FALSE(network.dropped_in_flight(0, 4, client.sequence));
  const LinkOutcome during = network.route(1, 0, 6 * ns_per_ms);
  CHECK(during.lost);  // judged at send, as before
  network.clear_partition(1);
  CHECK(network.dropped_in_flight(0, 1, across.sequence));  // healed, but it was on the wire at the start
  const LinkOutcome after = network.route(0, 1, 8 * ns_per_ms);
  REQUIRE_FALSE(after.lost);
  CHECK(after.sequence > across.sequence);
  CHECK_FALSE(network.dropped_in_flight(0, 1, after.sequence));
}

TEST_CASE("in_flight: deliver keeps the messages on the wire; a cut drops only its direction") {
  // Goal: the scenario can opt out, and a one-way cut acts on one direction.
  // Method: send 0->1 and 1->0; a partition with in_flight: deliver drops
  // neither; a cut 0->1 (default drop) drops only 0->1, and a second cut with
  // deliver adds nothing for 1->0.
  VirtualNetwork network(constant_network(10 * ns_per_ms), seed, replica_count);
  const LinkOutcome forward = network.route(0, 1, 0);
  const LinkOutcome back = network.route(1, 0, 0);
  network.set_partition(1, {{0}, {1, 2, 3}}, InFlight::deliver);
  CHECK_FALSE(network.dropped_in_flight(0, 1, forward.sequence));
  CHECK_FALSE(network.dropped_in_flight(1, 0, back.sequence));
  network.clear_partition(1);
  network.set_cut(2, 1, 0, InFlight::deliver);
  network.set_cut(3, 0, 1);
  CHECK(network.dropped_in_flight(0, 1, forward.sequence));
  CHECK_FALSE(network.dropped_in_flight(1, 0, back.sequence));
}

constexpr std::string_view base_yaml = R"(name: in-flight
description: A partition starts while messages are on the wire.
seed: 3
duration: 3s
replicas: 4
faulty: 1
crypto: fast
network: {latency: {distribution: constant, value: 20ms}}
protocol: {view_timeout: 300ms}
clients: {count: 2}
expect: {safety: holds, liveness: holds, within: 1s}
)";

Scenario load(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

std::uint64_t dropped(const RunReport& report) {
  std::uint64_t total = 0;
  for (const MessageCounters& counters : report.messages) total += counters.dropped;
  return total;
}

TEST_CASE("a run drops the in-flight messages of a partition unless it says deliver") {
  // Goal: the simulation asks the network at each delivery. Method: the same
  // run with a 1ms partition isolating replica 3 (20ms latency, so every
  // message it exchanged in the 20ms before is on the wire), once with the
  // default and once with in_flight: deliver. Sending during the 1ms window
  // loses the same messages in both; only the default drops more.
  const std::string partition = "faults:\n  - {type: partition, groups: [[3]], at: 1s, until: 1001ms";
  const Scenario dropping = load(partition + "}\n");
  const Scenario delivering = load(partition + ", in_flight: deliver}\n");
  CHECK(std::get<PartitionFault>(dropping.faults[0]).in_flight == InFlight::drop);
  CHECK(std::get<PartitionFault>(delivering.faults[0]).in_flight == InFlight::deliver);
  Simulation a(dropping, {.seed = 3});
  Simulation b(delivering, {.seed = 3});
  const RunReport with_drop = a.run();
  const RunReport with_deliver = b.run();
  CHECK(with_drop.as_expected);
  CHECK(with_deliver.as_expected);
  CHECK(dropped(with_drop) > dropped(with_deliver));
  CHECK(with_drop.trace_hash != with_deliver.trace_hash);
}

TEST_CASE("the loader reads in_flight on partitions, cuts and random partitions and rejects other values") {
  // Goal: the key is where the schema says, with file:line:column errors.
  // Method: load each form; a bad value and the key on a crash fault fail.
  CHECK(std::get<CutFault>(load("faults: [{type: cut, from: 0, to: 1, at: 1s, in_flight: deliver}]\n").faults[0])
            .in_flight == InFlight::deliver);
  CHECK(load("random_faults: {partitions: {mean_interval: 1s, mean_duration: 1s, in_flight: deliver}}\n")
            .random_faults.partitions->in_flight == InFlight::deliver);
  auto bad = load_scenario_string(std::string(base_yaml) + "faults: [{type: cut, from: 0, to: 1, at: 1s, in_flight: maybe}]\n",
                                  "test.yaml", {});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "test.yaml:12:57: faults[0].in_flight: unknown in_flight \"maybe\" (known: drop, deliver)");
  auto crash = load_scenario_string(std::string(base_yaml) + "faults: [{type: crash, node: 0, at: 1s, in_flight: drop}]\n",
                                    "test.yaml", {});
  REQUIRE_FALSE(crash.has_value());
  CHECK(crash.error().message ==
        "test.yaml:12:41: faults[0].in_flight: unknown key for a crash fault (known: type, node, at, at_view)");
}

}  // namespace
}  // namespace bftsim::test_sim_net_in_flight_test
