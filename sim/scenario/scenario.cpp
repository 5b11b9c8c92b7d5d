// The strict scenario loader: YAML tree -> --set overrides -> validated
// Scenario. Each section has one reader (sections.h); each reader first
// rejects unknown keys, then reads its keys in schema order, so the first
// error is reported. The schema itself is data (schema.h).
#include "sim/scenario/scenario.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/scenario/overrides.h"
#include "sim/scenario/read_value.h"
#include "sim/scenario/scenario_tree.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/sections.h"

namespace bftsim {

using namespace loader;

namespace {

// storage.engine: memory has no disk, so nothing may fault one.
Status check_engine_has_disk(const YamlNode& root, const Scenario& out) {
  if (out.storage.engine != StorageEngine::memory) return {};
  constexpr std::string_view why = "needs a disk; storage.engine is memory (use engine: lsm)";
  for (std::size_t i = 0; i < out.faults.size(); ++i)
    if (std::holds_alternative<DiskFault>(out.faults[i]))
      return fail(root.find("faults")->items[i].where, fmt::format("faults[{}]", i),
                  fmt::format("a disk fault {}", why));
  if (out.random_faults.disk)
    return fail(root.find("random_faults")->find("disk")->where, "random_faults.disk",
                fmt::format("random disk faults {}", why));
  if (out.random_faults.swarm)
    return fail(root.find("random_faults")->find("swarm")->where, "random_faults.swarm",
                fmt::format("the swarm family (it may draw disk faults) {}", why));
  return {};
}

Result<Scenario> read_scenario(const YamlNode& root) {
  Scenario out;
  if (root.kind != Kind::map)
    return fail(root.where, "", fmt::format("expected a map of scenario keys, got {}", describe_value(root)));
  BFTSIM_SCENARIO_TRY(check_keys(root, "", top_keys));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "name", out.name, [](const YamlNode& node, std::string_view p) {
    return read_one_line(node, p, false);
  }));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "description", out.description,
                                    [](const YamlNode& node, std::string_view p) { return read_one_line(node, p, true); }));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "seed", out.seed, read_unsigned64));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "duration", out.duration, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "duration_views", out.duration_views, integer_in(1, int64_max)));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "event_rate_max", out.event_rate_max, integer_in(100, int64_max)));
  // At least 2: a lone replica's own vote is a quorum, so it would certify
  // its blocks and propose the next without end at one instant.
  BFTSIM_SCENARIO_TRY(read_required(root, "", "replicas", out.replica_count, integer_in(2, replica_count_max)));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "faulty", out.faulty_count, integer_in(0, replica_count_max)));
  if (out.replica_count < 3 * out.faulty_count + 1)
    return fail(root.find("replicas")->where, "replicas",
                fmt::format("{} replicas cannot tolerate faulty: {} (need replicas >= 3*faulty+1 = {})",
                            out.replica_count, out.faulty_count, 3 * out.faulty_count + 1));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "crypto", out.crypto, enum_of(NameTable<CryptoKind>(crypto_names), "crypto")));
  if (const YamlNode* node = root.find("protocol")) BFTSIM_SCENARIO_TRY(read_protocol(*node, "protocol", out.replica_count, out.protocol));
  if (const YamlNode* node = root.find("storage")) BFTSIM_SCENARIO_TRY(read_storage(*node, "storage", out.storage));
  if (const YamlNode* node = root.find("network")) BFTSIM_SCENARIO_TRY(read_network(*node, "network", out.network));
  if (const YamlNode* node = root.find("clients")) BFTSIM_SCENARIO_TRY(read_clients(*node, "clients", out.clients));
  if (const YamlNode* node = root.find("faults"))
    BFTSIM_SCENARIO_TRY(read_faults(*node, "faults", out.replica_count, out.faults));
  if (const YamlNode* node = root.find("random_faults"))
    BFTSIM_SCENARIO_TRY(read_random_faults(*node, "random_faults", out, out.random_faults));
  BFTSIM_SCENARIO_TRY(check_engine_has_disk(root, out));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "allow_more_faulty", out.allow_more_faulty,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  if (const YamlNode* node = root.find("byzantine")) {
    BFTSIM_SCENARIO_TRY(read_byzantine(*node, "byzantine", out.replica_count, out.byzantine));
    if (out.byzantine.size() > out.faulty_count && !out.allow_more_faulty)
      return fail(node->where, "byzantine",
                  fmt::format("{} Byzantine replicas exceed faulty: {} (set allow_more_faulty: true to "
                              "go past f on purpose, e.g. to show a checker catching a violation)",
                              out.byzantine.size(), out.faulty_count));
  }
  if (const YamlNode* node = root.find("faults")) BFTSIM_SCENARIO_TRY(check_twin_placements(*node, "faults", out));
  BFTSIM_SCENARIO_TRY(finish_random_byzantine(root, out));
  auto expect = require(root, "", "expect");
  if (!expect) return tl::unexpected(std::move(expect.error()));
  BFTSIM_SCENARIO_TRY(read_expect(**expect, "expect", out.expect));
  return out;
}

}  // namespace


Result<Scenario> load_scenario_string(std::string_view yaml_text, std::string_view source_name,
                                      const std::vector<std::string>& overrides) {
  auto root = parse_yaml_tree(yaml_text, source_name);
  if (!root) return tl::unexpected(std::move(root.error()));
  for (const std::string& assignment : overrides) BFTSIM_SCENARIO_TRY(apply_override(*root, assignment));
  return read_scenario(*root);
}

Result<Scenario> load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return make_error(ErrorCode::io_error, fmt::format("{}: cannot open the scenario file", path));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return make_error(ErrorCode::io_error, fmt::format("{}: cannot read the scenario file", path));
  return load_scenario_string(text.str(), path, overrides);
}

std::string_view distribution_name(DistributionKind kind) {
  return name_of(NameTable<DistributionKind>(distribution_names), kind);
}
std::string_view client_mode_name(ClientMode mode) { return name_of(NameTable<ClientMode>(client_mode_names), mode); }
std::string_view key_distribution_name(KeyDistribution distribution) {
  return name_of(NameTable<KeyDistribution>(key_distribution_names), distribution);
}
std::string_view expect_name(SafetyExpectation expectation) {
  return name_of(NameTable<SafetyExpectation>(safety_names), expectation);
}
std::string_view expect_name(LivenessExpectation expectation) {
  return name_of(NameTable<LivenessExpectation>(liveness_names), expectation);
}

std::string_view fault_type_name(const Fault& fault) {
  static constexpr std::string_view names[] = {"crash", "restart", "partition", "cut",
                                               "link",  "clog",    "disk",      "clock"};
  static_assert(std::size(names) == std::variant_size_v<Fault>);
  return names[fault.index()];
}

Duration fault_at(const Fault& fault) {
  return std::visit([](const auto& f) { return f.at; }, fault);
}

std::optional<Duration> fault_until(const Fault& fault) {
  if (const auto* partition = std::get_if<PartitionFault>(&fault)) return partition->until;
  if (const auto* cut = std::get_if<CutFault>(&fault)) return cut->until;
  if (const auto* link = std::get_if<LinkFault>(&fault)) return link->until;
  if (const auto* clog = std::get_if<ClogFault>(&fault))
    return clog->at_view ? std::nullopt : std::optional<Duration>(clog->until);
  if (const auto* disk = std::get_if<DiskFault>(&fault)) return disk->until;
  if (const auto* clock = std::get_if<ClockFault>(&fault)) return clock->until;
  return std::nullopt;
}

std::optional<View> fault_at_view(const Fault& fault) {
  return std::visit(
      [](const auto& f) -> std::optional<View> {
        if constexpr (requires { f.at_view; }) return f.at_view;
        else return std::nullopt;
      },
      fault);
}

std::optional<View> fault_until_view(const Fault& fault) {
  return std::visit(
      [](const auto& f) -> std::optional<View> {
        if constexpr (requires { f.until_view; }) return f.until_view;
        else return std::nullopt;
      },
      fault);
}

const MessageFilter* fault_filter(const Fault& fault) {
  return std::visit(
      [](const auto& f) -> const MessageFilter* {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, PartitionFault> || std::is_same_v<T, CutFault> ||
                      std::is_same_v<T, LinkFault> || std::is_same_v<T, ClogFault>)
          return &f.filter;
        else return nullptr;
      },
      fault);
}

std::string_view disk_fault_kind_name(DiskFaultKind kind) {
  return name_of(NameTable<DiskFaultKind>(disk_fault_kind_names), kind);
}

std::vector<std::vector<ReplicaIndex>> partition_groups_with_rest(const PartitionFault& fault,
                                                                  std::uint32_t replica_count) {
  std::vector<bool> listed(replica_count, false);
  for (const auto& group : fault.groups)
    for (ReplicaIndex replica : group) {
      BFTSIM_ASSERT(replica < replica_count);
      listed[replica] = true;
    }
  for (const TwinPlacement& twin : fault.twins) {
    BFTSIM_ASSERT(twin.replica < replica_count);
    listed[twin.replica] = true;
  }
  std::vector<std::vector<ReplicaIndex>> out = fault.groups;
  std::vector<ReplicaIndex> rest;
  for (ReplicaIndex replica = 0; replica < replica_count; ++replica)
    if (!listed[replica]) rest.push_back(replica);
  if (!rest.empty()) out.push_back(std::move(rest));
  return out;
}

}  // namespace bftsim
