// The swarm-style random fault families of `random_faults:` (besides
// partitions and disk, in scenario.h): what each draws per run seed, as plain
// data with the loader's defaults filled in. sim/net/random_faults.h turns
// them into faults and Byzantine replicas; sim/net/swarm.h draws, per seed,
// which families are on (VOPR-style swarm testing). Part of scenario.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/types/ids.h"
#include "sim/scenario/byzantine_behavior.h"

namespace bftsim {

// When the windows of one family open and how long they stay: each window
// starts an Exp(mean_interval) gap after the previous one started (the
// first, after `start`) and lasts Exp(mean_duration), both at least 1ns; none
// starts at or after `stop`, and one still open at `stop` ends there. Windows
// of one family may overlap. YAML names: mean_interval, mean_duration,
// start, stop (the loader's default: the run's duration).
struct RandomWindows {
  Duration mean_interval = 0;  // > 0
  Duration mean_duration = 0;  // > 0
  Duration start = 0;
  Duration stop = 0;  // > start
  bool operator==(const RandomWindows&) const = default;
};

// YAML `random_faults.crashes`: crash and restart pairs. A candidate crash
// comes an Exp(mean_interval) gap after the previous candidate; it crashes a
// node drawn uniformly from `nodes` that is up, unless down_count_max nodes
// are down already, for Exp(mean_downtime) (at least 1ns; a restart due at or
// after `stop` comes at `stop`). Each crash keeps the node's simulated disk.
// YAML names: mean_interval, mean_downtime, start, stop, nodes, max_down.
struct RandomCrashesConfig {
  Duration mean_interval = 0;  // > 0
  Duration mean_downtime = 0;  // > 0
  Duration start = 0;
  Duration stop = 0;                        // > start; default: the run's duration
  std::vector<ReplicaIndex> replicas = {};  // distinct; default: every replica
  std::uint32_t down_count_max = 0;         // 1..replicas; default: faulty (1 when faulty is 0)
  bool operator==(const RandomCrashesConfig&) const = default;
};

// YAML `random_faults.cuts`, `.clogs`: one-way cuts (or clogs) of a link
// drawn uniformly (from != to) per window. YAML: the RandomWindows names.
struct RandomLinkWindowsConfig {
  RandomWindows windows;
  bool operator==(const RandomLinkWindowsConfig&) const = default;
};

// YAML `random_faults.drops`: per window, a one-way cut of a random link
// that drops a random non-empty subset of `types` (names as a cut's `types`;
// default: proposal, vote, timeout). YAML: the RandomWindows names, types.
struct RandomDropsConfig {
  RandomWindows windows;
  std::uint32_t type_mask = 0;  // bit (t - 1) for MessageType t; not 0
  bool operator==(const RandomDropsConfig&) const = default;
};

// YAML `random_faults.duplicates`: per window, a random link duplicates
// each message with this probability (a link fault's `duplicate`).
// YAML: the RandomWindows names, probability (default 0.5).
struct RandomDuplicatesConfig {
  RandomWindows windows;
  std::uint32_t duplicate_ppm = 500'000;  // > 0
  bool operator==(const RandomDuplicatesConfig&) const = default;
};

// YAML `random_faults.clocks`: per window, a clock fault on a node drawn
// from `nodes`, with skew uniform in [-max_skew, max_skew] and drift uniform
// in [-max_drift, max_drift] (at least one of the two is nonzero; a window
// that draws 0 for both gets a skew of 1ns). YAML: the RandomWindows names,
// nodes, max_skew, max_drift.
struct RandomClocksConfig {
  RandomWindows windows;
  std::vector<ReplicaIndex> replicas = {};  // distinct; default: every replica
  Duration skew_max = 0;                    // >= 0
  std::int32_t drift_ppm_max = 0;           // 0..clock_drift_ppm_max; not both 0
  bool operator==(const RandomClocksConfig&) const = default;
};

// YAML `random_faults.byzantine`: 1..max_nodes replicas drawn uniformly from
// those `byzantine:` does not list become Byzantine, each with a random
// non-empty subset of `behaviors`. YAML names: behaviors (default: every
// behaviour), max_nodes (default: faulty minus the listed Byzantine
// replicas; more only with allow_more_faulty).
struct RandomByzantineConfig {
  std::vector<ByzantineBehavior> behaviors = {};  // distinct, not empty
  std::uint32_t node_count_max = 0;               // >= 1
  bool operator==(const RandomByzantineConfig&) const = default;
};

// The families a swarm can switch on, in the order they are drawn.
enum class SwarmFamily : std::uint8_t { partitions, crashes, cuts, drops, clogs, duplicates, clocks, byzantine, torn };
inline constexpr std::size_t swarm_family_count = 9;
// Their YAML names (`swarm.families`), by SwarmFamily.
inline constexpr std::array<std::string_view, swarm_family_count> swarm_family_names = {
    "partitions", "crashes", "cuts", "drops", "clogs", "duplicates", "clocks", "byzantine", "torn"};

// YAML `random_faults.swarm`: per run seed, each listed family is on with
// chance 1/2 (at least one is), with intensities drawn from ranges scaled to
// [start, stop] (sim/net/swarm.h). YAML names: start, stop, families
// (default: all), behaviors (for byzantine; default as above).
struct SwarmConfig {
  Duration start = 0;
  Duration stop = 0;                              // > start; default: the run's duration
  std::uint32_t family_mask = 0;                  // bit per SwarmFamily; not 0
  std::vector<ByzantineBehavior> behaviors = {};  // distinct, not empty
  bool operator==(const SwarmConfig&) const = default;
};

}  // namespace bftsim
