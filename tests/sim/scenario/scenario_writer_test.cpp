// Tests of sim/scenario/scenario_writer.h: what the writer emits, the loader
// reads back into an equal Scenario (operator== compares every field), for
// every library scenario and for one that uses every section, fault type,
// disk fault kind and latency distribution; writing twice gives the same text.
#include "sim/scenario/scenario_writer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace bftsim::test_sim_scenario_scenario_writer_test {
namespace {

namespace fs = std::filesystem;

// Loads `yaml`, or fails the test with the loader's message.
Scenario load_text(const std::string& yaml, const std::string& source) {
  auto scenario = load_scenario_string(yaml, source, {});
  if (!scenario) FAIL(scenario.error().message << "\n--- the text:\n" << yaml);
  return *scenario;
}

void check_round_trip(const Scenario& scenario) {
  const std::string text = scenario_to_yaml(scenario, "written by a test\n\nsecond line");
  INFO(text);
  const Scenario again = load_text(text, "written.yaml");
  CHECK(again == scenario);
  CHECK(scenario_to_yaml(again, "written by a test\n\nsecond line") == text);
}

TEST_CASE("scenario writer: every library scenario reads back equal") {
  // Goal: bisect's minimal.yaml is the scenario it tested. Method: load each
  // scenarios/*.yaml, write it, load the text, compare with ==.
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(BFTSIM_SOURCE_DIR) / "scenarios"))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);
  for (const auto& path : files) {
    CAPTURE(path.filename().string());
    auto scenario = load_scenario_file(path.string(), {});
    REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
    check_round_trip(*scenario);
  }
}

TEST_CASE("scenario writer: every section, fault type and distribution reads back equal") {
  // Goal: nothing the loader accepts is lost in writing. Method: a scenario
  // with non-default values everywhere (odd doubles, fine probabilities, an
  // escaped description) round-trips; so do variants with each latency form.
  const std::string yaml = R"(
name: "every: thing"
description: 'quotes " and \ and # in one line'
seed: 18446744073709551615
duration: 12.5s
event_rate_max: 123456
replicas: 7
faulty: 2
crypto: fast
protocol: {chain_id: "0x12", batch_size: 7, view_timeout: 150ms, timeout_multiplier: 1.3333333333333333,
           view_timeout_max: 3s, vote_to: next_leader, unsafe_skip_lock: true, block_retention: 16,
           propose_before_sync: true, commit_rule: two_chain}
storage: {unsafe_skip_sync: true}
network: {latency: {distribution: lognormal, median: 3ms, sigma: 0.1}, loss: 0.000001, duplicate: 0.25,
          reorder: 0.5, reorder_delay: 7us}
clients: {count: 3, mode: open, outstanding: 5, rate: 2.5/s, request_timeout: 2s, max_ops: 99, start: 1ns,
          mix: {get: 3, txn: 1}, keys: 12, key_distribution: zipfian, zipf_theta: 0.5, value_size: 0,
          batch: 3}
faults:
  - {type: crash, node: 1, at: 1s}
  - {type: restart, node: 1, at: 2s}
  - {type: partition, groups: [[0, 1], [2]], at: 1s, until: 2s}
  - {type: partition, groups: [[3]], at: 4s}
  - {type: cut, from: 0, to: 4, at: 0s, until: 1ms}
  - {type: cut, from: 4, to: 0, at: 5s}
  - {type: link, from: 1, to: 2, both: true, at: 1s, loss: 1, latency: {distribution: pareto, scale: 1ms, shape: 1.5}, duplicate: 0}
  - {type: link, from: 2, to: 1, at: 1s, until: 9s, latency: {distribution: exponential, mean: 2ms, min: 1ms}}
  - {type: clog, from: 3, to: 2, both: true, at: 1s, until: 3s}
  - {type: disk, node: 2, at: 3s, fault: corrupt, count: 4}
  - {type: disk, node: 2, at: 3s, until: 5s, fault: torn}
  - {type: disk, node: 1, at: 1s, fault: slow, latency: 20ms}
  - {type: disk, node: 0, at: 2s, fault: full, capacity_bytes: 1048576}
  - {type: disk, node: 0, at: 2s, until: 3s, fault: full}
random_faults:
  partitions: {mean_interval: 2s, mean_duration: 500ms, start: 1s}
  disk: {corrupt_rate: 0.2/s, corrupt_count: 3, torn: true, stop: 6s}
allow_more_faulty: true
byzantine:
  - {node: 6, behavior: [fork, junk]}
  - {node: 2, behavior: twins}
  - {node: 5, behavior: forge_cert, cert: tc_short}
  - {node: 4, behavior: [silent]}
expect: {safety: violated, liveness: unchecked, min_commits: 3, within: 1500ms, cut_off: true}
)";
  const Scenario scenario = load_text(yaml, "every.yaml");
  REQUIRE(scenario.faults.size() == 14);
  REQUIRE(scenario.random_faults.disk.has_value());
  check_round_trip(scenario);
  for (const char* latency : {"{distribution: constant, value: 0s}", "{distribution: uniform, min: 0s, max: 1m}",
                              "{distribution: normal, mean: 5ms, stddev: 1us}",
                              "{distribution: exponential, mean: 1ms}"}) {
    CAPTURE(latency);
    auto variant = load_scenario_string(yaml, "every.yaml", {std::string("network.latency=") + latency});
    REQUIRE_MESSAGE(variant.has_value(), variant.error().message);
    check_round_trip(*variant);
  }
}

TEST_CASE("scenario writer: a default-valued scenario writes only the required keys") {
  // Goal: minimal.yaml reads like a hand-written file. Method: a scenario
  // with every optional key at its default writes no optional section.
  const Scenario scenario =
      load_text("name: x\ndescription: ''\nduration: 1s\nreplicas: 2\nfaulty: 0\nexpect: {safety: holds, liveness: holds}\n",
                "small.yaml");
  const std::string text = scenario_to_yaml(scenario);
  CHECK(text ==
        "name: \"x\"\ndescription: \"\"\nseed: 1\nduration: 1s\nreplicas: 2\nfaulty: 0\ncrypto: ed25519\n"
        "expect:\n  safety: holds\n  liveness: holds\n");
  check_round_trip(scenario);
}

}  // namespace
}  // namespace bftsim::test_sim_scenario_scenario_writer_test
