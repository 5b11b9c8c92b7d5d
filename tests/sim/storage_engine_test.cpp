// storage.engine (sim/scenario/scenario.h): `lsm` keeps each replica's state
// in an LSM on its simulated disk, `memory` keeps only the safety state. What
// the tests hold the option to: disk writes take no simulated time, so without
// crashes or disk faults both engines run the same protocol (same trace hash,
// same commits); the memory engine writes nothing to a disk; a restarted
// replica on it still catches up (it starts from genesis and is given a
// state transfer); and a scenario that asks a memory engine for a disk fault
// is an error that names the file, line and key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_storage_engine_test {
namespace {

const std::string demo = std::string(BFTSIM_SOURCE_DIR) + "/scenarios/demo.yaml";
const std::string crash_restart = std::string(BFTSIM_SOURCE_DIR) + "/scenarios/crash-restart.yaml";

RunReport run(const std::string& path, std::vector<std::string> overrides) {
  auto scenario = load_scenario_file(path, overrides);
  REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
  Simulation simulation(*scenario, SimulationOptions{.seed = 1});
  return simulation.run();
}

std::uint64_t bytes_written(const RunReport& report) {
  std::uint64_t total = 0;
  for (const StorageRow& row : report.storage) total += row.bytes_written;
  return total;
}

TEST_CASE("storage engine: without crashes, lsm and memory run the same protocol") {
  const std::vector<std::string> common{"crypto=fast", "duration=2s"};
  auto with = [&](const char* engine) {
    std::vector<std::string> overrides = common;
    overrides.push_back(std::string("storage.engine=") + engine);
    return run(demo, overrides);
  };
  const RunReport lsm = with("lsm");
  const RunReport memory = with("memory");
  REQUIRE(lsm.safety == Verdict::holds);
  REQUIRE(lsm.commits.size() > 100);
  CHECK(memory.trace_hash == lsm.trace_hash);
  CHECK(memory.event_count == lsm.event_count);
  CHECK(memory.commits.size() == lsm.commits.size());
  CHECK(bytes_written(lsm) > 0);
  CHECK(bytes_written(memory) == 0);
}

TEST_CASE("storage engine: a restarted replica on the memory engine catches up from genesis") {
  // crash-restart.yaml crashes replica 2 and restarts it; on the memory
  // engine it recovers only its safety state, so it must fetch or be given
  // everything it committed before.
  const RunReport report = run(crash_restart, {"crypto=fast", "storage.engine=memory"});
  CHECK(report.as_expected);
  CHECK(bytes_written(report) == 0);
}

TEST_CASE("storage engine: bad values and disk faults without a disk are located errors") {
  auto error_of = [](const std::string& yaml) {
    auto scenario = load_scenario_string(yaml, "engine.yaml", {});
    REQUIRE_FALSE(scenario.has_value());
    return scenario.error().message;
  };
  const std::string head =
      "name: x\ndescription: ''\nduration: 1s\nreplicas: 4\nfaulty: 1\n"
      "expect: {safety: holds, liveness: holds}\n";
  const std::string unknown = error_of(head + "storage: {engine: disk}\n");
  CHECK(unknown.find("engine.yaml:7") != std::string::npos);
  CHECK(unknown.find("storage.engine") != std::string::npos);

  const std::string fault = error_of(head + "storage: {engine: memory}\nfaults:\n"
                                            "  - {type: crash, node: 1, at: 1s}\n"
                                            "  - {type: disk, node: 2, at: 1s, fault: torn}\n");
  CHECK(fault.find("engine.yaml:10") != std::string::npos);
  CHECK(fault.find("faults[1]") != std::string::npos);
  CHECK(fault.find("needs a disk") != std::string::npos);

  const std::string random = error_of(head + "storage: {engine: memory}\n"
                                             "random_faults:\n  disk: {torn: true}\n");
  CHECK(random.find("random_faults.disk") != std::string::npos);

  const std::string skip = error_of(head + "storage: {engine: memory, unsafe_skip_sync: true}\n");
  CHECK(skip.find("storage.unsafe_skip_sync") != std::string::npos);
}

TEST_CASE("storage engine: the writer keeps it") {
  auto scenario = load_scenario_file(demo, {"storage.engine=memory"});
  REQUIRE(scenario.has_value());
  const std::string text = scenario_to_yaml(*scenario);
  CHECK(text.find("engine: memory") != std::string::npos);
  auto again = load_scenario_string(text, "written.yaml", {});
  REQUIRE_MESSAGE(again.has_value(), again.error().message);
  CHECK(again->storage.engine == StorageEngine::memory);
  CHECK(*again == *scenario);
}

}  // namespace
}  // namespace bftsim::test_sim_storage_engine_test
