// Readers of the swarm families of `random_faults` (random_faults_config.h):
// crashes, cuts, drops, clogs, duplicates, clocks, byzantine and swarm
// (sections.h). Each rejects unknown keys, fills the defaults that depend
// on the scenario (stop: the run's duration; nodes: every replica) and
// bounds the expected number of faults it draws.
#include "sim/scenario/sections.h"

#include <algorithm>
#include <cmath>

#include "core/protocol/messages.h"
#include "sim/scenario/fault_values.h"
#include "sim/scenario/read_value.h"

namespace bftsim::loader {
namespace {

// Rejects a family that would draw more than random_family_expected_count_max.
Status check_expected_count(const YamlNode& map, std::string_view path, Duration start, Duration stop,
                            Duration mean_interval) {
  const double expected = static_cast<double>(stop - start) / static_cast<double>(mean_interval);
  if (expected <= random_family_expected_count_max) return {};
  return fail(map.find("mean_interval")->where, key_path_join(path, "mean_interval"),
              fmt::format("would make about {:.0f} faults between start and stop; at most {:.0f}", expected,
                          random_family_expected_count_max));
}

// mean_interval, mean_duration, start, stop (after the caller's check_keys).
Status read_windows(const YamlNode& map, std::string_view path, const Scenario& scenario, RandomWindows& out) {
  out = RandomWindows{.stop = scenario.duration};
  BFTSIM_SCENARIO_TRY(read_required(map, path, "mean_interval", out.mean_interval, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "mean_duration", out.mean_duration, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", out.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "stop", out.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(map, path, out.start, out.stop));
  return check_expected_count(map, path, out.start, out.stop, out.mean_interval);
}

// The start of a window family's reader: the map, its keys, and (for a
// family on random links) two replicas to draw a link between.
Status read_window_family(const YamlNode& map, std::string_view path, Keys keys, bool links,
                          const Scenario& scenario, RandomWindows& windows) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, keys));
  if (links && scenario.replica_count < 2)
    return fail(map.where, path, "needs at least 2 replicas (it draws links between them)");
  return read_windows(map, path, scenario, windows);
}

Status read_crashes(const YamlNode& map, std::string_view path, const Scenario& scenario,
                    std::optional<RandomCrashesConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_crashes_keys));
  RandomCrashesConfig config{.stop = scenario.duration};
  BFTSIM_SCENARIO_TRY(read_required(map, path, "mean_interval", config.mean_interval, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "mean_downtime", config.mean_downtime, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(map, path, config.start, config.stop));
  BFTSIM_SCENARIO_TRY(check_expected_count(map, path, config.start, config.stop, config.mean_interval));
  BFTSIM_SCENARIO_TRY(read_node_list(map, path, "nodes", scenario.replica_count, config.replicas));
  config.down_count_max = std::max<std::uint32_t>(1, scenario.faulty_count);
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "max_down", config.down_count_max,
                                    integer_in(1, static_cast<std::int64_t>(config.replicas.size()))));
  out = std::move(config);
  return {};
}

Status read_link_windows(const YamlNode& map, std::string_view path, const Scenario& scenario,
                         std::optional<RandomLinkWindowsConfig>& out) {
  RandomLinkWindowsConfig config;
  BFTSIM_SCENARIO_TRY(read_window_family(map, path, random_windows_keys, true, scenario, config.windows));
  out = config;
  return {};
}

constexpr std::uint32_t bit(MessageType type) { return 1u << (static_cast<std::uint32_t>(type) - 1); }

Status read_drops(const YamlNode& map, std::string_view path, const Scenario& scenario,
                  std::optional<RandomDropsConfig>& out) {
  RandomDropsConfig config;
  BFTSIM_SCENARIO_TRY(read_window_family(map, path, random_drops_keys, true, scenario, config.windows));
  BFTSIM_SCENARIO_TRY(read_message_types(map, path, config.type_mask));
  if (config.type_mask == 0) config.type_mask = bit(MessageType::proposal) | bit(MessageType::vote) | bit(MessageType::timeout);
  out = config;
  return {};
}

Status read_duplicates(const YamlNode& map, std::string_view path, const Scenario& scenario,
                       std::optional<RandomDuplicatesConfig>& out) {
  RandomDuplicatesConfig config;
  BFTSIM_SCENARIO_TRY(read_window_family(map, path, random_duplicates_keys, true, scenario, config.windows));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "probability", config.duplicate_ppm, read_probability));
  if (config.duplicate_ppm == 0) return fail(map.find("probability")->where, key_path_join(path, "probability"), "must be > 0");
  out = config;
  return {};
}

Status read_clocks(const YamlNode& map, std::string_view path, const Scenario& scenario,
                   std::optional<RandomClocksConfig>& out) {
  RandomClocksConfig config;
  BFTSIM_SCENARIO_TRY(read_window_family(map, path, random_clocks_keys, false, scenario, config.windows));
  BFTSIM_SCENARIO_TRY(read_node_list(map, path, "nodes", scenario.replica_count, config.replicas));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "max_skew", config.skew_max, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "max_drift", config.drift_ppm_max, read_drift));
  if (config.drift_ppm_max < 0)
    return fail(map.find("max_drift")->where, key_path_join(path, "max_drift"), "must be >= 0");
  if (config.skew_max == 0 && config.drift_ppm_max == 0)
    return fail(map.where, path, "random clock faults need max_skew or max_drift above 0");
  out = std::move(config);
  return {};
}

// A list of distinct behaviour names, or, when absent, the default pool
// (byzantine_behavior.h: swarm_default_behavior_count).
Status read_behaviors(const YamlNode& map, std::string_view path, std::vector<ByzantineBehavior>& out) {
  out.clear();
  const YamlNode* list = map.find("behaviors");
  if (list == nullptr) {
    for (std::size_t b = 0; b < swarm_default_behavior_count; ++b) out.push_back(static_cast<ByzantineBehavior>(b));
    return {};
  }
  const std::string list_path = key_path_join(path, "behaviors");
  BFTSIM_SCENARIO_TRY(expect_kind(*list, list_path, Kind::sequence));
  if (list->items.empty()) return fail(list->where, list_path, "needs at least one behavior");
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const std::string item_path = key_path_index(list_path, i);
    auto name = read_string(list->items[i], item_path);
    if (!name) return tl::unexpected(std::move(name.error()));
    auto behavior = parse_byzantine_behavior(*name);
    if (!behavior) {
      std::string known;
      for (std::size_t b = 0; b < byzantine_behavior_count; ++b)
        known += (b ? ", " : "") + std::string(byzantine_behavior_name(static_cast<ByzantineBehavior>(b)));
      return fail(list->items[i].where, item_path, fmt::format("{} (known: {})", behavior.error().message, known));
    }
    if (std::find(out.begin(), out.end(), *behavior) != out.end())
      return fail(list->items[i].where, item_path, fmt::format("behavior {} is listed twice", *name));
    out.push_back(*behavior);
  }
  return {};
}

// max_nodes is checked and defaulted by finish_random_byzantine, once
// `byzantine:` is known; 0 here means "not given".
Status read_byzantine_family(const YamlNode& map, std::string_view path, std::optional<RandomByzantineConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_byzantine_keys));
  RandomByzantineConfig config;
  BFTSIM_SCENARIO_TRY(read_behaviors(map, path, config.behaviors));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "max_nodes", config.node_count_max, integer_in(1, replica_count_max)));
  out = std::move(config);
  return {};
}

Status read_swarm(const YamlNode& map, std::string_view path, const Scenario& scenario, std::optional<SwarmConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, swarm_keys));
  SwarmConfig config{.stop = scenario.duration};
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(map, path, config.start, config.stop));
  if (const YamlNode* families = map.find("families")) {
    const std::string families_path = key_path_join(path, "families");
    BFTSIM_SCENARIO_TRY(expect_kind(*families, families_path, Kind::sequence));
    if (families->items.empty()) return fail(families->where, families_path, "needs at least one family");
    std::string known;
    for (std::size_t f = 0; f < swarm_family_count; ++f)
      known += (f ? ", " : "") + std::string(swarm_family_names[f]);
    for (std::size_t i = 0; i < families->items.size(); ++i) {
      const std::string item_path = key_path_index(families_path, i);
      auto name = read_string(families->items[i], item_path);
      if (!name) return tl::unexpected(std::move(name.error()));
      std::uint32_t family_bit = 0;
      for (std::size_t f = 0; f < swarm_family_count; ++f)
        if (*name == swarm_family_names[f]) family_bit = 1u << f;
      if (family_bit == 0)
        return fail(families->items[i].where, item_path, fmt::format("unknown family \"{}\" (known: {})", *name, known));
      if ((config.family_mask & family_bit) != 0)
        return fail(families->items[i].where, item_path, fmt::format("family {} is listed twice", *name));
      config.family_mask |= family_bit;
    }
  } else {
    config.family_mask = (1u << swarm_family_count) - 1;
  }
  BFTSIM_SCENARIO_TRY(read_behaviors(map, path, config.behaviors));
  out = std::move(config);
  return {};
}

}  // namespace

Status read_swarm_families(const YamlNode& map, std::string_view path, const Scenario& scenario,
                           RandomFaultsConfig& out) {
  if (const YamlNode* node = map.find("crashes"))
    BFTSIM_SCENARIO_TRY(read_crashes(*node, key_path_join(path, "crashes"), scenario, out.crashes));
  if (const YamlNode* node = map.find("cuts"))
    BFTSIM_SCENARIO_TRY(read_link_windows(*node, key_path_join(path, "cuts"), scenario, out.cuts));
  if (const YamlNode* node = map.find("drops"))
    BFTSIM_SCENARIO_TRY(read_drops(*node, key_path_join(path, "drops"), scenario, out.drops));
  if (const YamlNode* node = map.find("clogs"))
    BFTSIM_SCENARIO_TRY(read_link_windows(*node, key_path_join(path, "clogs"), scenario, out.clogs));
  if (const YamlNode* node = map.find("duplicates"))
    BFTSIM_SCENARIO_TRY(read_duplicates(*node, key_path_join(path, "duplicates"), scenario, out.duplicates));
  if (const YamlNode* node = map.find("clocks"))
    BFTSIM_SCENARIO_TRY(read_clocks(*node, key_path_join(path, "clocks"), scenario, out.clocks));
  if (const YamlNode* node = map.find("byzantine"))
    BFTSIM_SCENARIO_TRY(read_byzantine_family(*node, key_path_join(path, "byzantine"), out.byzantine));
  if (const YamlNode* node = map.find("swarm"))
    BFTSIM_SCENARIO_TRY(read_swarm(*node, key_path_join(path, "swarm"), scenario, out.swarm));
  return {};
}

Status finish_random_byzantine(const YamlNode& root, Scenario& scenario) {
  auto& config = scenario.random_faults.byzantine;
  if (!config) return {};
  const YamlNode& map = *root.find("random_faults")->find("byzantine");
  const std::string path = "random_faults.byzantine";
  const std::size_t listed = scenario.byzantine.size();
  const std::size_t room = listed >= scenario.faulty_count ? 0 : scenario.faulty_count - listed;
  if (config->node_count_max == 0) {
    if (room == 0)
      return fail(map.where, key_path_join(path, "max_nodes"),
                  fmt::format("missing, and its default (faulty {} minus {} listed Byzantine replicas) is 0",
                              scenario.faulty_count, listed));
    config->node_count_max = static_cast<std::uint32_t>(room);
  } else if (config->node_count_max > room && !scenario.allow_more_faulty) {
    return fail(map.find("max_nodes")->where, key_path_join(path, "max_nodes"),
                fmt::format("{} more Byzantine replicas would exceed faulty: {} with {} listed (set "
                            "allow_more_faulty: true to go past f on purpose)",
                            config->node_count_max, scenario.faulty_count, listed));
  }
  if (config->node_count_max + listed > scenario.replica_count)
    return fail(map.find("max_nodes")->where, key_path_join(path, "max_nodes"),
                fmt::format("only {} replicas are not listed as Byzantine", scenario.replica_count - listed));
  return {};
}

}  // namespace bftsim::loader
