// Readers of what goes wrong in a scenario: byzantine, faults (crash,
// restart, partition, cut, link, clog, disk, clock; their windows, filters
// and groups are read by fault_scope.h) and random_faults (sections.h).
#include "sim/scenario/sections.h"

#include <algorithm>
#include <cmath>

#include "core/protocol/messages.h"
#include "sim/scenario/fault_scope.h"
#include "sim/scenario/fault_values.h"
#include "sim/scenario/read_value.h"

namespace bftsim::loader {
namespace {

auto replica_index_reader(std::uint32_t replica_count) {
  return [=](const YamlNode& node, std::string_view path) { return read_replica_index(node, path, replica_count); };
}

// Reads `from`, `to` (distinct replicas) and the optional `both` of a link
// or clog fault.
Status read_link_ends(const YamlNode& map, std::string_view path, std::uint32_t replica_count,
                      ReplicaIndex& from, ReplicaIndex& to, bool& both) {
  const auto read_index = replica_index_reader(replica_count);
  BFTSIM_SCENARIO_TRY(read_required(map, path, "from", from, read_index));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "to", to, read_index));
  if (from == to)
    return fail(map.find("to")->where, key_path_join(path, "to"), fmt::format("from and to are the same node ({})", to));
  return read_optional(map, path, "both", both, enum_of(NameTable<bool>(bool_names), "boolean"));
}

Status read_in_flight(const YamlNode& map, std::string_view path, InFlight& out) {
  return read_optional(map, path, "in_flight", out, enum_of(NameTable<InFlight>(in_flight_names), "in_flight"));
}

// `{type: clock, node, at, until, skew, drift}`.
Result<Fault> read_clock_fault(const YamlNode& map, std::string_view path, std::uint32_t replica_count) {
  BFTSIM_SCENARIO_TRY(check_keys(map, path, clock_keys, " for a clock fault"));
  ClockFault fault;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "node", fault.replica, replica_index_reader(replica_count)));
  BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "skew", fault.skew, read_signed_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "drift", fault.drift_ppm, read_drift));
  if (fault.skew == 0 && fault.drift_ppm == 0)
    return fail(map.where, path, "a clock fault needs a nonzero skew or drift");
  return Fault{fault};
}

// `{type: disk, node, fault, at, ...}`: the keys allowed depend on `fault`.
Result<Fault> read_disk_fault(const YamlNode& map, std::string_view path, std::uint32_t replica_count) {
  DiskFault fault;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "fault", fault.kind,
                                    enum_of(NameTable<DiskFaultKind>(disk_fault_kind_names), "disk fault")));
  const std::string context = fmt::format(" for a disk {} fault", disk_fault_kind_name(fault.kind));
  switch (fault.kind) {
    case DiskFaultKind::corrupt: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_corrupt_keys, context)); break;
    case DiskFaultKind::torn: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_torn_keys, context)); break;
    case DiskFaultKind::slow: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_slow_keys, context)); break;
    case DiskFaultKind::full: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_full_keys, context)); break;
  }
  BFTSIM_SCENARIO_TRY(read_required(map, path, "node", fault.replica, replica_index_reader(replica_count)));
  BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
  switch (fault.kind) {
    case DiskFaultKind::corrupt:
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "count", fault.bit_flip_count, integer_in(1, bit_flip_count_max)));
      break;
    case DiskFaultKind::torn: break;
    case DiskFaultKind::slow:
      BFTSIM_SCENARIO_TRY(read_required(map, path, "latency", fault.sync_latency, read_positive_duration));
      break;
    case DiskFaultKind::full:
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "capacity_bytes", fault.capacity_bytes, integer_in(0, int64_max)));
      break;
  }
  return Fault{fault};
}

Result<Fault> read_fault(const YamlNode& map, std::string_view path, std::uint32_t replica_count) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  FaultType type = FaultType::crash;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "type", type, enum_of(NameTable<FaultType>(fault_type_names), "fault type")));
  const std::string context =
      fmt::format(" for a {} fault", name_of(NameTable<FaultType>(fault_type_names), type));
  const auto read_index = replica_index_reader(replica_count);
  Window window;
  switch (type) {
    case FaultType::crash:
    case FaultType::restart: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, crash_keys, context));
      ReplicaIndex replica = 0;
      BFTSIM_SCENARIO_TRY(read_required(map, path, "node", replica, read_index));
      BFTSIM_SCENARIO_TRY(read_window(map, path, window));
      if (type == FaultType::crash)
        return Fault{CrashFault{.replica = replica, .at = window.at, .at_view = window.at_view}};
      return Fault{RestartFault{.replica = replica, .at = window.at, .at_view = window.at_view}};
    }
    case FaultType::partition: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, partition_keys, context));
      PartitionFault fault;
      auto groups_node = require(map, path, "groups");
      if (!groups_node) return tl::unexpected(std::move(groups_node.error()));
      BFTSIM_SCENARIO_TRY(read_groups(**groups_node, key_path_join(path, "groups"), replica_count, fault));
      BFTSIM_SCENARIO_TRY(read_window(map, path, window));
      fault.at = window.at;
      fault.until = window.until;
      fault.at_view = window.at_view;
      fault.until_view = window.until_view;
      BFTSIM_SCENARIO_TRY(read_filter(map, path, fault.filter));
      BFTSIM_SCENARIO_TRY(read_in_flight(map, path, fault.in_flight));
      return Fault{std::move(fault)};
    }
    case FaultType::cut: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, cut_keys, context));
      CutFault fault;
      BFTSIM_SCENARIO_TRY(read_required(map, path, "from", fault.from, read_index));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "to", fault.to, read_index));
      if (fault.from == fault.to)
        return fail(map.find("to")->where, key_path_join(path, "to"),
                    fmt::format("from and to are the same node ({})", fault.to));
      BFTSIM_SCENARIO_TRY(read_window(map, path, window));
      fault.at = window.at;
      fault.until = window.until;
      fault.at_view = window.at_view;
      fault.until_view = window.until_view;
      BFTSIM_SCENARIO_TRY(read_filter(map, path, fault.filter));
      BFTSIM_SCENARIO_TRY(read_in_flight(map, path, fault.in_flight));
      return Fault{fault};
    }
    case FaultType::link: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, link_keys, context));
      LinkFault fault;
      BFTSIM_SCENARIO_TRY(read_link_ends(map, path, replica_count, fault.from, fault.to, fault.both));
      BFTSIM_SCENARIO_TRY(read_window(map, path, window));
      fault.at = window.at;
      fault.until = window.until;
      fault.at_view = window.at_view;
      fault.until_view = window.until_view;
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "loss", fault.loss_ppm, read_probability));
      if (const YamlNode* node = map.find("latency")) {
        LatencyDistribution latency;
        BFTSIM_SCENARIO_TRY(read_latency(*node, key_path_join(path, "latency"), latency));
        fault.latency = latency;
      }
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "duplicate", fault.duplicate_ppm, read_probability));
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "bandwidth", fault.bandwidth, read_rate));
      if (!fault.loss_ppm && !fault.latency && !fault.duplicate_ppm && !fault.bandwidth)
        return fail(map.where, path, "a link fault needs at least one of loss, latency, duplicate, bandwidth");
      BFTSIM_SCENARIO_TRY(read_filter(map, path, fault.filter));
      return Fault{std::move(fault)};
    }
    case FaultType::clog: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, clog_keys, context));
      ClogFault fault;
      BFTSIM_SCENARIO_TRY(read_link_ends(map, path, replica_count, fault.from, fault.to, fault.both));
      BFTSIM_SCENARIO_TRY(read_window(map, path, window));
      // A clog must end: its messages are held until then.
      if (!window.until && !window.until_view) {
        auto missing = require(map, path, window.at_view ? "until_view" : "until");
        return tl::unexpected(std::move(missing.error()));
      }
      fault.at = window.at;
      fault.until = window.until.value_or(0);
      fault.at_view = window.at_view;
      fault.until_view = window.until_view;
      BFTSIM_SCENARIO_TRY(read_filter(map, path, fault.filter));
      return Fault{fault};
    }
    case FaultType::disk:
      return read_disk_fault(map, path, replica_count);
    case FaultType::clock:
      return read_clock_fault(map, path, replica_count);
  }
  return fail(map.where, path, "unhandled fault type");
}

// `random_faults.disk: {nodes, corrupt_rate, corrupt_count, torn, start, stop}`.
Status read_random_disk(const YamlNode& map, std::string_view path, const Scenario& scenario,
                        std::optional<RandomDiskConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_disk_keys));
  RandomDiskConfig config{.stop = scenario.duration};
  BFTSIM_SCENARIO_TRY(read_node_list(map, path, "nodes", scenario.replica_count, config.replicas));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "corrupt_rate", config.corrupt_rate, read_rate));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "corrupt_count", config.bit_flip_count, integer_in(1, bit_flip_count_max)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "torn", config.torn, enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(map, path, config.start, config.stop));
  if (!config.corrupt_rate && !config.torn)
    return fail(map.where, path, "random disk faults need corrupt_rate or torn: true");
  if (config.corrupt_rate) {
    const double expected_count = static_cast<double>(config.stop - config.start) *
                                  static_cast<double>(config.corrupt_rate->events) /
                                  static_cast<double>(config.corrupt_rate->per) *
                                  static_cast<double>(config.replicas.size());
    if (expected_count > random_disk_expected_count_max)
      return fail(map.find("corrupt_rate")->where, key_path_join(path, "corrupt_rate"),
                  fmt::format("would make about {:.0f} corruptions between start and stop over {} nodes; at most "
                              "{:.0f}",
                              expected_count, config.replicas.size(), random_disk_expected_count_max));
  }
  out = std::move(config);
  return {};
}

// `random_faults.partitions: {...}`. Needs the scenario's duration, replica
// count and faulty count for the defaults and ranges.
Status read_random_partitions(const YamlNode* node, const std::string& partitions_path, const Scenario& scenario,
                              std::optional<RandomPartitionsConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(*node, partitions_path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(*node, partitions_path, random_partitions_keys));
  RandomPartitionsConfig config{.stop = scenario.duration, .isolated_count_max = scenario.faulty_count};
  BFTSIM_SCENARIO_TRY(read_required(*node, partitions_path, "mean_interval", config.mean_interval, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_required(*node, partitions_path, "mean_duration", config.mean_duration, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(*node, partitions_path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(*node, partitions_path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(*node, partitions_path, config.start, config.stop));
  BFTSIM_SCENARIO_TRY(read_in_flight(*node, partitions_path, config.in_flight));
  const std::string isolated_path = key_path_join(partitions_path, "max_isolated");
  if (const YamlNode* isolated = node->find("max_isolated")) {
    auto value = read_integer(*isolated, isolated_path, 1, scenario.replica_count - 1);
    if (!value) return tl::unexpected(std::move(value.error()));
    config.isolated_count_max = static_cast<std::uint32_t>(*value);
  } else if (config.isolated_count_max == 0) {
    return fail(node->where, isolated_path,
                fmt::format("missing, and its default (faulty) is 0: give 1..{}", scenario.replica_count - 1));
  }
  BFTSIM_ASSERT(config.isolated_count_max < scenario.replica_count);  // the default: faulty <= (n - 1) / 3
  const double expected_count = static_cast<double>(config.stop - config.start) /
                                (static_cast<double>(config.mean_interval) + static_cast<double>(config.mean_duration));
  if (expected_count > random_partition_expected_count_max)
    return fail(node->where, partitions_path,
                fmt::format("would make about {:.0f} partitions between start and stop; at most {:.0f} (raise "
                            "mean_interval or mean_duration)",
                            expected_count, random_partition_expected_count_max));
  out = config;
  return {};
}

}  // namespace

// `byzantine: [{node: i, behavior: name | [names], parameters}]`, one entry per replica.
Status read_byzantine(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                      std::vector<ByzantineSpec>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  const auto read_index = replica_index_reader(replica_count);
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const YamlNode& map = list.items[i];
    const std::string entry_path = key_path_index(std::string(path), i);
    BFTSIM_SCENARIO_TRY(expect_kind(map, entry_path, Kind::map));
    BFTSIM_SCENARIO_TRY(check_keys(map, entry_path, byzantine_keys));
    ByzantineSpec spec;
    BFTSIM_SCENARIO_TRY(read_required(map, entry_path, "node", spec.replica, read_index));
    for (const ByzantineSpec& earlier : out)
      if (earlier.replica == spec.replica)
        return fail(map.find("node")->where, key_path_join(entry_path, "node"),
                    fmt::format("replica {} is already listed as Byzantine", spec.replica));
    auto behavior = require(map, entry_path, "behavior");
    if (!behavior) return tl::unexpected(std::move(behavior.error()));
    const std::string behavior_path = key_path_join(entry_path, "behavior");
    std::vector<const YamlNode*> names;
    if ((*behavior)->kind == Kind::sequence) {
      for (const YamlNode& item : (*behavior)->items) names.push_back(&item);
      if (names.empty()) return fail((*behavior)->where, behavior_path, "needs at least one behavior");
    } else {
      names.push_back(*behavior);
    }
    for (const YamlNode* name_node : names) {
      auto name = read_string(*name_node, behavior_path);
      if (!name) return tl::unexpected(std::move(name.error()));
      auto parsed = parse_byzantine_behavior(*name);
      if (!parsed) {
        std::string known;
        for (std::size_t b = 0; b < byzantine_behavior_count; ++b)
          known += (b ? ", " : "") + std::string(byzantine_behavior_name(static_cast<ByzantineBehavior>(b)));
        return fail(name_node->where, behavior_path, fmt::format("{} (known: {})", parsed.error().message, known));
      }
      spec.behaviors.push_back(*parsed);
    }
    BFTSIM_SCENARIO_TRY(read_byzantine_params(map, entry_path, replica_count, spec));
    out.push_back(std::move(spec));
  }
  return {};
}

Status read_faults(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                   std::vector<Fault>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  out.clear();
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    auto fault = read_fault(list.items[i], key_path_index(path, i), replica_count);
    if (!fault) return tl::unexpected(std::move(fault.error()));
    out.push_back(std::move(*fault));
  }
  return {};
}

// `random_faults: {partitions: {...}, disk: {...}, ...}`.
Status read_random_faults(const YamlNode& map, std::string_view path, const Scenario& scenario,
                          RandomFaultsConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_faults_keys));
  if (const YamlNode* node = map.find("partitions"))
    BFTSIM_SCENARIO_TRY(read_random_partitions(node, key_path_join(path, "partitions"), scenario, out.partitions));
  if (const YamlNode* node = map.find("disk"))
    BFTSIM_SCENARIO_TRY(read_random_disk(*node, key_path_join(path, "disk"), scenario, out.disk));
  return read_swarm_families(map, path, scenario, out);
}

}  // namespace bftsim::loader
