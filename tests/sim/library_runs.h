// The scenario library as the test cases that run all of it see it
// (scenarios_test.cpp, scenario/protocol_options_test.cpp,
// actors/adversary_determinism_test.cpp):
// - library_files(): scenarios/*.yaml in name order, or the share of them
//   that BFTSIM_LIBRARY_SHARD=K/M picks (the files whose index is K-1 modulo
//   M). tests/meson.build runs the library test cases as M meson tests, one
//   share each, so the two cores stay busy to the end; unset, every file.
// - library_run(): one run of a scenario at a seed, remembered for the
//   process, so test cases that need the same run (the same scenario as
//   scenario_to_yaml writes it, and the same seed) share it: a file's own
//   seed with fast crypto is also seed 1 or 2 of "the defaults" and the
//   first of the adversary determinism pair, and the rotation's
//   backoff_reset=qc with round_robin is the defaults again. Each needed
//   run still happens once in every process that needs it; a determinism
//   check compares a remembered run with a fresh one (fresh_run()).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/report/csv_writer.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"

namespace test_sim_library_runs {

namespace fs = std::filesystem;

// What the library test cases check of a run (a RunReport without its
// per-commit and per-request rows, which would pile up over ~250 runs).
struct LibraryRun {
  std::string trace_hash;
  std::uint64_t event_count = 0;
  bftsim::Height decided_height = 0;
  bool as_expected = false;
  bftsim::Verdict safety = bftsim::Verdict::holds;
  std::string expected_safety;
  std::optional<std::string> violated_check;  // safety_violation->check
  std::string summary;                        // format_summary_text, for INFO
};

inline LibraryRun fresh_run(const bftsim::Scenario& scenario, std::uint64_t seed) {
  bftsim::Simulation simulation(scenario, {.seed = seed});
  const bftsim::RunReport report = simulation.run();
  LibraryRun run;
  run.trace_hash = report.trace_hash;
  run.event_count = report.event_count;
  run.decided_height = report.decided_height;
  run.as_expected = report.as_expected;
  run.safety = report.safety;
  run.expected_safety = report.expected_safety;
  if (report.safety_violation) run.violated_check = report.safety_violation->check;
  run.summary = bftsim::format_summary_text(report);
  return run;
}

// The run of `scenario` at `seed`, made the first time a test case asks.
inline const LibraryRun& library_run(const bftsim::Scenario& scenario, std::uint64_t seed) {
  static std::map<std::pair<std::string, std::uint64_t>, LibraryRun> runs;
  auto key = std::make_pair(bftsim::scenario_to_yaml(scenario), seed);
  const auto found = runs.find(key);
  if (found != runs.end()) return found->second;
  return runs.emplace(std::move(key), fresh_run(scenario, seed)).first->second;
}

inline bftsim::Scenario load(const fs::path& path, const std::vector<std::string>& overrides = {}) {
  auto scenario = bftsim::load_scenario_file(path.string(), overrides);
  if (!scenario) FAIL(scenario.error().message);
  return *scenario;
}

// Every scenarios/*.yaml (not bad/), in name order.
inline std::vector<fs::path> all_library_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(BFTSIM_SOURCE_DIR) / "scenarios"))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// BFTSIM_LIBRARY_SHARD as {K - 1, M}; {0, 1} when unset. A malformed value
// fails the test case rather than running nothing.
inline std::pair<std::size_t, std::size_t> library_shard() {
  const char* text = std::getenv("BFTSIM_LIBRARY_SHARD");
  if (text == nullptr) return {0, 1};
  const std::string value(text);
  const auto slash = value.find('/');
  std::size_t k = 0;
  std::size_t m = 0;
  try {
    if (slash != std::string::npos) {
      k = std::stoul(value.substr(0, slash));
      m = std::stoul(value.substr(slash + 1));
    }
  } catch (const std::exception&) {
    m = 0;
  }
  if (m == 0 || k == 0 || k > m) FAIL("BFTSIM_LIBRARY_SHARD=" << value << ": expected K/M with 1 <= K <= M");
  return {k - 1, m};
}

// A library file and its index in the whole library (the option rotation
// picks a combination by that index, so sharding does not change it).
struct LibraryFile {
  std::size_t index = 0;
  fs::path path;
};

// This process's share of the library. Requires the whole library to hold
// at least `at_least` files (a glob that matches nothing must not pass).
inline std::vector<LibraryFile> library_files(std::size_t at_least = 20) {
  const auto files = all_library_files();
  REQUIRE(files.size() >= at_least);
  const auto [k, m] = library_shard();
  std::vector<LibraryFile> share;
  for (std::size_t index = 0; index < files.size(); ++index)
    if (index % m == k) share.push_back({index, files[index]});
  REQUIRE(!share.empty());
  return share;
}

}  // namespace test_sim_library_runs
