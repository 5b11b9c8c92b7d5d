// Tests for the swarm-style random fault families (sim/net/random_faults.h):
// every family's schedule is well formed over many seeds, one family's
// faults never move when another family is added, the random Byzantine
// choice stays within its bound, and writing a seed's random faults out as
// entries (what bisect does) replays the same run.
#include "sim/net/random_faults.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/net/fault_schedule.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_random_faults_test {
namespace {

constexpr Duration ms = ns_per_ms;
constexpr std::uint32_t replica_count = 7;
const RandomWindows windows{.mean_interval = 300 * ms, .mean_duration = 200 * ms, .start = 1000 * ms, .stop = 9000 * ms};

void check_window(Instant at, std::optional<Instant> until) {
  CHECK(at > windows.start);
  CHECK(at < windows.stop);
  REQUIRE(until.has_value());
  CHECK(*until > at);
  CHECK(*until <= windows.stop);
}

TEST_CASE("window families draw well-formed cuts, drops, clogs, duplicates and clock faults") {
  // Goal: each window lies in [start, stop], links have distinct ends, drop
  // types come from the configured set, clock values from their bounds.
  // Method: 100 seeds per family; about (9s - 1s) / 300ms = 27 windows each.
  const std::uint32_t types = 0b110;  // vote, timeout
  std::size_t total = 0;
  std::set<std::uint32_t> masks;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    Rng cut_rng = Rng::stream(seed, "cuts");
    for (const CutFault& cut : random_cut_schedule(windows, cut_rng, replica_count)) {
      check_window(cut.at, cut.until);
      CHECK(cut.from != cut.to);
      CHECK(cut.to < replica_count);
      CHECK(cut.filter.type_mask == 0);
      ++total;
    }
    Rng drop_rng = Rng::stream(seed, "drops");
    for (const CutFault& drop : random_drop_schedule(RandomDropsConfig{windows, types}, drop_rng, replica_count)) {
      check_window(drop.at, drop.until);
      CHECK(drop.filter.type_mask != 0);
      CHECK((drop.filter.type_mask & ~types) == 0);
      masks.insert(drop.filter.type_mask);
    }
    Rng clog_rng = Rng::stream(seed, "clogs");
    for (const ClogFault& clog : random_clog_schedule(windows, clog_rng, replica_count)) {
      check_window(clog.at, clog.until);
      CHECK(clog.from != clog.to);
    }
    Rng duplicate_rng = Rng::stream(seed, "duplicates");
    for (const LinkFault& link : random_duplicate_schedule(RandomDuplicatesConfig{windows, 250'000}, duplicate_rng, replica_count)) {
      check_window(link.at, link.until);
      CHECK(link.duplicate_ppm == 250'000);
      CHECK_FALSE(link.loss_ppm.has_value());
    }
    Rng clock_rng = Rng::stream(seed, "clocks");
    const RandomClocksConfig clocks{.windows = windows, .replicas = {2, 5}, .skew_max = 40 * ms, .drift_ppm_max = 20'000};
    for (const ClockFault& clock : random_clock_schedule(clocks, clock_rng)) {
      check_window(clock.at, clock.until);
      CHECK((clock.replica == 2 || clock.replica == 5));
      CHECK(std::abs(clock.skew) <= 40 * ms);
      CHECK(std::abs(clock.drift_ppm) <= 20'000);
      CHECK((clock.skew != 0 || clock.drift_ppm != 0));
    }
  }
  CHECK(total > 100 * 20);
  CHECK(total < 100 * 34);
  CHECK(masks == std::set<std::uint32_t>{0b010, 0b100, 0b110});  // every non-empty subset occurs
}

TEST_CASE("random crashes pair each crash with a restart and keep at most max_down down") {
  // Goal: the crash family never takes down more than allowed and always
  // brings a node back by `stop`. Method: 200 seeds, 5 of 7 nodes, max 2
  // down; replay each schedule's intervals and count overlaps.
  const RandomCrashesConfig config{.mean_interval = 200 * ms,
                                   .mean_downtime = 300 * ms,
                                   .start = 500 * ms,
                                   .stop = 6000 * ms,
                                   .replicas = {0, 1, 3, 4, 6},
                                   .down_count_max = 2};
  std::size_t crashes = 0;
  std::set<ReplicaIndex> crashed;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng = Rng::stream(seed, "crashes");
    const std::vector<Fault> schedule = random_crash_schedule(config, rng);
    REQUIRE(schedule.size() % 2 == 0);
    std::vector<std::pair<Instant, Instant>> down;
    for (std::size_t i = 0; i < schedule.size(); i += 2) {
      const auto& crash = std::get<CrashFault>(schedule[i]);
      const auto& restart = std::get<RestartFault>(schedule[i + 1]);
      CHECK(crash.replica == restart.replica);
      CHECK(crash.replica != 2);
      CHECK(crash.replica != 5);
      CHECK(crash.at > config.start);
      CHECK(restart.at > crash.at);
      CHECK(restart.at <= config.stop);
      for (const auto& [from, to] : down)
        if (crash.at < to) CHECK(from <= crash.at);  // in crash order
      std::size_t overlapping = 0;
      for (const auto& [from, to] : down) overlapping += crash.at < to ? 1 : 0;
      CHECK(overlapping < 2);
      down.emplace_back(crash.at, restart.at);
      crashed.insert(crash.replica);
      ++crashes;
    }
  }
  CHECK(crashed == std::set<ReplicaIndex>{0, 1, 3, 4, 6});
  CHECK(crashes > 200 * 10);
}

TEST_CASE("the random Byzantine choice takes 1..max_nodes unlisted replicas, each with some behaviours") {
  // Goal: within f, never a listed replica, never an empty behaviour list.
  // Method: 300 seeds with replica 3 listed and max 2 of the other 6.
  const RandomByzantineConfig config{
      .behaviors = {ByzantineBehavior::equivocate, ByzantineBehavior::silent, ByzantineBehavior::fork},
      .node_count_max = 2};
  const std::vector<ByzantineSpec> listed = {{.replica = 3, .behaviors = {ByzantineBehavior::junk}, .params = {}}};
  std::vector<std::size_t> counts(3, 0);
  std::set<ReplicaIndex> chosen;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng = Rng::stream(seed, "byz");
    const auto specs = random_byzantine_choice(config, rng, replica_count, listed);
    REQUIRE(specs.size() >= 1);
    REQUIRE(specs.size() <= 2);
    ++counts[specs.size()];
    for (std::size_t i = 0; i < specs.size(); ++i) {
      CHECK(specs[i].replica != 3);
      if (i > 0) CHECK(specs[i - 1].replica < specs[i].replica);
      CHECK_FALSE(specs[i].behaviors.empty());
      for (ByzantineBehavior b : specs[i].behaviors)
        CHECK(std::find(config.behaviors.begin(), config.behaviors.end(), b) != config.behaviors.end());
      chosen.insert(specs[i].replica);
    }
  }
  CHECK(counts[1] > 100);
  CHECK(counts[2] > 100);
  CHECK(chosen.size() == 6);
}

constexpr std::string_view base_yaml = R"(name: families
description: The random fault families together.
seed: 9
duration: 5s
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 200ms, view_timeout_max: 1s}
clients: {count: 2}
expect: {safety: holds, liveness: unchecked}
)";

Scenario load(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

constexpr std::string_view all_families = R"(random_faults:
  crashes: {mean_interval: 1s, mean_downtime: 200ms, start: 500ms, stop: 3s}
  cuts: {mean_interval: 800ms, mean_duration: 100ms, stop: 3s}
  drops: {mean_interval: 600ms, mean_duration: 300ms, stop: 3s, types: [vote, timeout]}
  clogs: {mean_interval: 900ms, mean_duration: 100ms, stop: 3s}
  duplicates: {mean_interval: 700ms, mean_duration: 300ms, stop: 3s, probability: 0.3}
  clocks: {mean_interval: 700ms, mean_duration: 500ms, stop: 3s, max_skew: 50ms, max_drift: 0.05}
  byzantine: {behaviors: [equivocate, double_vote, withhold_votes]}
)";

TEST_CASE("one family's faults do not move when another family is added") {
  // Goal: named streams per family (bisect relies on it). Method: the
  // schedule of crashes alone equals the crash entries of the schedule
  // with every family, for 20 seeds; likewise for the clock faults.
  const Scenario alone = load("random_faults:\n  crashes: {mean_interval: 1s, mean_downtime: 200ms, start: 500ms, stop: 3s}\n"
                              "  clocks: {mean_interval: 700ms, mean_duration: 500ms, stop: 3s, max_skew: 50ms, max_drift: 0.05}\n");
  const Scenario everything = load(all_families);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto only = fault_schedule(alone, seed);
    std::vector<Fault> picked;
    for (const Fault& fault : fault_schedule(everything, seed))
      if (std::holds_alternative<CrashFault>(fault) || std::holds_alternative<RestartFault>(fault) ||
          std::holds_alternative<ClockFault>(fault))
        picked.push_back(fault);
    CHECK(picked == only);
  }
}

TEST_CASE("a seed's random faults written out as entries replay the same run") {
  // Goal: what bisect's first pass does keeps the run: same trace hash.
  // Method: every family (Byzantine included) for three seeds; run the
  // scenario and its materialized form, which has no random_faults left and
  // survives a trip through the scenario writer and loader.
  const Scenario scenario = load(all_families);
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    const Scenario written = materialize_random_faults(scenario, seed);
    CHECK_FALSE(written.random_faults.any());
    CHECK(written.byzantine.size() == 1);
    CHECK(written.faults.size() > 10);
    auto reloaded = load_scenario_string(scenario_to_yaml(written, ""), "written.yaml", {});
    REQUIRE_MESSAGE(reloaded.has_value(), reloaded.error().message);
    Simulation random_run(scenario, {.seed = seed});
    Simulation written_run(*reloaded, {.seed = seed});
    const RunReport a = random_run.run();
    const RunReport b = written_run.run();
    CHECK(a.trace_hash == b.trace_hash);
    CHECK(a.safety == Verdict::holds);
  }
}

}  // namespace
}  // namespace bftsim::test_sim_net_random_faults_test
