// Determinism of the adversaries (issue 10, "same seed, same outcome for
// every new feature"): every library scenario with a Byzantine replica
// (scenarios/byz-*.yaml, twins-views.yaml) run twice at its seed gives the
// same trace hash, committed height and verdict, and the next seed another
// trace (compared over the first second). The adversaries draw from their own streams of the run seed
// (byzantine.h), so nothing else may feed them.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace test_sim_actors_adversary_determinism_test {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> adversary_scenarios() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(BFTSIM_SOURCE_DIR) / "scenarios")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".yaml" &&
        (name.rfind("byz-", 0) == 0 || name == "twins-views.yaml"))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("adversary determinism: each Byzantine library scenario repeats its run at its seed") {
  const auto files = adversary_scenarios();
  REQUIRE(files.size() >= 20);  // the byz-* family (a glob that matches nothing must not pass)
  for (const fs::path& path : files) {
    CAPTURE(path.filename().string());
    auto scenario = bftsim::load_scenario_file(path.string(), {"crypto=fast"});
    REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
    REQUIRE(!scenario->byzantine.empty());
    const auto run = [](const bftsim::Scenario& what, std::uint64_t seed) {
      bftsim::Simulation simulation(what, {.seed = seed});
      return simulation.run();
    };
    const bftsim::RunReport a = run(*scenario, scenario->seed);
    const bftsim::RunReport b = run(*scenario, scenario->seed);
    CHECK(a.trace_hash == b.trace_hash);
    CHECK(a.event_count == b.event_count);
    CHECK(a.decided_height == b.decided_height);
    CHECK(a.as_expected == b.as_expected);
    // Another seed, another run (its first second is enough to differ).
    bftsim::Scenario short_run = *scenario;
    short_run.duration = std::min<bftsim::Duration>(short_run.duration, 1'000'000'000);
    short_run.duration_views.reset();
    CHECK(run(short_run, scenario->seed + 1).trace_hash != run(short_run, scenario->seed).trace_hash);
  }
}

}  // namespace

}  // namespace test_sim_actors_adversary_determinism_test
