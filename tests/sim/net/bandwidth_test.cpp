// Tests for link bandwidth (network.bandwidth and a link fault's
// bandwidth): a message waits for the bytes queued before it on its link,
// then takes size / bandwidth, then its latency; links queue separately; in
// a run, bigger blocks on a thin network commit later, and a run repeats
// at its seed. Loader errors too.
#include "sim/net/network.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_bandwidth_test {
namespace {

constexpr Duration ms = ns_per_ms;

NetworkConfig thin_network() {
  NetworkConfig config;
  config.latency = LatencyDistribution{.kind = DistributionKind::constant, .value = 1 * ms, .min = 0, .max = 0};
  config.bandwidth = Rate{1000, ns_per_s};  // 1000 bytes per second: 1 byte per ms
  return config;
}

TEST_CASE("bandwidth delays a message by size / bandwidth and queues the next behind it") {
  // Goal: the transmitter is one queue per directed link. Method: 1000 B/s
  // and 1ms latency: 500 bytes at 0 arrive at 501ms; 250 bytes sent at 0
  // behind them at 751ms; 500 bytes on 0->2 at 501ms (its own queue); after
  // the queue drains, 100 bytes at 2s take 101ms.
  VirtualNetwork network(thin_network(), 1, 4);
  CHECK(network.route(0, 1, 0, 500).delays == std::vector<Duration>{501 * ms});
  CHECK(network.route(0, 1, 0, 250).delays == std::vector<Duration>{751 * ms});
  CHECK(network.route(0, 2, 0, 500).delays == std::vector<Duration>{501 * ms});
  CHECK(network.route(1, 0, 100 * ms, 10).delays == std::vector<Duration>{11 * ms});
  CHECK(network.route(0, 1, 2000 * ms, 100).delays == std::vector<Duration>{101 * ms});
  CHECK(VirtualNetwork::transmit_time(3, Rate{2, 1 * ns_per_s}) == 1500 * ms);
  CHECK(VirtualNetwork::transmit_time(1, Rate{3, 1}) == 1);  // rounded up
}

TEST_CASE("a link fault's bandwidth overrides the network's on its link while active") {
  // Goal: per-link bandwidth, in both directions with both: true. Method:
  // 10000 B/s on 0<->1: 500 bytes take 50ms there, 500ms on 0->2; without
  // any bandwidth the delay is the latency alone.
  VirtualNetwork network(thin_network(), 1, 4);
  network.set_link_fault(0, LinkFault{.from = 0, .to = 1, .both = true, .bandwidth = Rate{10'000, ns_per_s}});
  CHECK(network.route(0, 1, 0, 500).delays == std::vector<Duration>{51 * ms});
  CHECK(network.route(1, 0, 0, 500).delays == std::vector<Duration>{51 * ms});
  CHECK(network.route(0, 2, 0, 500).delays == std::vector<Duration>{501 * ms});
  network.clear_link_fault(0);
  CHECK(network.route(0, 1, 1000 * ms, 500).delays == std::vector<Duration>{501 * ms});
  NetworkConfig unlimited = thin_network();
  unlimited.bandwidth.reset();
  VirtualNetwork fast(unlimited, 1, 4);
  CHECK(fast.route(0, 1, 0, 1'000'000).delays == std::vector<Duration>{1 * ms});
}

// The memory engine: these runs are about the network, and the LSM of 4 KiB
// values was most of their time under ASan.
constexpr std::string_view base_yaml = R"(name: bandwidth
description: Block size against a thin network.
seed: 2
duration: 2s
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 2s, view_timeout_max: 4s}
clients: {count: 4, outstanding: 25}
storage: {engine: memory}
expect: {safety: holds, liveness: holds}
)";

RunReport run(const std::vector<std::string>& overrides, std::uint64_t seed = 2) {
  auto scenario = load_scenario_string(base_yaml, "test.yaml", overrides);
  REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
  Simulation simulation(*scenario, {.seed = seed});
  return simulation.run();
}

TEST_CASE("on a thin network block size matters") {
  // Goal: bandwidth makes big blocks slow. Method: 2 MB/s; 16-byte values
  // commit about as much as with no bandwidth limit, 4 KiB values far less
  // (every proposal carries up to 100 of them to three peers).
  const RunReport unlimited = run({"clients.value_size=4096"});
  const RunReport small = run({"network.bandwidth=2000000/s"});
  const RunReport large = run({"network.bandwidth=2000000/s", "clients.value_size=4096"});
  CHECK(unlimited.as_expected);
  CHECK(small.as_expected);
  CHECK(large.safety == Verdict::holds);
  CHECK(large.committed_op_count * 3 < unlimited.committed_op_count);
  CHECK(small.committed_op_count * 2 > unlimited.committed_op_count);
}

TEST_CASE("a bandwidth-limited run repeats at its seed") {
  // Goal: the queues keep runs deterministic. Method: the thin-network run
  // with big values twice at seed 2 and once at seed 3.
  const std::vector<std::string> thin{"network.bandwidth=2000000/s", "clients.value_size=4096"};
  const RunReport a = run(thin);
  const RunReport b = run(thin);
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.event_count == b.event_count);
  CHECK(a.committed_op_count == b.committed_op_count);
  CHECK(run(thin, 3).trace_hash != a.trace_hash);
}

std::string load_error(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

TEST_CASE("the loader reads bandwidth on the network and on link faults and rejects bad values") {
  // Goal: a rate > 0, at its place; the writer round-trips it. Method: load,
  // write, reload; then one bad value per case.
  auto scenario = load_scenario_string(std::string(base_yaml) + "network: {bandwidth: 12500/s}\n"
                                           "faults: [{type: link, from: 0, to: 1, at: 1s, bandwidth: 100/s}]\n",
                                       "test.yaml", {});
  REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
  CHECK(scenario->network.bandwidth == Rate{12'500, ns_per_s});
  CHECK(std::get<LinkFault>(scenario->faults[0]).bandwidth == Rate{100, ns_per_s});
  auto again = load_scenario_string(scenario_to_yaml(*scenario, ""), "again.yaml", {});
  REQUIRE(again.has_value());
  CHECK(*again == *scenario);
  CHECK(load_error("network: {bandwidth: 0/s}\n") == "test.yaml:12:22: network.bandwidth: rate must be > 0");
  CHECK(load_error("network: {bandwidth: fast}\n") ==
        "test.yaml:12:22: network.bandwidth: invalid rate \"fast\": " + parse_rate("fast").error().message);
  CHECK(load_error("faults: [{type: link, from: 0, to: 1, at: 1s, bandwidth: -5/s}]\n")
            .starts_with("test.yaml:12:58: faults[0].bandwidth: invalid rate \"-5/s\""));
}

}  // namespace
}  // namespace bftsim::test_sim_net_bandwidth_test
