// Where and when a fault acts, for the fault readers (faults.cpp): its
// window by time or by view (at, until; at_view, until_view), the messages
// it acts on (types, views), and a partition's groups with a twin's
// instances (3a, 3b). Internal to the loader; each error names
// file:line:column and the key path.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/types/result.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_tree.h"

namespace bftsim::loader {

// `at` (required) and the optional `until`, which must come after it.
Status read_interval(const YamlNode& map, std::string_view path, Duration& at, std::optional<Duration>& until);

// When a fault starts and ends: by time (`at`, `until`) or by view
// (`at_view`, `until_view`), never one of each.
struct Window {
  Duration at = 0;
  std::optional<Duration> until;
  std::optional<View> at_view;
  std::optional<View> until_view;
};
Status read_window(const YamlNode& map, std::string_view path, Window& out);

// `types: [vote, timeout]` (wire message type names) and `views: [from, to]`.
Status read_filter(const YamlNode& map, std::string_view path, MessageFilter& out);

// `groups: [[0, 1, 3a], [2, 3b]]` into fault.groups and fault.twins.
Status read_groups(const YamlNode& list, std::string_view path, std::uint32_t replica_count, PartitionFault& fault);

}  // namespace bftsim::loader
