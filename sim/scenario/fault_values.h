// Value readers shared by the fault readers (faults.cpp) and the random
// fault family readers (random_faults.cpp): node indices and lists, message
// type lists, signed durations and clock drift, start/stop pairs. Internal
// to the loader; each error names file:line:column and the key path.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/types/result.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_tree.h"

namespace bftsim::loader {

// An integer in 0..replica_count-1.
Result<ReplicaIndex> read_replica_index(const YamlNode& node, std::string_view path, std::uint32_t replica_count);

// map[key]: a non-empty list of distinct node indices; every replica when
// the key is absent.
Status read_node_list(const YamlNode& map, std::string_view path, std::string_view key, std::uint32_t replica_count,
                      std::vector<ReplicaIndex>& out);

// map.types, when present: `[vote, timeout]`, wire message type names, as a
// mask with bit (t - 1) for MessageType t (distinct, at least one).
Status read_message_types(const YamlNode& map, std::string_view path, std::uint32_t& mask);

// A duration with an optional leading '-': "-20ms".
Result<Duration> read_signed_duration(const YamlNode& node, std::string_view path);

// A signed number of magnitude at most 0.5, kept as ppm: 0.01 -> 10000.
Result<std::int32_t> read_drift(const YamlNode& node, std::string_view path);

// Reports stop <= start at `stop`, or at `start` when stop is the default.
Status check_start_stop(const YamlNode& map, std::string_view path, Duration start, Duration stop);

}  // namespace bftsim::loader
