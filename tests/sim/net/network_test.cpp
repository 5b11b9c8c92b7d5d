// Tests for sim/net/network.h: link faults override loss, latency and duplication
// only on their links and only while active, without shifting any link's
// draws; clogs hold messages and release them in order; cuts and partitions
// block and lift; random partition schedules are well formed.
#include "sim/net/network.h"
#include "sim/net/fault_schedule.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "sim/event_queue.h"

namespace bftsim::test_sim_net_network_test {
namespace {

constexpr std::uint64_t seed = 99;
constexpr std::uint32_t replica_count = 4;

NetworkConfig uniform_network() {
  NetworkConfig config;
  config.latency = LatencyDistribution{.kind = DistributionKind::uniform, .min = 1 * ns_per_ms, .max = 5 * ns_per_ms};
  return config;
}

LatencyDistribution constant_latency(Duration value) {
  return LatencyDistribution{.kind = DistributionKind::constant, .value = value, .min = 0, .max = 0};
}

// One message's fate, comparable: nullopt when lost, else its first delay.
std::optional<Duration> first_delay(const LinkOutcome& outcome) {
  if (outcome.lost) return std::nullopt;
  REQUIRE(!outcome.delays.empty());
  return outcome.delays.front();
}

// Sends `count` messages on each of `links` in turn (message i at i ms) and
// records each link's fates. `before(i, network)` runs before message i.
template <typename Before>
std::vector<std::vector<std::optional<Duration>>> send_rounds(VirtualNetwork& network,
                                                              const std::vector<std::pair<EndpointIndex, EndpointIndex>>& links,
                                                              int count, Before before) {
  std::vector<std::vector<std::optional<Duration>>> fates(links.size());
  for (int i = 0; i < count; ++i) {
    before(i, network);
    for (std::size_t l = 0; l < links.size(); ++l)
      fates[l].push_back(first_delay(network.route(links[l].first, links[l].second, i * ns_per_ms)));
  }
  return fates;
}

const std::vector<std::pair<EndpointIndex, EndpointIndex>> three_links = {{0, 1}, {1, 0}, {2, 3}};

TEST_CASE("a link fault changes latency only on its link and only in its window") {
  // Goal: an override touches only from -> to, only while set, and shifts no
  // draw. Method: route 30 messages on 0->1, 1->0 and 2->3 in two networks,
  // one with a constant 50ms latency override on 0->1 for messages 10..19;
  // compare the delay sequences message by message.
  VirtualNetwork plain(uniform_network(), seed, replica_count);
  VirtualNetwork faulty(uniform_network(), seed, replica_count);
  const auto none = [](int, VirtualNetwork&) {};
  const auto window = [](int i, VirtualNetwork& network) {
    if (i == 10) network.set_link_fault(7, LinkFault{.from = 0, .to = 1, .latency = constant_latency(50 * ns_per_ms)});
    if (i == 20) network.clear_link_fault(7);
  };
  const auto expected = send_rounds(plain, three_links, 30, none);
  const auto got = send_rounds(faulty, three_links, 30, window);
  CHECK(got[1] == expected[1]);  // the reverse direction
  CHECK(got[2] == expected[2]);  // an unrelated link
  for (int i = 0; i < 30; ++i) {
    CAPTURE(i);
    REQUIRE(expected[0][i].has_value());
    CHECK(*expected[0][i] != 50 * ns_per_ms);  // uniform 1..5ms: the override is visible
    if (i >= 10 && i < 20) {
      CHECK(got[0][i] == 50 * ns_per_ms);
    } else {
      CHECK(got[0][i] == expected[0][i]);  // before, and after: no draw was shifted
    }
  }
}

TEST_CASE("a link fault's loss applies in its window and keeps the network's latency") {
  // Goal: only the keys given override; loss draws are coupled, not shifted.
  // Method: loss 0.5 on 0->1 (both: true covers 1->0) for messages 0..99,
  // then loss 1.0 for 100..149; survivors keep the plain network's delays,
  // about half are lost, then all, then none, and 2->3 never changes.
  VirtualNetwork plain(uniform_network(), seed, replica_count);
  VirtualNetwork faulty(uniform_network(), seed, replica_count);
  const auto none = [](int, VirtualNetwork&) {};
  const auto window = [](int i, VirtualNetwork& network) {
    if (i == 0) network.set_link_fault(0, LinkFault{.from = 0, .to = 1, .both = true, .loss_ppm = 500'000});
    if (i == 100) network.set_link_fault(1, LinkFault{.from = 0, .to = 1, .loss_ppm = 1'000'000});
    if (i == 150) {
      network.clear_link_fault(0);
      network.clear_link_fault(1);
    }
  };
  const auto expected = send_rounds(plain, three_links, 200, none);
  const auto got = send_rounds(faulty, three_links, 200, window);
  CHECK(got[2] == expected[2]);
  for (std::size_t direction = 0; direction < 2; ++direction) {
    int lost_half = 0;
    for (int i = 0; i < 100; ++i) {
      if (!got[direction][i]) {
        ++lost_half;
      } else {
        CHECK(got[direction][i] == expected[direction][i]);
      }
    }
    CHECK(lost_half > 30);
    CHECK(lost_half < 70);
  }
  for (int i = 100; i < 150; ++i) {
    CHECK_FALSE(got[0][i].has_value());  // fault 1 (loss 1.0) wins over fault 0 on 0->1
    if (got[1][i]) CHECK(got[1][i] == expected[1][i]);
  }
  for (int i = 150; i < 200; ++i) {
    CHECK(got[0][i] == expected[0][i]);
    CHECK(got[1][i] == expected[1][i]);
  }
}

TEST_CASE("a link fault's duplicate override duplicates every message on its link") {
  // Goal: duplicate: 1 makes two copies per message; the network's default
  // (0) makes one. Method: route 20 messages with and without the fault.
  VirtualNetwork network(uniform_network(), seed, replica_count);
  for (int i = 0; i < 20; ++i) CHECK(network.route(0, 2, 0).delays.size() == 1);
  network.set_link_fault(3, LinkFault{.from = 0, .to = 2, .duplicate_ppm = 1'000'000});
  for (int i = 0; i < 20; ++i) CHECK(network.route(0, 2, 0).delays.size() == 2);
  CHECK(network.route(2, 0, 0).delays.size() == 1);
}

TEST_CASE("a clog holds messages until it ends and releases them in order") {
  // Goal: clogged messages are not lost; each leaves at `until` with a fresh
  // latency, in sending order; other links and later draws are untouched.
  // Method: clog 0->1 over [0, 100ms); send 5 messages at 10..50ms; push the
  // deliveries into an EventQueue and pop them; compare with an unclogged run.
  NetworkConfig config = uniform_network();
  config.latency = constant_latency(2 * ns_per_ms);
  VirtualNetwork network(config, seed, replica_count);
  network.set_clog(0, ClogFault{.from = 0, .to = 1, .at = 0, .until = 100 * ns_per_ms});
  CHECK(network.clogged_until(0, 1) == 100 * ns_per_ms);
  CHECK_FALSE(network.clogged_until(1, 0).has_value());
  EventQueue<int> queue(100);
  for (int i = 1; i <= 5; ++i) {
    const Instant now = i * 10 * ns_per_ms;
    const LinkOutcome outcome = network.route(0, 1, now);
    REQUIRE_FALSE(outcome.lost);
    CHECK(outcome.held);
    REQUIRE(outcome.delays.size() == 1);
    CHECK(now + outcome.delays[0] == 102 * ns_per_ms);
    queue.push(now + outcome.delays[0], i);
    const LinkOutcome other = network.route(1, 0, now);  // not clogged
    CHECK_FALSE(other.held);
    CHECK(other.delays == std::vector<Duration>{2 * ns_per_ms});
  }
  for (int i = 1; i <= 5; ++i) CHECK(queue.pop().payload == i);
  network.clear_clog(0);
  const LinkOutcome after = network.route(0, 1, 100 * ns_per_ms);
  CHECK_FALSE(after.held);
  CHECK(after.delays == std::vector<Duration>{2 * ns_per_ms});
}

TEST_CASE("a clog with both: true holds both directions and draws fresh latencies") {
  // Goal: release latencies come from the link's distribution, drawn fresh,
  // and the link's own stream is not shifted. Method: uniform 1..5ms; clog
  // 2<->3 until 1s; messages sent at 0 leave in [1s + 1ms, 1s + 5ms] and not
  // all at one time; after the clog, 2->3 matches an unclogged network.
  VirtualNetwork plain(uniform_network(), seed, replica_count);
  VirtualNetwork network(uniform_network(), seed, replica_count);
  network.set_clog(4, ClogFault{.from = 2, .to = 3, .both = true, .at = 0, .until = 1 * ns_per_s});
  std::vector<Duration> released;
  for (int i = 0; i < 20; ++i) {
    for (auto [from, to] : {std::pair<EndpointIndex, EndpointIndex>{2, 3}, {3, 2}}) {
      const LinkOutcome outcome = network.route(from, to, 0);
      plain.route(from, to, 0);
      REQUIRE(outcome.held);
      CHECK(outcome.delays[0] >= 1 * ns_per_s + 1 * ns_per_ms);
      CHECK(outcome.delays[0] <= 1 * ns_per_s + 5 * ns_per_ms);
      released.push_back(outcome.delays[0]);
    }
  }
  std::sort(released.begin(), released.end());
  CHECK(released.front() != released.back());
  network.clear_clog(4);
  for (int i = 0; i < 20; ++i) CHECK(network.route(2, 3, 2 * ns_per_s).delays == plain.route(2, 3, 2 * ns_per_s).delays);
}

TEST_CASE("a clogged message can still be lost, and is then not held") {
  // Goal: loss is judged when the message is sent, clog or not. Method: loss
  // 1.0 on 0->1 plus a clog: every message is lost, none held.
  VirtualNetwork network(uniform_network(), seed, replica_count);
  network.set_clog(0, ClogFault{.from = 0, .to = 1, .at = 0, .until = ns_per_s});
  network.set_link_fault(1, LinkFault{.from = 0, .to = 1, .loss_ppm = 1'000'000});
  for (int i = 0; i < 10; ++i) {
    const LinkOutcome outcome = network.route(0, 1, 0);
    CHECK(outcome.lost);
    CHECK_FALSE(outcome.held);
    CHECK(outcome.delays.empty());
  }
}

TEST_CASE("cuts and partitions block and lift, and shift no draws") {
  // Goal: the older faults still work beside the new ones. Method: a cut
  // 0->1 blocks only that direction; a partition {0} | {1,2,3} blocks both
  // ways across the boundary but not inside it nor to clients; after both
  // clear, 0->1 delays equal an untouched network's.
  VirtualNetwork plain(uniform_network(), seed, replica_count);
  VirtualNetwork network(uniform_network(), seed, replica_count);
  network.set_cut(0, CutFault{.from = 0, .to = 1});
  CHECK(network.route(0, 1, 0).lost);
  CHECK_FALSE(network.route(1, 0, 0).lost);
  network.clear_cut(0);
  network.set_partition(1, {{0}, {1, 2, 3}});
  CHECK(network.route(0, 1, 0).lost);
  CHECK(network.route(2, 0, 0).lost);
  CHECK_FALSE(network.route(2, 3, 0).lost);
  CHECK_FALSE(network.route(0, replica_count, 0).lost);  // a client endpoint
  network.clear_partition(1);
  for (int i = 0; i < 2; ++i) plain.route(0, 1, 0);  // the two 0->1 messages above
  for (int i = 0; i < 20; ++i) CHECK(network.route(0, 1, 0).delays == plain.route(0, 1, 0).delays);
}

TEST_CASE("random partition schedules are ordered, disjoint in time and bounded") {
  // Goal: the generator honours start, stop and max_isolated and never
  // overlaps partitions. Method: draw 200 seeds' schedules for 7 replicas and
  // check every entry; a seed gives the same schedule twice.
  const RandomPartitionsConfig config{.mean_interval = 300 * ns_per_ms,
                                      .mean_duration = 200 * ns_per_ms,
                                      .start = 1 * ns_per_s,
                                      .stop = 9 * ns_per_s,
                                      .isolated_count_max = 3};
  std::size_t total = 0;
  std::vector<std::size_t> isolated_counts(4, 0);
  for (std::uint64_t s = 0; s < 200; ++s) {
    const auto schedule = random_partition_schedule(config, s, 7);
    CHECK(schedule == random_partition_schedule(config, s, 7));
    Instant healed = config.start;
    for (const PartitionFault& partition : schedule) {
      REQUIRE(partition.until.has_value());
      CHECK(partition.at > healed);
      CHECK(*partition.until > partition.at);
      CHECK(*partition.until <= config.stop);
      healed = *partition.until;
      REQUIRE(partition.groups.size() == 1);
      const auto& isolated = partition.groups[0];
      REQUIRE(isolated.size() >= 1);
      REQUIRE(isolated.size() <= 3);
      ++isolated_counts[isolated.size()];
      for (std::size_t i = 0; i < isolated.size(); ++i) {
        CHECK(isolated[i] < 7);
        if (i > 0) CHECK(isolated[i - 1] < isolated[i]);
      }
    }
    total += schedule.size();
  }
  // About (9s - 1s) / 500ms = 16 per seed.
  CHECK(total > 200 * 10);
  CHECK(total < 200 * 22);
  for (std::size_t k = 1; k <= 3; ++k) CHECK(isolated_counts[k] > total / 5);
}

}  // namespace
}  // namespace bftsim::test_sim_net_network_test
