// The swarm-style random fault families of a scenario (random_faults_config.h)
// drawn for one run seed: crash/restart pairs, one-way cuts, message-type
// drops, clogs, duplication bursts and clock faults become ordinary Fault
// entries, and the random Byzantine choice becomes ByzantineSpec entries, so
// the simulation, faults.csv and bisect treat them like scripted ones. Each
// family draws from its own named stream, "<prefix><family>" (e.g.
// "faults/random_crashes", or "faults/swarm/crashes" for a swarm's), with a
// fixed number of draws per window, so one family's schedule never moves
// when another family, or a scripted fault, is added or removed.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/rng.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

// Crash at a candidate time, restart after the drawn downtime, in crash
// order. Draws per candidate: 3 (gap, downtime, which node).
// Requires: start < stop, means > 0, replicas not empty, down_count_max >= 1.
std::vector<Fault> random_crash_schedule(const RandomCrashesConfig& config, Rng& rng);

// One fault per window, on a link drawn uniformly (from != to), sorted by
// start. Draws per window: 2 (timing) + 2 (link), plus 1 for drops (the
// types), 2 for clocks (node, skew, drift: 3, without the link).
// Requires: replica_count >= 2 (not for clocks), start < stop, means > 0.
std::vector<CutFault> random_cut_schedule(const RandomWindows& windows, Rng& rng, std::uint32_t replica_count);
std::vector<CutFault> random_drop_schedule(const RandomDropsConfig& config, Rng& rng, std::uint32_t replica_count);
std::vector<ClogFault> random_clog_schedule(const RandomWindows& windows, Rng& rng, std::uint32_t replica_count);
std::vector<LinkFault> random_duplicate_schedule(const RandomDuplicatesConfig& config, Rng& rng,
                                                 std::uint32_t replica_count);
std::vector<ClockFault> random_clock_schedule(const RandomClocksConfig& config, Rng& rng);

// 1..node_count_max replicas not in `listed`, drawn uniformly, each with a
// non-empty subset of config.behaviors; sorted by replica. Draws: 1 (count)
// + the shuffle of the candidates + 1 per candidate (its subset, drawn for
// every candidate so the count is fixed). None when no replica is left.
std::vector<ByzantineSpec> random_byzantine_choice(const RandomByzantineConfig& config, Rng& rng,
                                                   std::uint32_t replica_count,
                                                   const std::vector<ByzantineSpec>& listed);

// Appends the crash, cut, drop, clog, duplicate and clock families of
// `config` (in that order) for the run seeded `run_seed`, each from the
// stream "<prefix><family>".
void append_random_families(const RandomFaultsConfig& config, std::uint64_t run_seed, std::uint32_t replica_count,
                            std::string_view prefix, std::vector<Fault>& out);

}  // namespace bftsim
