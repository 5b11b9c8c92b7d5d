// Where and when a fault acts (fault_scope.h): its window, its message
// filter, a partition's groups with twin instances.
#include "sim/scenario/fault_scope.h"

#include <algorithm>

#include "sim/scenario/fault_values.h"
#include "sim/scenario/read_value.h"

namespace bftsim::loader {
namespace {

// A node of a partition group: an index (`2`), or a twin's instance (`3a`, `3b`).
struct GroupMember {
  ReplicaIndex replica = 0;
  std::optional<std::uint8_t> instance;
};

Result<GroupMember> read_group_member(const YamlNode& node, std::string_view path, std::uint32_t replica_count) {
  const std::string& text = node.scalar;
  const bool instance_form = node.kind == Kind::scalar && !node.quoted && text.size() >= 2 &&
                             (text.back() == 'a' || text.back() == 'b') &&
                             std::all_of(text.begin(), text.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
  if (!instance_form) {
    auto index = read_replica_index(node, path, replica_count);
    if (!index) {
      const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (node.kind == Kind::scalar && !digits)
        return fail(node.where, path,
                    fmt::format("expected a node index or a twin instance such as 3a or 3b, got \"{}\"", text));
      return tl::unexpected(std::move(index.error()));
    }
    return GroupMember{*index, std::nullopt};
  }
  YamlNode digits = node;
  digits.scalar = text.substr(0, text.size() - 1);
  auto index = read_replica_index(digits, path, replica_count);
  if (!index) return tl::unexpected(std::move(index.error()));
  return GroupMember{*index, static_cast<std::uint8_t>(text.back() == 'a' ? 0 : 1)};
}

}  // namespace

// Reads `at` and the optional `until`, which must come after it.
Status read_interval(const YamlNode& map, std::string_view path, Duration& at, std::optional<Duration>& until) {
  BFTSIM_SCENARIO_TRY(read_required(map, path, "at", at, read_duration));
  const YamlNode* node = map.find("until");
  if (node == nullptr) return {};
  const std::string until_path = key_path_join(path, "until");
  auto value = read_duration(*node, until_path);
  if (!value) return tl::unexpected(std::move(value.error()));
  if (*value <= at)
    return fail(node->where, until_path,
                fmt::format("until {} must be after at {}", format_duration(*value), format_duration(at)));
  until = *value;
  return {};
}

Status read_window(const YamlNode& map, std::string_view path, Window& out) {
  const YamlNode* at_view = map.find("at_view");
  if (at_view == nullptr) {
    if (const YamlNode* until_view = map.find("until_view"))
      return fail(until_view->where, key_path_join(path, "until_view"),
                  "a window keyed by time ends with until, not until_view (or start it with at_view)");
    return read_interval(map, path, out.at, out.until);
  }
  if (const YamlNode* at = map.find("at"))
    return fail(at->where, key_path_join(path, "at"), "give at (a time) or at_view (a view), not both");
  if (const YamlNode* until = map.find("until"))
    return fail(until->where, key_path_join(path, "until"),
                "a window keyed by view ends with until_view, not until (or start it with at)");
  View start = 0;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "at_view", start, integer_in(1, int64_max)));
  out.at_view = start;
  if (const YamlNode* node = map.find("until_view")) {
    const std::string until_path = key_path_join(path, "until_view");
    auto end = read_integer(*node, until_path, 1, int64_max);
    if (!end) return tl::unexpected(std::move(end.error()));
    if (static_cast<View>(*end) <= start)
      return fail(node->where, until_path, fmt::format("until_view {} must be after at_view {}", *end, start));
    out.until_view = static_cast<View>(*end);
  }
  return {};
}

// `types: [vote, timeout]` (wire message type names) and `views: [from, to]`.
Status read_filter(const YamlNode& map, std::string_view path, MessageFilter& out) {
  BFTSIM_SCENARIO_TRY(read_message_types(map, path, out.type_mask));
  if (const YamlNode* views = map.find("views")) {
    const std::string views_path = key_path_join(path, "views");
    BFTSIM_SCENARIO_TRY(expect_kind(*views, views_path, Kind::sequence));
    if (views->items.size() != 2)
      return fail(views->where, views_path,
                  fmt::format("expected [from, to], a list of two views, got {} items", views->items.size()));
    auto from = read_integer(views->items[0], key_path_index(views_path, 0), 1, int64_max);
    if (!from) return tl::unexpected(std::move(from.error()));
    auto to = read_integer(views->items[1], key_path_index(views_path, 1), 1, int64_max);
    if (!to) return tl::unexpected(std::move(to.error()));
    if (*to < *from)
      return fail(views->items[1].where, key_path_index(views_path, 1),
                  fmt::format("the last view {} is before the first {}", *to, *from));
    out.views = std::make_pair(static_cast<View>(*from), static_cast<View>(*to));
  }
  return {};
}

// `groups: [[0, 1, 3a], [2, 3b]]` into fault.groups and fault.twins.
Status read_groups(const YamlNode& list, std::string_view path, std::uint32_t replica_count, PartitionFault& fault) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  if (list.items.empty()) return fail(list.where, path, "needs at least one group");
  // The path of the group each node, or twin instance, is in.
  std::vector<std::array<std::string, 3>> group_of(replica_count);  // [plain, a, b]
  std::vector<std::array<std::optional<std::uint32_t>, 2>> placed(replica_count);
  for (std::size_t g = 0; g < list.items.size(); ++g) {
    const YamlNode& group = list.items[g];
    const std::string group_path = key_path_index(path, g);
    BFTSIM_SCENARIO_TRY(expect_kind(group, group_path, Kind::sequence));
    if (group.items.empty()) return fail(group.where, group_path, "a group needs at least one node");
    fault.groups.emplace_back();
    for (std::size_t i = 0; i < group.items.size(); ++i) {
      const std::string node_path = key_path_index(group_path, i);
      auto member = read_group_member(group.items[i], node_path, replica_count);
      if (!member) return tl::unexpected(std::move(member.error()));
      auto& seen = group_of[member->replica];
      const std::size_t slot = member->instance ? 1 + *member->instance : 0;
      const std::string name = member->instance
                                   ? fmt::format("twin instance {}{}", member->replica, *member->instance == 0 ? 'a' : 'b')
                                   : fmt::format("node {}", member->replica);
      // A plain node clashes with any earlier listing of it; an instance with
      // the same instance or the plain node.
      const std::string& earlier = member->instance ? (!seen[slot].empty() ? seen[slot] : seen[0])
                                   : !seen[0].empty() ? seen[0]
                                   : !seen[1].empty() ? seen[1]
                                                      : seen[2];
      if (!earlier.empty()) {
        if (!seen[slot].empty())
          return fail(group.items[i].where, node_path,
                      fmt::format("{} is already in {}; partition groups must not overlap", name, earlier));
        // The earlier listing is of the other kind: the node, or one of its instances.
        const std::string other = member->instance ? fmt::format("node {}", member->replica)
                                                   : fmt::format("twin instance {}{}", member->replica,
                                                                 seen[1].empty() ? 'b' : 'a');
        return fail(group.items[i].where, node_path,
                    fmt::format("{} overlaps {} in {}; list a twin as a node or as its two instances, not both",
                                name, other, earlier));
      }
      seen[slot] = group_path;
      if (member->instance) {
        placed[member->replica][*member->instance] = static_cast<std::uint32_t>(g);
      } else {
        fault.groups.back().push_back(member->replica);
      }
    }
  }
  for (ReplicaIndex r = 0; r < replica_count; ++r) {
    if (!placed[r][0] && !placed[r][1]) continue;
    if (!placed[r][0] || !placed[r][1])
      return fail(list.where, path,
                  fmt::format("twin instance {}{} is placed but {}{} is not; place both instances of a twin", r,
                              placed[r][0] ? 'a' : 'b', r, placed[r][0] ? 'b' : 'a'));
    fault.twins.push_back(TwinPlacement{r, {*placed[r][0], *placed[r][1]}});
  }
  return {};
}

Status check_twin_placements(const YamlNode& list, std::string_view path, const Scenario& scenario) {
  for (std::size_t i = 0; i < scenario.faults.size() && i < list.items.size(); ++i) {
    const auto* partition = std::get_if<PartitionFault>(&scenario.faults[i]);
    if (partition == nullptr) continue;
    for (const TwinPlacement& twin : partition->twins) {
      const bool is_twin = std::any_of(scenario.byzantine.begin(), scenario.byzantine.end(), [&](const ByzantineSpec& spec) {
        return spec.replica == twin.replica &&
               std::find(spec.behaviors.begin(), spec.behaviors.end(), ByzantineBehavior::twins) != spec.behaviors.end();
      });
      if (is_twin) continue;
      // Point at the first instance of it in the groups.
      const std::string groups_path = key_path_join(key_path_index(path, i), "groups");
      const YamlNode* groups = list.items[i].find("groups");
      BFTSIM_ASSERT(groups != nullptr);
      for (std::size_t g = 0; g < groups->items.size(); ++g)
        for (std::size_t k = 0; k < groups->items[g].items.size(); ++k) {
          const YamlNode& item = groups->items[g].items[k];
          if (item.scalar == fmt::format("{}a", twin.replica) || item.scalar == fmt::format("{}b", twin.replica))
            return fail(item.where, key_path_index(key_path_index(groups_path, g), k),
                        fmt::format("{} names a twin instance, but node {} is not a byzantine `twins` node",
                                    item.scalar, twin.replica));
        }
      BFTSIM_ASSERT(false && "a placement comes from an instance in the groups");
    }
  }
  return {};
}

}  // namespace bftsim::loader
