// Value readers shared by the fault readers (fault_values.h).
#include "sim/scenario/fault_values.h"

#include <algorithm>
#include <cmath>

#include "core/protocol/messages.h"
#include "sim/scenario/read_value.h"

namespace bftsim::loader {

Result<ReplicaIndex> read_replica_index(const YamlNode& node, std::string_view path, std::uint32_t replica_count) {
  auto value = read_integer(node, path, 0, int64_max);
  if (!value) return tl::unexpected(std::move(value.error()));
  if (*value >= static_cast<std::int64_t>(replica_count))
    return fail(node.where, path,
                fmt::format("node {} is out of range (replicas: {}, so 0..{})", *value, replica_count,
                            replica_count - 1));
  return static_cast<ReplicaIndex>(*value);
}

Status read_node_list(const YamlNode& map, std::string_view path, std::string_view key, std::uint32_t replica_count,
                      std::vector<ReplicaIndex>& out) {
  out.clear();
  const YamlNode* nodes = map.find(key);
  if (nodes == nullptr) {
    for (ReplicaIndex replica = 0; replica < replica_count; ++replica) out.push_back(replica);
    return {};
  }
  const std::string nodes_path = key_path_join(path, key);
  BFTSIM_SCENARIO_TRY(expect_kind(*nodes, nodes_path, Kind::sequence));
  if (nodes->items.empty()) return fail(nodes->where, nodes_path, "needs at least one node");
  for (std::size_t i = 0; i < nodes->items.size(); ++i) {
    const std::string item_path = key_path_index(nodes_path, i);
    auto index = read_replica_index(nodes->items[i], item_path, replica_count);
    if (!index) return tl::unexpected(std::move(index.error()));
    if (std::find(out.begin(), out.end(), *index) != out.end())
      return fail(nodes->items[i].where, item_path, fmt::format("node {} is listed twice", *index));
    out.push_back(*index);
  }
  return {};
}

// `types: [vote, timeout]`: wire message type names, as a mask with bit
// (t - 1) for MessageType t.
Status read_message_types(const YamlNode& map, std::string_view path, std::uint32_t& mask) {
  const YamlNode* types = map.find("types");
  if (types == nullptr) return {};
  const std::string types_path = key_path_join(path, "types");
  BFTSIM_SCENARIO_TRY(expect_kind(*types, types_path, Kind::sequence));
  if (types->items.empty()) return fail(types->where, types_path, "needs at least one message type");
  std::string known;
  for (std::size_t t = 1; t <= message_type_count; ++t)
    known += fmt::format("{}{}", t > 1 ? ", " : "", message_type_name(static_cast<MessageType>(t)));
  for (std::size_t i = 0; i < types->items.size(); ++i) {
    const std::string item_path = key_path_index(types_path, i);
    auto name = read_string(types->items[i], item_path);
    if (!name) return tl::unexpected(std::move(name.error()));
    std::uint32_t bit = 0;
    for (std::size_t t = 1; t <= message_type_count; ++t)
      if (*name == message_type_name(static_cast<MessageType>(t))) bit = 1u << (t - 1);
    if (bit == 0)
      return fail(types->items[i].where, item_path, fmt::format("unknown message type \"{}\" (known: {})", *name, known));
    if ((mask & bit) != 0)
      return fail(types->items[i].where, item_path, fmt::format("message type {} is listed twice", *name));
    mask |= bit;
  }
  return {};
}

// A duration with an optional leading '-': "-20ms".
Result<Duration> read_signed_duration(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar || !node.scalar.starts_with('-')) return read_duration(node, path);
  auto magnitude = parse_duration(std::string_view(node.scalar).substr(1));
  if (!magnitude) return fail(node.where, path, magnitude.error().message);
  return -*magnitude;
}

// A signed number of magnitude at most 0.5, kept as ppm: 0.01 -> 10000.
Result<std::int32_t> read_drift(const YamlNode& node, std::string_view path) {
  auto value = read_number(node, path);
  if (!value) return tl::unexpected(std::move(value.error()));
  const double bound = static_cast<double>(clock_drift_ppm_max) / 1e6;
  if (!(std::fabs(*value) <= bound))
    return fail(node.where, path, fmt::format("drift must be between -{} and {}, got {}", bound, bound, *value));
  auto ppm = parse_probability_ppm(std::fabs(*value));
  if (!ppm) return fail(node.where, path, ppm.error().message);
  return *value < 0 ? -static_cast<std::int32_t>(*ppm) : static_cast<std::int32_t>(*ppm);
}

// Reports stop <= start at `stop`, or at `start` when stop is the default.
Status check_start_stop(const YamlNode& map, std::string_view path, Duration start, Duration stop) {
  if (start < stop) return {};
  const std::string detail = fmt::format("stop {} must be after start {}", format_duration(stop), format_duration(start));
  if (const YamlNode* node = map.find("stop")) return fail(node->where, key_path_join(path, "stop"), detail);
  const YamlNode* node = map.find("start");
  BFTSIM_ASSERT(node != nullptr);  // the default start 0 is before any duration > 0
  return fail(node->where, key_path_join(path, "start"), detail + " (the default stop is the run's duration)");
}

}  // namespace bftsim::loader
