// Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012; TigerBeetle's
// VOPR): instead of running every fault family in every run, each run seed
// switches on a random subset of the families a scenario lists under
// `random_faults.swarm` and draws each family's intensity, so a sweep covers
// runs dominated by one kind of fault as well as mixes. The plan is drawn
// from the stream "faults/swarm" with a fixed number of draws per family;
// the families then draw their faults from "faults/swarm/<family>".
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/scenario/scenario.h"

namespace bftsim {

// The families `config` switches on for `run_seed`, each with its drawn
// settings, as a RandomFaultsConfig holding only those families (`disk` for
// the torn family: every crash of every node tears). Each listed family is
// on with chance 1/2, and when none is, one listed family drawn uniformly.
// A family that cannot apply is left off: partitions and cuts-like families
// with 1 replica, byzantine when `byzantine_room` is 0. Intensities, with
// span = stop - start: mean gaps log-uniform in [span/16, span/2], mean
// lengths and downtimes in [span/100, span/10], duplication in [0.1, 1],
// max clock skew in [1ms, 1s], max drift in [0.001, 0.5]; at most
// max(1, faulty) replicas isolated or down at a time; Byzantine replicas
// 1..byzantine_room with behaviours from config.behaviors.
// Draws: 5 per family in SwarmFamily order, then 1.
RandomFaultsConfig swarm_plan(const SwarmConfig& config, const Scenario& scenario, std::uint32_t byzantine_room,
                              std::uint64_t run_seed);

}  // namespace bftsim
