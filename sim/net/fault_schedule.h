// A run's fault schedule: the scenario's scripted faults, then the random
// partitions, disk faults and swarm families drawn for the run's seed, each
// from its own named stream, so that the schedule is a pure function of
// (scenario, seed). Fault ids index this list (the network's link rules key
// on them). Also the run's Byzantine replicas, random ones included.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/rng.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

// The random partitions of `config` in the run seeded `run_seed`, drawn from
// the stream "faults/random_partitions" and sorted by time. Each starts a gap
// of Exp(mean_interval) after the previous one heals (the first, after
// `start`), lasts Exp(mean_duration), both rounded to whole ns and at least
// 1ns, and isolates a uniform 1..isolated_count_max of the replicas, chosen
// uniformly: one group, so the rest form the other. None starts at or after
// `stop`, and one still running at `stop` heals there, so every entry has an
// `until`. Draws per partition: 3 + (replica_count - 1), fixed.
// Requires: 1 <= isolated_count_max < replica_count, start < stop, means > 0.
std::vector<PartitionFault> random_partition_schedule(const RandomPartitionsConfig& config, std::uint64_t run_seed,
                                                      std::uint32_t replica_count);
// The same, drawn from `rng` (a swarm draws from "faults/swarm/partitions").
std::vector<PartitionFault> random_partition_schedule(const RandomPartitionsConfig& config, Rng rng,
                                                      std::uint32_t replica_count);

// The run's fault schedule, indexed by fault id: scenario.faults in file
// order, then the random partitions (if any) for `run_seed`, then the random
// disk faults (random_disk_fault_schedule in sim/disk/disk_fault_schedule.h),
// then the crash, cut, drop, clog, duplicate and clock families
// (sim/net/random_faults.h), then the families a swarm switches on for the
// seed (sim/net/swarm.h), in the same order.
std::vector<Fault> fault_schedule(const Scenario& scenario, std::uint64_t run_seed);

// The run's Byzantine replicas: scenario.byzantine, then those
// random_faults.byzantine draws from "faults/random_byzantine", then a
// swarm's from "faults/swarm/byzantine" (within faulty minus the others).
std::vector<ByzantineSpec> byzantine_schedule(const Scenario& scenario, std::uint64_t run_seed);

// The scenario a run of `run_seed` plays: its random faults and random
// Byzantine replicas written out as `faults` and `byzantine` entries, with
// no random_faults left. Same fault ids, same run.
Scenario materialize_random_faults(const Scenario& scenario, std::uint64_t run_seed);

}  // namespace bftsim
