// Runs every scenario in scenarios/ (not bad/; a share of them when
// BFTSIM_LIBRARY_SHARD is set, see library_runs.h) and requires the outcome
// it states in `expect`; checks that a scenario and seed always give the same
// trace hash and the same CSV bytes, and that another seed gives another run.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/report/csv_writer.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"
#include "tests/sim/library_runs.h"

namespace test_sim_scenarios_test {

namespace {

namespace fs = std::filesystem;

bftsim::Scenario load(const fs::path& path, const std::vector<std::string>& overrides = {}) {
  auto scenario = bftsim::load_scenario_file(path.string(), overrides);
  if (!scenario) FAIL(scenario.error().message);
  return *scenario;
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("every scenario in scenarios/ meets its expectation") {
  // Goal: the scenario library is a test suite. Method: run each file with its
  // own seed and compare the verdicts to its `expect` (library_runs.h: the
  // run is shared with the other library test cases that need it).
  for (const auto& file : test_sim_library_runs::library_files(4)) {
    CAPTURE(file.path.filename().string());
    const bftsim::Scenario scenario = load(file.path);
    const test_sim_library_runs::LibraryRun& report = test_sim_library_runs::library_run(scenario, scenario.seed);
    INFO(report.summary);
    CHECK(report.as_expected);
    if (scenario.expect.safety == bftsim::SafetyExpectation::violated) {
      // The library names the check it expects, and that check fired.
      CHECK(!scenario.expect.check.empty());
      REQUIRE(report.violated_check);
      CHECK(*report.violated_check == scenario.expect.check);
    }
    if (scenario.expect.safety == bftsim::SafetyExpectation::holds) {
      CHECK(report.decided_height >= scenario.expect.commit_height_min);
      CHECK(report.decided_height > 0);
    }
  }
}

TEST_CASE("library shards: the shares K/M of BFTSIM_LIBRARY_SHARD hold each library file once") {
  // Goal: the meson tests unit-library-KofM together run the whole library.
  // Method: every share of 1/1, 2/2 and 5/5 against the whole list, and the
  // whole list with the variable unset.
  const char* saved = std::getenv("BFTSIM_LIBRARY_SHARD");
  const std::string restore = saved == nullptr ? "" : saved;
  const auto all = test_sim_library_runs::all_library_files();
  for (const std::size_t m : {1, 2, 5}) {
    CAPTURE(m);
    std::vector<std::size_t> seen(all.size(), 0);
    for (std::size_t k = 1; k <= m; ++k) {
      const std::string value = std::to_string(k) + "/" + std::to_string(m);
      ::setenv("BFTSIM_LIBRARY_SHARD", value.c_str(), 1);
      for (const auto& file : test_sim_library_runs::library_files()) {
        REQUIRE(file.index < all.size());
        CHECK(all[file.index] == file.path);
        CHECK(file.index % m == k - 1);
        ++seen[file.index];
      }
    }
    for (std::size_t index = 0; index < all.size(); ++index) CHECK(seen[index] == 1);
  }
  ::unsetenv("BFTSIM_LIBRARY_SHARD");
  CHECK(test_sim_library_runs::library_files().size() == all.size());
  if (saved != nullptr) ::setenv("BFTSIM_LIBRARY_SHARD", restore.c_str(), 1);
}

TEST_CASE("the same scenario and seed give the same trace hash and CSV bytes") {
  // Goal: determinism is a feature. Method: run leader-crash twice with seed 7
  // and once with seed 8; compare trace hashes and every CSV file byte for byte.
  const bftsim::Scenario scenario =
      load(fs::path(BFTSIM_SOURCE_DIR) / "scenarios" / "leader-crash.yaml", {"crypto=fast"});
  const fs::path dir = fs::temp_directory_path() / "bftsim-determinism-test";
  fs::remove_all(dir);
  std::vector<std::string> hashes;
  for (const auto& [seed, name] : std::vector<std::pair<std::uint64_t, std::string>>{{7, "a"}, {7, "b"}, {8, "c"}}) {
    bftsim::Simulation simulation(scenario, {.seed = seed});
    const bftsim::RunReport report = simulation.run();
    hashes.push_back(report.trace_hash);
    REQUIRE(bftsim::write_report_csv(report, (dir / name).string()));
  }
  CHECK(hashes[0] == hashes[1]);
  CHECK(hashes[0] != hashes[2]);
  for (const char* file : {"summary.csv", "commits.csv", "requests.csv", "view_changes.csv", "messages.csv"}) {
    CAPTURE(file);
    const std::string a = read_file(dir / "a" / file);
    CHECK(!a.empty());
    CHECK(a == read_file(dir / "b" / file));
  }
  CHECK(read_file(dir / "a" / "commits.csv") != read_file(dir / "c" / "commits.csv"));
  fs::remove_all(dir);
}

TEST_CASE("the trace hash covers what messages carry, not only when they move") {
  // Goal: a delivery adds its send's digest to the trace hash. Method: the
  // demo with 16-byte and 17-byte values runs the same events at the same
  // times (same count, same latencies, same commits) with other bytes in its
  // requests and blocks, so only the digests can tell the runs apart.
  auto run = [](const char* value_size) {
    const bftsim::Scenario scenario =
        load(fs::path(BFTSIM_SOURCE_DIR) / "scenarios" / "demo.yaml",
             {"crypto=fast", "duration=300ms", "storage.engine=memory", std::string("clients.value_size=") + value_size});
    bftsim::Simulation simulation(scenario, {.seed = 1});
    return simulation.run();
  };
  const bftsim::RunReport a = run("16");
  const bftsim::RunReport b = run("17");
  REQUIRE(a.event_count == b.event_count);
  REQUIRE(a.commits.size() == b.commits.size());
  REQUIRE(a.requests.size() == b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i)
    REQUIRE(a.requests[i].completed_at == b.requests[i].completed_at);
  CHECK(a.trace_hash != b.trace_hash);
}

TEST_CASE("the verdict names each aspect that missed the scenario's expect") {
  // Goal: as_expected counts expected violations as expected and missing ones
  // as not, and the verdict line says which aspect missed. Method: the mutant
  // with and without its mutation, and a run that cannot reach min_commits;
  // each time compare the misses with as_expected and the verdict text.
  const fs::path dir = fs::path(BFTSIM_SOURCE_DIR) / "scenarios";
  const auto run = [](const bftsim::Scenario& scenario) {
    bftsim::Simulation simulation(scenario, {.seed = scenario.seed});
    return simulation.run();
  };
  SUBCASE("an expected violation that happened is as expected") {
    const bftsim::RunReport report = run(load(dir / "mutant-skip-lock.yaml", {"crypto=fast"}));
    CHECK(report.as_expected);
    CHECK(bftsim::expectation_misses(report).empty());
    CHECK(bftsim::format_misses_line(report).empty());
    REQUIRE(report.safety_violation);
    CHECK(bftsim::format_verdict(report) ==
          "verdict: as expected (safety violated, as expected: " + report.safety_violation->check + ")");
  }
  SUBCASE("an expected violation that did not happen is not") {
    // Without a named check (the old form of expect) the line says only "violated".
    bftsim::Scenario scenario = load(dir / "mutant-skip-lock.yaml", {"crypto=fast", "protocol.unsafe_skip_lock=false"});
    scenario.expect.check.clear();
    const bftsim::RunReport report = run(scenario);
    CHECK_FALSE(report.as_expected);
    const auto misses = bftsim::expectation_misses(report);
    REQUIRE(misses.size() == 1);
    CHECK(misses[0].aspect == "safety");
    CHECK(misses[0].verdict == bftsim::Verdict::holds);
    CHECK(bftsim::format_verdict(report) == "verdict: NOT as expected: safety holds (expected violated)");
    CHECK(bftsim::format_misses_line(report) == "NOT as expected: safety holds (expected violated): no check fired");
  }
  SUBCASE("a violation of another check than the expected one is not as expected") {
    // mutant-skip-lock breaks the chain check; expect agreement instead.
    const bftsim::RunReport report = run(load(dir / "mutant-skip-lock.yaml", {"crypto=fast", "expect.check=agreement"}));
    REQUIRE(report.safety_violation);
    REQUIRE(report.safety_violation->check == "chain");
    CHECK_FALSE(report.as_expected);
    const auto misses = bftsim::expectation_misses(report);
    REQUIRE(misses.size() == 1);
    CHECK(misses[0].aspect == "safety");
    CHECK(misses[0].verdict == bftsim::Verdict::violated);
    CHECK(misses[0].expected_check == "agreement");
    CHECK(bftsim::format_verdict(report) ==
          "verdict: NOT as expected: safety violated by chain (expected violated by agreement)");
    CHECK(bftsim::format_misses_line(report).rfind(
              "NOT as expected: safety violated by chain (expected violated by agreement): chain: replica ", 0) == 0);
    // Control: the check it breaks, named, is as expected.
    CHECK(run(load(dir / "mutant-skip-lock.yaml", {"crypto=fast", "expect.check=chain"})).as_expected);
  }
  SUBCASE("an expected check that did not fire says which was expected") {
    const bftsim::RunReport report =
        run(load(dir / "mutant-skip-lock.yaml", {"crypto=fast", "protocol.unsafe_skip_lock=false"}));
    CHECK(bftsim::format_misses_line(report) ==
          "NOT as expected: safety holds (expected violated by chain): no check fired");
  }
  SUBCASE("an unexpected liveness violation names liveness and its check") {
    const bftsim::RunReport report =
        run(load(dir / "demo.yaml", {"crypto=fast", "duration=1s", "expect.min_commits=100000"}));
    CHECK_FALSE(report.as_expected);
    CHECK(report.linearizability == "ok");
    CHECK(bftsim::format_verdict(report) == "verdict: NOT as expected: liveness violated (expected holds)");
    const std::string line = bftsim::format_misses_line(report);
    CAPTURE(line);
    const std::string prefix =
        "NOT as expected: liveness violated (expected holds): commit_height_min: replica 0 committed height ";
    CHECK(line.rfind(prefix, 0) == 0);
    const std::string summary = bftsim::format_summary_text(report);
    CHECK(summary.find("  verdict: NOT as expected: liveness violated (expected holds)\n") != std::string::npos);
  }
}

}  // namespace test_sim_scenarios_test
