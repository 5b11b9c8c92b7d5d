// The scenario library under every protocol option (issue 9): safety never
// depends on `backoff_reset`, `leader_election`, `new_view_to_leader` or
// `fetch_missed_proposal`, and
// the defaults meet every scenario's expectation on more seeds than its own.
// The 200-seed sweep is bench/liveness_sweep.sh; docs/case-study-liveness.md
// quotes it. Also how the loader and bisect's scenario writer treat the
// options. The suite runs a rotation of the option matrix (each scenario
// under one combination per test case, each combination on about a quarter
// of the library); the whole product is a skipped test case that
// bench/option_matrix.sh runs.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/report/csv_writer.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"
#include "tests/sim/library_runs.h"

namespace test_sim_scenario_protocol_options_test {

namespace {

namespace fs = std::filesystem;

bftsim::RunReport run(const fs::path& path, std::uint64_t seed, std::vector<std::string> overrides) {
  overrides.push_back("crypto=fast");
  auto scenario = bftsim::load_scenario_file(path.string(), overrides);
  if (!scenario) FAIL(scenario.error().message);
  bftsim::Simulation simulation(*scenario, {.seed = seed});
  return simulation.run();
}

constexpr std::string_view small_yaml =
    "name: x\ndescription: ''\nduration: 1s\nreplicas: 4\nfaulty: 1\nexpect: {safety: holds, liveness: holds}\n";

bftsim::Result<bftsim::Scenario> load_small(const std::string& protocol, std::vector<std::string> overrides = {}) {
  return bftsim::load_scenario_string(std::string(small_yaml) + protocol, "test.yaml", overrides);
}

}  // namespace

TEST_CASE("new_view_to_leader: the loader reads true and false, defaults to the replica's default, rejects the rest") {
  // Goal: the option reaches ProtocolConfig (and from there ReplicaConfig)
  // exactly as written, and a bad value is a located error. Method: small
  // scenarios with the key absent, true, false, set by --set, and wrong.
  auto absent = load_small("");
  REQUIRE_MESSAGE(absent.has_value(), absent.error().message);
  CHECK(absent->protocol.new_view_to_leader == bftsim::ReplicaConfig{}.new_view_to_leader);
  for (const bool value : {true, false}) {
    CAPTURE(value);
    auto written = load_small(std::string("protocol: {new_view_to_leader: ") + (value ? "true" : "false") + "}\n");
    REQUIRE_MESSAGE(written.has_value(), written.error().message);
    CHECK(written->protocol.new_view_to_leader == value);
    auto set = load_small("", {std::string("protocol.new_view_to_leader=") + (value ? "true" : "false")});
    REQUIRE_MESSAGE(set.has_value(), set.error().message);
    CHECK(set->protocol.new_view_to_leader == value);
  }
  auto wrong = load_small("protocol: {new_view_to_leader: maybe}\n");
  REQUIRE(!wrong.has_value());
  CHECK(wrong.error().message ==
        "test.yaml:7:32: protocol.new_view_to_leader: unknown boolean \"maybe\" (known: true, false)");
  auto misspelt = load_small("protocol: {new_view_to_leaders: true}\n");
  REQUIRE(!misspelt.has_value());
  CHECK(misspelt.error().message.find("new_view_to_leader") != std::string::npos);
}
TEST_CASE("fetch_missed_proposal: the loader reads true and false, defaults to the replica's default, rejects the rest") {
  // Goal: as for new_view_to_leader. Method: the key absent, true, false,
  // set by --set, and wrong.
  auto absent = load_small("");
  REQUIRE_MESSAGE(absent.has_value(), absent.error().message);
  CHECK(absent->protocol.fetch_missed_proposal == bftsim::ReplicaConfig{}.fetch_missed_proposal);
  for (const bool value : {true, false}) {
    CAPTURE(value);
    auto written = load_small(std::string("protocol: {fetch_missed_proposal: ") + (value ? "true" : "false") + "}\n");
    REQUIRE_MESSAGE(written.has_value(), written.error().message);
    CHECK(written->protocol.fetch_missed_proposal == value);
    auto set = load_small("", {std::string("protocol.fetch_missed_proposal=") + (value ? "true" : "false")});
    REQUIRE_MESSAGE(set.has_value(), set.error().message);
    CHECK(set->protocol.fetch_missed_proposal == value);
  }
  auto wrong = load_small("protocol: {fetch_missed_proposal: 1}\n");
  REQUIRE(!wrong.has_value());
  CHECK(wrong.error().message ==
        "test.yaml:7:35: protocol.fetch_missed_proposal: unknown boolean \"1\" (known: true, false)");
}

TEST_CASE("fetch_retry: the loader reads true and false, defaults to the replica's default, rejects the rest") {
  // Goal: as for fetch_missed_proposal. Method: the key absent, true, false,
  // set by --set, and wrong.
  auto absent = load_small("");
  REQUIRE_MESSAGE(absent.has_value(), absent.error().message);
  CHECK(absent->protocol.fetch_retry == bftsim::ReplicaConfig{}.fetch_retry);
  for (const bool value : {true, false}) {
    CAPTURE(value);
    auto written = load_small(std::string("protocol: {fetch_retry: ") + (value ? "true" : "false") + "}\n");
    REQUIRE_MESSAGE(written.has_value(), written.error().message);
    CHECK(written->protocol.fetch_retry == value);
    auto set = load_small("", {std::string("protocol.fetch_retry=") + (value ? "true" : "false")});
    REQUIRE_MESSAGE(set.has_value(), set.error().message);
    CHECK(set->protocol.fetch_retry == value);
  }
  auto wrong = load_small("protocol: {fetch_retry: 1}\n");
  REQUIRE(!wrong.has_value());
  CHECK(wrong.error().message == "test.yaml:7:25: protocol.fetch_retry: unknown boolean \"1\" (known: true, false)");
}

TEST_CASE("the scenario writer keeps every protocol option, so bisect's minimal.yaml runs the same protocol") {
  // Goal: a non-default backoff_reset, leader_election, reputation_window or
  // new_view_to_leader survives scenario_to_yaml (bisect writes minimal.yaml
  // with it). Method: each option alone at a non-default value, written and
  // read back equal.
  const std::vector<std::string> options = {
      "backoff_reset: commit", "leader_election: reputation", "reputation_window: 20",
      std::string("new_view_to_leader: ") + (bftsim::ReplicaConfig{}.new_view_to_leader ? "false" : "true"),
      std::string("fetch_missed_proposal: ") + (bftsim::ReplicaConfig{}.fetch_missed_proposal ? "false" : "true"),
      std::string("fetch_retry: ") + (bftsim::ReplicaConfig{}.fetch_retry ? "false" : "true")};
  for (const std::string& option : options) {
    CAPTURE(option);
    auto scenario = load_small("protocol: {" + option + "}\n");
    REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
    REQUIRE(scenario->protocol != bftsim::ProtocolConfig{});
    const std::string text = bftsim::scenario_to_yaml(*scenario);
    INFO(text);
    CHECK(text.find(option) != std::string::npos);
    auto again = bftsim::load_scenario_string(text, "written.yaml", {});
    REQUIRE_MESSAGE(again.has_value(), again.error().message);
    CHECK(*again == *scenario);
  }
}

namespace {

// The option combinations of the two matrix test cases: backoff_reset x
// leader_election, and each option at the value it does not use by default x
// leader_election (the defaults run in the first).
std::vector<std::vector<std::string>> backoff_election_combinations() {
  std::vector<std::vector<std::string>> combinations;
  for (const char* backoff : {"commit", "qc"})
    for (const char* election : {"round_robin", "reputation"})
      combinations.push_back({std::string("protocol.backoff_reset=") + backoff,
                              std::string("protocol.leader_election=") + election});
  return combinations;
}

// The options at the values they do not take by default (the two-chain
// commit rule among them) under each leader election.
std::vector<std::vector<std::string>> flipped_option_combinations() {
  const std::vector<std::string> flipped = {
      std::string("protocol.new_view_to_leader=") + (bftsim::ReplicaConfig{}.new_view_to_leader ? "false" : "true"),
      std::string("protocol.fetch_missed_proposal=") +
          (bftsim::ReplicaConfig{}.fetch_missed_proposal ? "false" : "true"),
      "protocol.commit_rule=two_chain"};
  std::vector<std::vector<std::string>> combinations;
  for (const std::string& option : flipped)
    for (const char* election : {"round_robin", "reputation"})
      combinations.push_back({option, std::string("protocol.leader_election=") + election});
  return combinations;
}

// Runs library scenario number `index` at seed 1 under each combination that
// `whole` picks: all of them, or the rotation's one (index mod count), so
// the suite still runs every scenario and every combination. A scenario that
// expects safety to hold must hold and commit; one that expects a violation
// runs to its end (whether the attack lands depends on who leads). Runs go
// through library_runs.h: a combination that leaves the scenario as written
// (backoff_reset=qc with round_robin) is the defaults' seed-1 run.
void check_safe_under(const std::vector<std::vector<std::string>>& combinations, bool whole) {
  const auto files = test_sim_library_runs::library_files();
  std::vector<std::size_t> runs_per_combination(combinations.size(), 0);
  std::vector<std::size_t> expected_runs(combinations.size(), 0);
  for (const auto& file : files) {
    for (std::size_t c = 0; c < combinations.size(); ++c) {
      if (whole || c == file.index % combinations.size()) ++expected_runs[c];
    }
  }
  for (const auto& file : files) {
    for (std::size_t c = 0; c < combinations.size(); ++c) {
      if (!whole && c != file.index % combinations.size()) continue;
      ++runs_per_combination[c];
      CAPTURE(file.path.filename().string());
      CAPTURE(combinations[c][0]);
      CAPTURE(combinations[c][1]);
      auto overrides = combinations[c];
      overrides.push_back("crypto=fast");
      const auto& report = test_sim_library_runs::library_run(test_sim_library_runs::load(file.path, overrides), 1);
      INFO(report.summary);
      if (report.expected_safety == "holds") {
        CHECK(report.safety == bftsim::Verdict::holds);
        CHECK(report.decided_height > 0);
      }
    }
  }
  // Every combination ran (on a quarter of the library, or all of it; on a
  // share of that under BFTSIM_LIBRARY_SHARD).
  for (std::size_t c = 0; c < combinations.size(); ++c) {
    CAPTURE(combinations[c][0]);
    CAPTURE(combinations[c][1]);
    CHECK(runs_per_combination[c] == expected_runs[c]);
    CHECK(runs_per_combination[c] > 0);
  }
}

}  // namespace

TEST_CASE("every library scenario stays safe under a backoff reset and leader election (a rotation)") {
  // Goal: the options change who leads and how long a view lasts, never what
  // is safe. Method: each scenario at seed 1 under one of the four
  // combinations, in turn (the whole product: the skipped case below).
  check_safe_under(backoff_election_combinations(), false);
}

TEST_CASE("every library scenario stays safe with new_view_to_leader, fetch_missed_proposal or the commit rule flipped (a rotation)") {
  // Goal: NEW-VIEW messages change when a leader learns a certificate,
  // fetching a missed proposal when a replica can vote, and the two-chain
  // rule when a block commits and which blocks get votes, never what is
  // safe. Method: each scenario at seed 1 with one option at the value it
  // does not use by default under one leader election, in turn (6
  // combinations; a library sweep of seeds 1-20 under each commit rule is in
  // the note of the two-chain change).
  check_safe_under(flipped_option_combinations(), false);
}

// bench/option_matrix.sh runs these two (doctest --no-skip): 8 runs per
// scenario, four times the suite's rotation above.
TEST_CASE("option matrix: the whole library under every backoff reset and leader election" * doctest::skip()) {
  check_safe_under(backoff_election_combinations(), true);
}

TEST_CASE("option matrix: the whole library with each flipped option under both leader elections" *
          doctest::skip()) {
  check_safe_under(flipped_option_combinations(), true);
}

TEST_CASE("the defaults meet every library scenario's expectation on seeds 1-2") {
  // Goal: expectations hold across seeds, not only on the seed a file names
  // (the sweep of issue 9 found lossy and seven missing on many). Method: the
  // whole library with its defaults and fast crypto at seeds 1 and 2 (a run
  // that "every scenario in scenarios/ meets its expectation" makes already,
  // a scenario with fast crypto at its own seed, is shared: library_runs.h).
  for (const auto& file : test_sim_library_runs::library_files()) {
    const bftsim::Scenario scenario = test_sim_library_runs::load(file.path, {"crypto=fast"});
    for (std::uint64_t seed : {1, 2}) {
      CAPTURE(file.path.filename().string());
      CAPTURE(seed);
      const auto& report = test_sim_library_runs::library_run(scenario, seed);
      INFO(report.summary);
      CHECK(report.as_expected);
    }
  }
}

TEST_CASE("seven at seed 6 keeps committing under the paper's pacemaker and rotation") {
  // Goal: the regression of issue 9's seven.yaml seed 6 (nothing committed
  // from 2s to 8s). A replica formed the QC for a block before its proposal
  // arrived, asked a peer that then crashed for it, and dropped the late
  // proposal as stale; with quorum 5 of the 5 live replicas, each view it
  // could not vote in failed, and the backoff grew past the bound. Method:
  // the paper's options (commit, round_robin), so only the late-block rule
  // stands between this run and the stall.
  const bftsim::RunReport report =
      run(fs::path(BFTSIM_SOURCE_DIR) / "scenarios" / "seven.yaml", 6,
          {"protocol.backoff_reset=commit", "protocol.leader_election=round_robin"});
  INFO(bftsim::format_summary_text(report));
  CHECK(report.liveness == bftsim::Verdict::holds);
  CHECK(report.as_expected);
}

}  // namespace test_sim_scenario_protocol_options_test
