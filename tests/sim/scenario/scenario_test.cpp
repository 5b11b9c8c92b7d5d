// Tests for sim/scenario/scenario.h: a full scenario parses to the expected struct,
// defaults apply, every file in scenarios/bad/ fails with its stated message
// and line, --set overrides edit the tree, and errors name the exact place.
#include "sim/scenario/scenario.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario_tree.h"

namespace bftsim::test_sim_scenario_scenario_test {
namespace {

constexpr std::string_view full_yaml = R"(name: full
description: Every key set to a non-default value.
seed: 42
duration: 30s
replicas: 7
faulty: 2
crypto: fast
protocol:
  chain_id: test-chain
  batch_size: 64
  view_timeout: 250ms
  timeout_multiplier: 1.5
  view_timeout_max: 4s
  backoff_reset: commit
  leader_election: reputation
  reputation_window: 20
network:
  latency: {distribution: exponential, mean: 2ms, min: 500us}
  loss: 0.01
  duplicate: 0.002
  reorder: 0.1
  reorder_delay: 20ms
clients:
  count: 8
  mode: open
  outstanding: 4
  rate: 2.5/s
  request_timeout: 750ms
  max_ops: 10000
  start: 1s
  mix: {put: 3, txn: 1}
  keys: 500
  key_distribution: zipfian
  zipf_theta: 0.8
  value_size: 128
faults:
  - {type: crash, node: 6, at: 2s}
  - {type: restart, node: 6, at: 5s}
  - type: partition
    groups: [[0, 1, 2], [3]]
    at: 6s
    until: 8s
  - {type: partition, groups: [[5]], at: 9s}
  - {type: cut, from: 1, to: 2, at: 10s, until: 10.5s}
  - {type: cut, from: 2, to: 1, at: 11s}
expect:
  safety: holds
  liveness: unchecked
  min_commits: 12
  within: 3s
)";

// The smallest valid scenario: only the required keys.
constexpr std::string_view minimal_yaml = R"(name: minimal
description: Only what is required.
duration: 10s
replicas: 4
faulty: 1
expect:
  safety: holds
  liveness: holds
)";

Scenario load_ok(std::string_view text, const std::vector<std::string>& overrides = {}) {
  auto loaded = load_scenario_string(text, "test.yaml", overrides);
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

std::string load_error(std::string_view text, const std::vector<std::string>& overrides = {}) {
  auto loaded = load_scenario_string(text, "test.yaml", overrides);
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

// minimal_yaml with `extra` appended (top-level keys, or more of expect).
std::string minimal_with(std::string_view extra) { return std::string(minimal_yaml) + std::string(extra); }

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

TEST_CASE("a full scenario parses to the expected values") {
  // Goal: every key reaches its field with the right unit. Method: build the
  // expected Scenario by hand and compare the whole struct.
  Scenario expected;
  expected.name = "full";
  expected.description = "Every key set to a non-default value.";
  expected.seed = 42;
  expected.duration = 30 * ns_per_s;
  expected.replica_count = 7;
  expected.faulty_count = 2;
  expected.crypto = CryptoKind::fast;
  expected.protocol = ProtocolConfig{.chain_id = "test-chain",
                                     .batch_size = 64,
                                     .view_timeout = 250 * ns_per_ms,
                                     .timeout_multiplier = 1.5,
                                     .view_timeout_max = 4 * ns_per_s,
                                     .backoff_reset = BackoffReset::commit,
                                     .leader_election = LeaderElection::reputation,
                                     .reputation_window = 20};
  expected.network.latency = LatencyDistribution{
      .kind = DistributionKind::exponential, .value = 0, .min = 500 * ns_per_us, .max = 0, .mean = 2 * ns_per_ms};
  expected.network.loss_ppm = 10'000;
  expected.network.duplicate_ppm = 2'000;
  expected.network.reorder_ppm = 100'000;
  expected.network.reorder_delay = 20 * ns_per_ms;
  expected.clients = ClientsConfig{.client_count = 8,
                                   .mode = ClientMode::open,
                                   .outstanding_max = 4,
                                   .rate = Rate{5, 2 * ns_per_s},
                                   .request_timeout = 750 * ns_per_ms,
                                   .op_count_max = 10'000,
                                   .start = ns_per_s,
                                   .mix = OperationMix{.put = 3, .get = 0, .del = 0, .txn = 1},
                                   .key_count = 500,
                                   .key_distribution = KeyDistribution::zipfian,
                                   .zipf_theta = 0.8,
                                   .value_size_bytes = 128};
  expected.faults = {
      CrashFault{.replica = 6, .at = 2 * ns_per_s},
      RestartFault{.replica = 6, .at = 5 * ns_per_s},
      PartitionFault{.groups = {{0, 1, 2}, {3}}, .at = 6 * ns_per_s, .until = 8 * ns_per_s},
      PartitionFault{.groups = {{5}}, .at = 9 * ns_per_s, .until = std::nullopt},
      CutFault{.from = 1, .to = 2, .at = 10 * ns_per_s, .until = 10'500 * ns_per_ms},
      CutFault{.from = 2, .to = 1, .at = 11 * ns_per_s, .until = std::nullopt},
  };
  expected.expect = Expectations{.safety = SafetyExpectation::holds,
                                 .liveness = LivenessExpectation::unchecked,
                                 .commit_height_min = 12,
                                 .within = 3 * ns_per_s,
                                 .check = {}};

  const Scenario loaded = load_ok(full_yaml);
  // Field by field first, so a failure points at the section.
  CHECK(loaded.protocol == expected.protocol);
  CHECK(loaded.network == expected.network);
  CHECK(loaded.clients == expected.clients);
  CHECK(loaded.faults == expected.faults);
  CHECK(loaded.expect == expected.expect);
  CHECK(loaded == expected);
}

TEST_CASE("defaults apply when optional keys are absent") {
  // Goal: the documented defaults. Method: load the minimal file and compare
  // with a default-constructed Scenario plus the required values.
  const Scenario loaded = load_ok(minimal_yaml);
  Scenario expected;
  expected.name = "minimal";
  expected.description = "Only what is required.";
  expected.duration = 10 * ns_per_s;
  expected.replica_count = 4;
  expected.faulty_count = 1;
  CHECK(loaded == expected);
  // The defaults themselves, spelled out once.
  CHECK(loaded.seed == 1);
  CHECK(loaded.crypto == CryptoKind::ed25519);
  CHECK(loaded.protocol.chain_id == "bftsim");
  CHECK(loaded.protocol.batch_size == 100);
  CHECK(loaded.protocol.view_timeout == 500 * ns_per_ms);
  CHECK(loaded.protocol.timeout_multiplier == 2.0);
  CHECK(loaded.protocol.view_timeout_max == 10 * ns_per_s);
  CHECK(loaded.network.latency.kind == DistributionKind::uniform);
  CHECK(loaded.network.latency.min == ns_per_ms);
  CHECK(loaded.network.latency.max == 5 * ns_per_ms);
  CHECK(loaded.network.loss_ppm == 0);
  CHECK(loaded.network.reorder_delay == 10 * ns_per_ms);
  CHECK(loaded.clients.client_count == 1);
  CHECK(loaded.clients.mode == ClientMode::closed);
  CHECK(loaded.clients.outstanding_max == 1);
  CHECK(loaded.clients.rate == Rate{100, ns_per_s});
  CHECK(loaded.clients.request_timeout == ns_per_s);
  CHECK(loaded.clients.op_count_max == 0);
  CHECK(loaded.clients.mix == OperationMix{.put = 50, .get = 50, .del = 0, .txn = 0});
  CHECK(loaded.clients.key_count == 100);
  CHECK(loaded.clients.zipf_theta == 0.99);
  CHECK(loaded.clients.value_size_bytes == 16);
  CHECK(loaded.clients.batch_ops == 1);
  CHECK(loaded.faults.empty());
  CHECK(loaded.expect.commit_height_min == 0);
  CHECK(loaded.expect.within == 2 * ns_per_s);
}

TEST_CASE("every latency distribution parses") {
  // Goal: each distribution form reaches its own fields. Method: one --set
  // per form over the minimal file.
  struct Case {
    std::string latency;
    LatencyDistribution expected;
  };
  const std::vector<Case> cases = {
      {"{distribution: constant, value: 3ms}",
       {.kind = DistributionKind::constant, .value = 3 * ns_per_ms, .min = 0, .max = 0}},
      {"{distribution: uniform, min: 2ms, max: 2ms}",
       {.kind = DistributionKind::uniform, .value = 0, .min = 2 * ns_per_ms, .max = 2 * ns_per_ms}},
      {"{distribution: exponential, mean: 1ms}",
       {.kind = DistributionKind::exponential, .value = 0, .min = 0, .max = 0, .mean = ns_per_ms}},
      {"{distribution: normal, mean: 4ms, stddev: 1ms}",
       {.kind = DistributionKind::normal, .value = 0, .min = 0, .max = 0, .mean = 4 * ns_per_ms, .stddev = ns_per_ms}},
      {"{distribution: lognormal, median: 3ms, sigma: 0.5}",
       {.kind = DistributionKind::lognormal, .value = 0, .min = 0, .max = 0, .median = 3 * ns_per_ms, .sigma = 0.5}},
      {"{distribution: pareto, scale: 1ms, shape: 2.5}",
       {.kind = DistributionKind::pareto, .value = 0, .min = 0, .max = 0, .scale = ns_per_ms, .shape = 2.5}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.latency);
    CHECK(load_ok(minimal_yaml, {"network.latency=" + c.latency}).network.latency == c.expected);
  }
  CHECK(distribution_name(DistributionKind::lognormal) == "lognormal");
}

// The first line of a bad/ file: "# expect-error: <fragment>".
std::string expected_fragment(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string first_line;
  std::getline(in, first_line);
  constexpr std::string_view marker = "# expect-error: ";
  REQUIRE_MESSAGE(starts_with(first_line, marker), file.string(), " lacks an expect-error first line");
  return first_line.substr(marker.size());
}

TEST_CASE("every scenarios/bad file fails with its stated message and line") {
  // Goal: each bad example is rejected for its stated reason at its stated
  // place. Method: load every file in name order; the message must start
  // with "<path>:<line>:<column>: " and contain the fragment, which itself
  // starts with ":<line>:<column>: " so the location is checked too.
  const std::filesystem::path directory = std::filesystem::path(BFTSIM_SOURCE_DIR) / "scenarios" / "bad";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 10);
  for (const auto& file : files) {
    const std::string fragment = expected_fragment(file);
    CAPTURE(file.string());
    CAPTURE(fragment);
    auto loaded = load_scenario_file(file.string(), {});
    REQUIRE_FALSE(loaded.has_value());
    const std::string& message = loaded.error().message;
    CAPTURE(message);
    CHECK(message.find(fragment) != std::string::npos);
    if (starts_with(fragment, ":")) CHECK(starts_with(message, file.string() + fragment));
  }
}

TEST_CASE("overrides set nested values, create optional maps and edit lists") {
  // Goal: --set edits the YAML tree before validation, with values parsed as
  // YAML. Method: apply overrides to the minimal and full files and read the
  // fields they name.
  const Scenario set = load_ok(minimal_yaml, {"network.loss=0.2", "crypto=fast", "clients.mix.txn=5",
                                              "protocol.batch_size=7", "seed=99", "expect.liveness=violated"});
  CHECK(set.network.loss_ppm == 200'000);
  CHECK(set.crypto == CryptoKind::fast);
  // The mix map did not exist, so the override created it: other weights 0.
  CHECK(set.clients.mix == OperationMix{.put = 0, .get = 0, .del = 0, .txn = 5});
  CHECK(set.protocol.batch_size == 7);
  CHECK(set.seed == 99);
  CHECK(set.expect.liveness == LivenessExpectation::violated);

  // Later overrides win; a whole list can be replaced or one entry edited.
  CHECK(load_ok(minimal_yaml, {"seed=3", "seed=4"}).seed == 4);
  CHECK(load_ok(full_yaml, {"faults=[]"}).faults.empty());
  const Scenario edited = load_ok(full_yaml, {"faults[0].at=3s", "faults[2].groups[1]=[3, 4]"});
  CHECK(std::get<CrashFault>(edited.faults[0]).at == 3 * ns_per_s);
  CHECK(std::get<PartitionFault>(edited.faults[2]).groups == std::vector<std::vector<ReplicaIndex>>{{0, 1, 2}, {3, 4}});
  const Scenario added = load_ok(minimal_yaml, {"faults=[{type: crash, node: 3, at: 1s}]"});
  REQUIRE(added.faults.size() == 1);
  CHECK(std::get<CrashFault>(added.faults[0]).replica == 3);

  // An override can supply a missing required key.
  const std::string without_expect = "name: x\ndescription: y\nduration: 1s\nreplicas: 4\nfaulty: 1\n";
  CHECK(load_ok(without_expect, {"expect={safety: holds, liveness: unchecked}"}).expect.liveness ==
        LivenessExpectation::unchecked);
  // A value with '=' in it keeps everything after the first '='.
  CHECK(load_ok(minimal_yaml, {"description=a=b"}).description == "a=b");
}

TEST_CASE("overrides reject unknown paths and bad values, naming --set") {
  // Goal: a mistyped --set fails loudly. Method: each bad override's message
  // must start with "--set <path>" and say why.
  CHECK(starts_with(load_error(minimal_yaml, {"network.lossy=1"}),
                    "--set network.lossy: unknown key \"lossy\" (known: latency, loss"));
  CHECK(starts_with(load_error(minimal_yaml, {"bogus=1"}), "--set bogus: unknown key \"bogus\""));
  CHECK(starts_with(load_error(minimal_yaml, {"clients.mix.write=1"}), "--set clients.mix.write: unknown key"));
  CHECK(starts_with(load_error(minimal_yaml, {"name.first=1"}), "--set name.first: name is not a map"));
  CHECK(starts_with(load_error(full_yaml, {"faults[6].at=1s"}), "--set faults[6].at: faults has 6 entries"));
  CHECK(starts_with(load_error(minimal_yaml, {"faults[0].at=1s"}), "--set faults[0].at: faults is not a list"));
  CHECK(starts_with(load_error(minimal_yaml, {"seed[0]=1"}), "--set seed[0]: seed is not a list"));
  CHECK(starts_with(load_error(minimal_yaml, {"noequals"}), "--set noequals: expected key.path=value"));
  CHECK(starts_with(load_error(minimal_yaml, {"=5"}), "--set =5: expected key.path=value"));
  CHECK(starts_with(load_error(minimal_yaml, {"network..loss=1"}), "--set network..loss: invalid key path"));
  CHECK(starts_with(load_error(minimal_yaml, {"faults[x]=1"}), "--set faults[x]: invalid key path"));
  // The value is validated like file content, located at the override.
  CHECK(load_error(minimal_yaml, {"protocol.batch_size=many"}) ==
        "--set protocol.batch_size: protocol.batch_size: expected an integer, got \"many\"");
  CHECK(starts_with(load_error(minimal_yaml, {"network.loss=1.5"}), "--set network.loss: network.loss: probability"));
  CHECK(starts_with(load_error(minimal_yaml, {"faults=[{type: crash, at: 1s}]"}),
                    "--set faults: faults[0].node: missing required key"));
  CHECK(starts_with(load_error(minimal_yaml, {"network.latency=[1"}), "--set network.latency: syntax error"));
  CHECK(starts_with(load_error(minimal_yaml, {"description="}),
                    "--set description: description: expected a string, got nothing"));
  // An override that breaks a cross-key rule is caught after all overrides.
  CHECK(starts_with(load_error(minimal_yaml, {"faulty=2"}), "test.yaml:4:11: replicas: 4 replicas cannot tolerate"));
}

TEST_CASE("errors inside lists name the index and the line") {
  // Goal: key paths through lists. Method: bad fault entries at known lines.
  const std::string missing_at = minimal_with(
      "faults:\n"                               // line 9
      "  - {type: crash, node: 0, at: 1s}\n"    // line 10
      "  - {type: crash, node: 1, at: 2s}\n"    // line 11
      "  - type: restart\n"                     // line 12
      "    node: 2\n");                         // line 13
  CHECK(load_error(missing_at) == "test.yaml:12:5: faults[2].at: missing required key (in the map faults[2])");

  CHECK(load_error(minimal_with("faults:\n  - crash\n")) == "test.yaml:10:5: faults[0]: expected a map, got \"crash\"");
  CHECK(load_error(minimal_with("faults:\n  - {type: crash, node: 1, at: soon}\n")) ==
        "test.yaml:10:32: faults[0].at: invalid duration \"soon\": expected a number first");
  CHECK(load_error(minimal_with("faults:\n  - {type: partition, groups: [[0], [1, 9]], at: 1s}\n")) ==
        "test.yaml:10:41: faults[0].groups[1][1]: node 9 is out of range (replicas: 4, so 0..3)");
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {type: partition, groups: [[0], []], at: 1s}\n")),
                    "test.yaml:10:37: faults[0].groups[1]: a group needs at least one node"));
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {type: partition, groups: [], at: 1s}\n")),
                    "test.yaml:10:31: faults[0].groups: needs at least one group"));
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {type: cut, from: 2, to: 2, at: 1s}\n")),
                    "test.yaml:10:30: faults[0].to: from and to are the same node (2)"));
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {type: reboot, node: 2, at: 1s}\n")),
                    "test.yaml:10:12: faults[0].type: unknown fault type \"reboot\" (known: crash, restart, partition, cut, link, clog, disk, clock)"));
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {node: 2, at: 1s}\n")),
                    "test.yaml:10:5: faults[0].type: missing required key (in the map faults[0])"));
  CHECK(starts_with(load_error(minimal_with("faults:\n  - {type: cut, from: 0, to: 1, at: 1s, groups: [[0]]}\n")),
                    "test.yaml:10:41: faults[0].groups: unknown key for a cut fault (known: type, from, to, at, until"));
  CHECK(load_error(minimal_with("faults:\n  - {type: cut, from: 0, to: 1, at: 2s, until: 2s}\n")) ==
        "test.yaml:10:48: faults[0].until: until 2s must be after at 2s");
  CHECK(starts_with(load_error(minimal_with("faults: {type: crash}\n")), "test.yaml:9:9: faults: expected a list, got a map"));
}

TEST_CASE("disk faults load with their per-kind keys and defaults") {
  // Goal: each `type: disk` kind parses to its DiskFault, with count 1 and no
  // capacity by default, and --set can edit one. Method: one entry per kind.
  const std::string yaml = minimal_with(
      "faults:\n"
      "  - {type: disk, node: 2, at: 3s, fault: corrupt}\n"
      "  - {type: disk, node: 1, at: 1s, fault: corrupt, count: 8}\n"
      "  - {type: disk, node: 0, at: 2s, until: 5s, fault: torn}\n"
      "  - {type: disk, node: 3, at: 3s, until: 5s, fault: slow, latency: 20ms}\n"
      "  - {type: disk, node: 2, at: 4s, fault: full, capacity_bytes: 4096}\n"
      "  - {type: disk, node: 2, at: 6s, until: 7s, fault: full}\n");
  const Scenario scenario = load_ok(yaml);
  REQUIRE(scenario.faults.size() == 6);
  CHECK(std::get<DiskFault>(scenario.faults[0]) ==
        DiskFault{.replica = 2, .kind = DiskFaultKind::corrupt, .at = 3 * ns_per_s});
  CHECK(std::get<DiskFault>(scenario.faults[1]).bit_flip_count == 8);
  CHECK(std::get<DiskFault>(scenario.faults[2]) ==
        DiskFault{.replica = 0, .kind = DiskFaultKind::torn, .at = 2 * ns_per_s, .until = 5 * ns_per_s});
  CHECK(std::get<DiskFault>(scenario.faults[3]) == DiskFault{.replica = 3,
                                                             .kind = DiskFaultKind::slow,
                                                             .at = 3 * ns_per_s,
                                                             .until = 5 * ns_per_s,
                                                             .sync_latency = 20 * ns_per_ms});
  CHECK(std::get<DiskFault>(scenario.faults[4]).capacity_bytes == std::optional<std::uint64_t>(4096));
  CHECK(std::get<DiskFault>(scenario.faults[5]).capacity_bytes == std::nullopt);
  CHECK(fault_type_name(scenario.faults[0]) == "disk");
  CHECK(disk_fault_kind_name(DiskFaultKind::slow) == "slow");
  CHECK(fault_until(scenario.faults[0]) == std::nullopt);  // corrupt is an instant
  CHECK(fault_until(scenario.faults[3]) == std::optional<Duration>(5 * ns_per_s));
  const Scenario edited = load_ok(yaml, {"faults[3].latency=50ms", "faults[0].count=3"});
  CHECK(std::get<DiskFault>(edited.faults[3]).sync_latency == 50 * ns_per_ms);
  CHECK(std::get<DiskFault>(edited.faults[0]).bit_flip_count == 3);
}

TEST_CASE("disk fault errors name the key, the kind and the place") {
  // Goal: disk fault entries are as strict as every other key. Method: one
  // bad entry per rule at line 10, each message checked with its column.
  const auto error = [](std::string_view entry) {
    return load_error(minimal_with("faults:\n  - " + std::string(entry) + "\n"));
  };
  CHECK(error("{type: disk, node: 2, at: 1s}") ==
        "test.yaml:10:5: faults[0].fault: missing required key (in the map faults[0])");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: melt}") ==
        "test.yaml:10:42: faults[0].fault: unknown disk fault \"melt\" (known: corrupt, torn, slow, full)");
  CHECK(error("{type: disk, node: 2, at: 1s, until: 2s, fault: corrupt}") ==
        "test.yaml:10:35: faults[0].until: unknown key for a disk corrupt fault (known: type, node, at, fault, count)");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: torn, latency: 5ms}") ==
        "test.yaml:10:48: faults[0].latency: unknown key for a disk torn fault (known: type, node, at, until, fault)");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: slow}") ==
        "test.yaml:10:5: faults[0].latency: missing required key (in the map faults[0])");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: slow, latency: 0s}") ==
        "test.yaml:10:57: faults[0].latency: must be > 0");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: corrupt, count: 0}") ==
        "test.yaml:10:58: faults[0].count: must be between 1 and 1024, got 0");
  CHECK(error("{type: disk, node: 2, at: 1s, fault: full, capacity_bytes: -1}") ==
        "test.yaml:10:64: faults[0].capacity_bytes: must be >= 0, got -1");
  CHECK(error("{type: disk, node: 4, at: 1s, fault: torn}") ==
        "test.yaml:10:24: faults[0].node: node 4 is out of range (replicas: 4, so 0..3)");
  CHECK(error("{type: disk, node: 1, at: 3s, until: 3s, fault: full}") ==
        "test.yaml:10:42: faults[0].until: until 3s must be after at 3s");
}

TEST_CASE("random_faults.disk loads with its defaults and rejects bad keys") {
  // Goal: the random disk block reads nodes, rates and torn, defaults nodes to
  // every replica and stop to the duration, and reports errors at their place.
  // Method: a full block, a minimal one, then one bad block per rule.
  const Scenario full = load_ok(minimal_with(
      "random_faults:\n"
      "  disk: {nodes: [3, 1], corrupt_rate: 0.5/s, corrupt_count: 2, torn: true, start: 1s, stop: 8s}\n"));
  REQUIRE(full.random_faults.disk.has_value());
  CHECK(*full.random_faults.disk == RandomDiskConfig{.replicas = {3, 1},
                                                     .corrupt_rate = Rate{1, 2 * ns_per_s},
                                                     .bit_flip_count = 2,
                                                     .torn = true,
                                                     .start = 1 * ns_per_s,
                                                     .stop = 8 * ns_per_s});
  const Scenario minimal = load_ok(minimal_with("random_faults: {disk: {torn: true}}\n"));
  CHECK(*minimal.random_faults.disk == RandomDiskConfig{.replicas = {0, 1, 2, 3},
                                                        .torn = true,
                                                        .stop = 10 * ns_per_s});
  CHECK_FALSE(minimal.random_faults.partitions.has_value());
  CHECK(load_ok(minimal_with(""), {"random_faults.disk.corrupt_rate=2/s"}).random_faults.disk->corrupt_rate ==
        std::optional<Rate>(Rate{2, ns_per_s}));

  const auto error = [](std::string_view block) {
    return load_error(minimal_with("random_faults:\n  disk: " + std::string(block) + "\n"));
  };
  CHECK(error("{}") == "test.yaml:10:9: random_faults.disk: random disk faults need corrupt_rate or torn: true");
  CHECK(error("{torn: true, rate: 1/s}") ==
        "test.yaml:10:22: random_faults.disk.rate: unknown key (known: nodes, corrupt_rate, corrupt_count, torn, "
        "start, stop)");
  CHECK(error("{torn: yes}") == "test.yaml:10:16: random_faults.disk.torn: unknown boolean \"yes\" (known: true, false)");
  CHECK(error("{corrupt_rate: 0/s}") == "test.yaml:10:24: random_faults.disk.corrupt_rate: rate must be > 0");
  CHECK(error("{torn: true, nodes: [1, 1]}") == "test.yaml:10:33: random_faults.disk.nodes[1]: node 1 is listed twice");
  CHECK(error("{torn: true, nodes: []}") == "test.yaml:10:29: random_faults.disk.nodes: needs at least one node");
  CHECK(error("{torn: true, nodes: [7]}") ==
        "test.yaml:10:30: random_faults.disk.nodes[0]: node 7 is out of range (replicas: 4, so 0..3)");
  CHECK(error("{torn: true, start: 12s}") ==
        "test.yaml:10:29: random_faults.disk.start: stop 10s must be after start 12s (the default stop is the "
        "run's duration)");
  CHECK(error("{corrupt_rate: 1/ms}") ==
        "test.yaml:10:24: random_faults.disk.corrupt_rate: would make about 40000 corruptions between start and "
        "stop over 4 nodes; at most 10000");
}

TEST_CASE("unknown keys are rejected at every level") {
  // Goal: no misspelling is silently ignored. Method: one unknown key per
  // map of the schema; the message names the full key path and its line.
  CHECK(starts_with(load_error(minimal_with("colour: red\n")), "test.yaml:9:1: colour: unknown key (known: name,"));
  CHECK(starts_with(load_error(minimal_with("protocol: {batch: 3}\n")), "test.yaml:9:12: protocol.batch: unknown key"));
  CHECK(starts_with(load_error(minimal_with("clients:\n  rates: 3/s\n")), "test.yaml:10:3: clients.rates: unknown key"));
  CHECK(starts_with(load_error(minimal_with("clients:\n  mix: {put: 1, scan: 1}\n")),
                    "test.yaml:10:17: clients.mix.scan: unknown key (known: put, get, del, txn, incr, append)"));
  CHECK(starts_with(load_error(minimal_with("  deadline: 3s\n")), "test.yaml:9:3: expect.deadline: unknown key"));
  CHECK(starts_with(load_error(minimal_with("network:\n  latency: {distribution: constant, value: 1ms, max: 2ms}\n")),
                    "test.yaml:10:49: network.latency.max: unknown key for distribution constant (known: distribution, value)"));
}

TEST_CASE("wrong types and broken constraints") {
  // Goal: each value is checked for type and range. Method: a table of
  // one-line additions and the message each must produce.
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"protocol: 5\n", "test.yaml:9:11: protocol: expected a map, got \"5\""},
      {"seed: -1\n", "test.yaml:9:7: seed: must be >= 0, got -1"},
      {"seed: 18446744073709551616\n", "test.yaml:9:7: seed: must be at most 18446744073709551615"},
      {"seed: \"7\"\n", "test.yaml:9:7: seed: expected an integer, got the quoted string \"7\""},
      {"crypto: rsa\n", "test.yaml:9:9: crypto: unknown crypto \"rsa\" (known: ed25519, fast)"},
      {"crypto: [fast]\n", "test.yaml:9:9: crypto: expected one of ed25519, fast, got a list"},
      {"protocol: {batch_size: 0}\n", "test.yaml:9:24: protocol.batch_size: must be between 1 and 4096, got 0"},
      {"protocol: {batch_size: 2.5}\n", "test.yaml:9:24: protocol.batch_size: expected an integer, got \"2.5\""},
      {"protocol: {chain_id: \"\"}\n", "test.yaml:9:22: protocol.chain_id: must be 1 to 64 bytes long, got 0"},
      {"protocol: {timeout_multiplier: 0.5}\n", "test.yaml:9:32: protocol.timeout_multiplier: must be >= 1.0, got 0.5"},
      {"protocol: {view_timeout: 0s}\n", "test.yaml:9:26: protocol.view_timeout: must be > 0"},
      {"protocol: {backoff_reset: view}\n",
       "test.yaml:9:27: protocol.backoff_reset: unknown backoff reset \"view\" (known: commit, qc)"},
      {"protocol: {leader_election: random}\n",
       "test.yaml:9:29: protocol.leader_election: unknown leader election \"random\" (known: round_robin, reputation)"},
      {"protocol: {reputation_window: 0}\n",
       "test.yaml:9:31: protocol.reputation_window: must be between 1 and 1024, got 0"},
      {"protocol: {reputation_window: 16, block_retention: 16}\n",
       "test.yaml:9:31: protocol.reputation_window: reputation_window 16 must be below block_retention 16"},
      {"protocol: {view_timeout: 2s, view_timeout_max: 1s}\n",
       "test.yaml:9:48: protocol.view_timeout_max: view_timeout_max 1s is below view_timeout 2s"},
      {"protocol: {view_timeout: 20s}\n",
       "test.yaml:9:26: protocol.view_timeout: view_timeout_max 10s is below view_timeout 20s (the default)"},
      {"network: {latency: {distribution: uniform, min: 5ms, max: 1ms}}\n",
       "test.yaml:9:59: network.latency.max: max 1ms is below min 5ms"},
      {"network: {latency: {min: 1ms}}\n", "test.yaml:9:20: network.latency.distribution: missing required key"},
      {"network: {latency: {distribution: pareto, scale: 1ms, shape: 0}}\n",
       "test.yaml:9:62: network.latency.shape: must be > 0, got 0"},
      {"network: {latency: {distribution: uniform, min: 1ms}}\n",
       "test.yaml:9:20: network.latency.max: missing required key (in the map network.latency)"},
      {"network: {loss: high}\n", "test.yaml:9:17: network.loss: expected a probability between 0 and 1, got \"high\""},
      {"network: {duplicate: -0.5}\n", "test.yaml:9:22: network.duplicate: probability must be between 0 and 1, got -0.5"},
      {"network: {reorder: .nan}\n", "test.yaml:9:20: network.reorder: expected a probability between 0 and 1"},
      {"clients: {count: 1001}\n", "test.yaml:9:18: clients.count: must be between 0 and 1000, got 1001"},
      {"clients: {mode: batch}\n", "test.yaml:9:17: clients.mode: unknown client mode \"batch\" (known: closed, open)"},
      {"clients: {rate: 0/s}\n", "test.yaml:9:17: clients.rate: rate must be > 0"},
      {"clients: {rate: 100}\n", "test.yaml:9:17: clients.rate: invalid rate \"100\": expected a rate like 100/s"},
      {"clients: {mix: {put: 0}}\n", "test.yaml:9:16: clients.mix: at least one weight must be > 0"},
      {"clients: {zipf_theta: 1}\n", "test.yaml:9:23: clients.zipf_theta: must be > 0 and < 1, got 1"},
      {"clients: {value_size: 65537}\n", "test.yaml:9:23: clients.value_size: must be between 0 and 65536, got 65537"},
      {"clients: {keys: 0}\n", "test.yaml:9:17: clients.keys: must be >= 1, got 0"},
      {"clients: {batch: 0}\n", "test.yaml:9:18: clients.batch: must be between 1 and 128, got 0"},
      {"clients: {batch: 129}\n", "test.yaml:9:18: clients.batch: must be between 1 and 128, got 129"},
      {"clients: {batch: 16, value_size: 65536}\n",
       "test.yaml:9:18: clients.batch: 16 operations of value_size 65536 may take 1050624 bytes, over "
       "batch_size_bytes_max (1048576)"},
      {"clients: {key_distribution: zipf}\n", "test.yaml:9:29: clients.key_distribution: unknown key distribution \"zipf\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    const std::string message = load_error(minimal_with(c.yaml));
    CHECK(starts_with(message, c.message));
  }
}

TEST_CASE("required keys and top-level values") {
  // Goal: each required key, and the checks on top-level scalars. Method:
  // whole documents with one thing wrong.
  CHECK(load_error("description: d\nduration: 1s\nreplicas: 1\nfaulty: 0\nexpect: {safety: holds, liveness: holds}\n") ==
        "test.yaml:1:1: name: missing required key (in the top-level map)");
  CHECK(load_error("name: n\ndescription: d\nduration: 1s\nreplicas: 4\nfaulty: 1\nexpect: {safety: holds}\n") ==
        "test.yaml:6:9: expect.liveness: missing required key (in the map expect)");
  CHECK(load_error("name: n\ndescription: d\nduration: 1s\nreplicas: 4\nfaulty: 1\nexpect:\n") ==
        "test.yaml:6:1: expect: expected a map, got nothing");
  CHECK(load_error("name: n\ndescription: d\nduration: 0s\nreplicas: 4\nfaulty: 1\nexpect: {}\n") ==
        "test.yaml:3:11: duration: must be > 0");
  CHECK(load_error("name: n\ndescription: d\nduration: 1s\nreplicas: 1025\nfaulty: 1\nexpect: {}\n") ==
        "test.yaml:4:11: replicas: must be between 2 and 1024, got 1025");
  CHECK(load_error("name: n\ndescription: d\nduration: 1s\nreplicas: 1\nfaulty: 0\nexpect: {}\n") ==
        "test.yaml:4:11: replicas: must be between 2 and 1024, got 1");
  CHECK(load_error("name: \"\"\ndescription: d\n") == "test.yaml:1:7: name: must not be empty");
  CHECK(load_error("name: \"two\\nlines\"\ndescription: d\n") == "test.yaml:1:7: name: must be a single line");
  CHECK(load_error("name: [a]\n") == "test.yaml:1:7: name: expected a string, got a list");
  // n = 3f + 1 exactly is accepted; one less is not.
  CHECK(load_ok(minimal_yaml, {"replicas=7", "faulty=2"}).replica_count == 7);
  CHECK(starts_with(load_error(minimal_yaml, {"replicas=6", "faulty=2"}),
                    "--set replicas: replicas: 6 replicas cannot tolerate faulty: 2 (need replicas >= 3*faulty+1 = 7)"));
  // Numeric-looking names stay strings.
  CHECK(load_ok(minimal_yaml, {"name=123"}).name == "123");
}

TEST_CASE("document-level errors: syntax, emptiness, several documents, duplicates, tags") {
  // Goal: YAML-level problems are reported with a location, and the loader
  // never throws. Method: malformed documents.
  auto syntax = load_scenario_string("name: a\nreplicas: [1, 2\nfaulty: 0\n", "test.yaml", {});
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().code == ErrorCode::malformed);
  CHECK(starts_with(syntax.error().message, "test.yaml:3:"));
  CHECK(syntax.error().message.find("syntax error") != std::string::npos);

  CHECK(load_error("") == "test.yaml:1:1: (top level): expected a map of scenario keys, got nothing");
  CHECK(load_error("# only a comment\n") == "test.yaml:1:1: (top level): expected a map of scenario keys, got nothing");
  CHECK(load_error("- a\n- b\n") == "test.yaml:1:1: (top level): expected a map of scenario keys, got a list");
  // The second document is named at its "---" line.
  CHECK(starts_with(load_error(std::string(minimal_yaml) + "---\nname: second\n"),
                    "test.yaml:9:1: (top level): expected one YAML document"));
  CHECK(load_error(minimal_with("seed: 1\nseed: 2\n")) ==
        "test.yaml:10:1: seed: duplicate key (first given at test.yaml:9:1)");
  CHECK(load_error(minimal_with("network: {loss: 0.1, loss: 0.2}\n")) ==
        "test.yaml:9:22: network.loss: duplicate key (first given at test.yaml:9:11)");
  CHECK(starts_with(load_error(minimal_with("seed: !!int 5\n")), "test.yaml:9:7: seed: YAML tag"));
  CHECK(starts_with(load_error(minimal_with("? [a, b]\n: 1\n")), "test.yaml:9:3: (top level): map keys must be plain"));
  // An explicit string tag is a string: no integer from it.
  CHECK(starts_with(load_error(minimal_with("seed: !!str 5\n")), "test.yaml:9:7: seed: expected an integer, got the quoted"));
  // Anchors and aliases are rejected even where harmless: they are how a
  // few lines grow into a cycle or a billion nodes, and scenarios never
  // need them (docs/scenario_schema.md).
  CHECK(load_error(minimal_with("protocol: {view_timeout: &t 300ms, view_timeout_max: *t}\n")) ==
        "test.yaml:9:26: protocol.view_timeout: YAML anchors (&name) and aliases (*name) are not supported; "
        "write the value out");
}

TEST_CASE("inputs that hung or crashed the loader end in one located error, in a file and in --set") {
  // Goal: whatever the file or --set value, loading returns: no endless
  // loop, stack overflow or memory blowup. Method: the three reported inputs
  // (a lone ',' that yaml-cpp 0.7's LoadAll read as endless empty documents,
  // the self-referencing alias `a: &a [*a]` that recursed until the stack
  // overflowed, nested aliases that expand to 10^9 nodes) plus the two
  // bounds (depth, node count), each as file text and as a --set value; each
  // must give its error at its place. A control case just inside each bound
  // still loads.
  CHECK(load_error(",") == "test.yaml:1:1: syntax error: unexpected ',' where a value should start");
  // yaml-cpp's scanner rejects a stray ']' or '}' by itself.
  CHECK(load_error("]") == "test.yaml:1:1: syntax error: illegal flow end");
  CHECK(load_error(minimal_with(",\n")) == "test.yaml:9:1: syntax error: end of map not found");
  CHECK(load_error(minimal_yaml, {"seed=,"}) == "--set seed: syntax error: unexpected ',' where a value should start");

  constexpr std::string_view alias_message = "YAML anchors (&name) and aliases (*name) are not supported";
  CHECK(starts_with(load_error("a: &a [*a]\n"), fmt::format("test.yaml:1:4: a: {}", alias_message)));
  CHECK(starts_with(load_error(minimal_yaml, {"seed=&a [*a]"}), fmt::format("--set seed: seed: {}", alias_message)));
  std::string bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char name = 'b'; name <= 'i'; ++name)
    bomb += fmt::format("{0}: &{0} [{1}]\n", name, fmt::format("*{0}, *{0}, *{0}, *{0}, *{0}, *{0}, *{0}, *{0}, *{0}, *{0}",
                                                                static_cast<char>(name - 1)));
  CHECK(starts_with(load_error(bomb), fmt::format("test.yaml:1:4: a: {}", alias_message)));
  CHECK(starts_with(load_error(minimal_yaml, {"network={a: &a [x, x], b: [*a, *a]}"}),
                    fmt::format("--set network: network.a: {}", alias_message)));
  // An alias to an anchor never defined is a syntax error.
  CHECK(starts_with(load_error(minimal_with("seed: *nowhere\n")), "test.yaml:9:7: syntax error"));

  // Depth: the root map is level 1, so a list may nest 63 deep below it.
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(load_error(minimal_with("faults: " + nested(63) + "\n")).find("nested") == std::string::npos);
  CHECK(starts_with(load_error(minimal_with("faults: " + nested(64) + "\n")),
                    "test.yaml:9:72: faults[0][0][0][0][0][0][0][0]"));
  CHECK(load_error(minimal_with("faults: " + nested(64) + "\n")).ends_with(": nested more than 64 levels deep"));
  // A --set value is a document of its own: its outermost list is level 1.
  std::string indices;
  for (int i = 0; i < 64; ++i) indices += "[0]";
  CHECK(load_error(minimal_yaml, {"seed=" + nested(100'000)}) ==
        fmt::format("--set seed: seed{}: nested more than 64 levels deep", indices));

  // Node count: keys and values together, at most yaml_node_count_max.
  const auto flat_list = [](std::size_t items) {
    std::string text = "[";
    for (std::size_t i = 0; i < items; ++i) text += i == 0 ? "0" : ",0";
    return text + "]";
  };
  const std::string too_many = load_error(minimal_with("faults: " + flat_list(yaml_node_count_max) + "\n"));
  CHECK(starts_with(too_many, "test.yaml:9:"));
  CHECK(too_many.find(": faults[") != std::string::npos);
  CHECK(too_many.ends_with(fmt::format("more than {} YAML nodes in one document", yaml_node_count_max)));
  CHECK(load_error(minimal_with("faults: " + flat_list(yaml_node_count_max - 100) + "\n")).find("YAML nodes") ==
        std::string::npos);
  CHECK(load_error(minimal_yaml, {"faults=" + flat_list(yaml_node_count_max + 1)}).starts_with("--set faults: faults["));

  // Two documents: the error names the line where the second one starts.
  CHECK(load_error(minimal_yaml, {"seed=1\n---\n2"}) ==
        "--set seed: seed: expected one YAML document, found a second one");
}

TEST_CASE("load_scenario_file reports unreadable files") {
  // Goal: a missing file is an io_error naming the path. Method: load a path
  // that does not exist.
  auto loaded = load_scenario_file("/nonexistent/scenario.yaml", {});
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == ErrorCode::io_error);
  CHECK(starts_with(loaded.error().message, "/nonexistent/scenario.yaml: cannot open"));
}

TEST_CASE("name helpers and fault accessors") {
  // Goal: the YAML spellings round-trip through the helpers, and fault
  // accessors read the variant. Method: direct calls.
  CHECK(client_mode_name(ClientMode::open) == "open");
  CHECK(key_distribution_name(KeyDistribution::zipfian) == "zipfian");
  CHECK(expect_name(SafetyExpectation::violated) == "violated");
  CHECK(expect_name(LivenessExpectation::unchecked) == "unchecked");
  const Scenario full = load_ok(full_yaml);
  std::vector<std::string_view> types;
  for (const Fault& fault : full.faults) types.push_back(fault_type_name(fault));
  CHECK(types == std::vector<std::string_view>{"crash", "restart", "partition", "partition", "cut", "cut"});
  CHECK(fault_at(full.faults[1]) == 5 * ns_per_s);
  CHECK(fault_until(full.faults[0]) == std::nullopt);
  CHECK(fault_until(full.faults[2]) == std::optional<Duration>(8 * ns_per_s));
  CHECK(fault_until(full.faults[4]) == std::optional<Duration>(10'500 * ns_per_ms));
  const auto& partition = std::get<PartitionFault>(full.faults[2]);
  CHECK(partition_groups_with_rest(partition, 7) ==
        std::vector<std::vector<ReplicaIndex>>{{0, 1, 2}, {3}, {4, 5, 6}});
  CHECK(partition_groups_with_rest(PartitionFault{.groups = {{1, 0}}, .at = 0, .until = std::nullopt}, 2) == std::vector<std::vector<ReplicaIndex>>{{1, 0}});
}

}  // namespace
}  // namespace bftsim::test_sim_scenario_scenario_test
