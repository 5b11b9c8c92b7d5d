// The disk faults of a scenario: the random ones (YAML `random_faults.disk`),
// drawn per run seed as DiskFault entries the simulation applies like those of
// `faults:`, and apply_disk_fault, which turns one on or off on a SimDisk.
// The schedule is a pure function of (config, run_seed); each node draws from
// its own stream "faults/random_disk/<node>", so adding or removing a node, or
// any other fault, never moves another node's corruptions.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/disk/sim_disk.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

// For each node of config.replicas: a `torn` fault from `start` to the end of
// the run when config.torn, then, with a corrupt_rate, `corrupt` faults of
// config.bit_flip_count bits at the times of a Poisson process of that rate
// in [start, stop): exponential gaps rounded to whole ns, at least 1ns.
// Sorted by time; at equal times the node listed first comes first.
// Draws per corruption: 1, from the node's stream.
// Requires: start < stop, corrupt_rate (if any) > 0.
std::vector<DiskFault> random_disk_fault_schedule(const RandomDiskConfig& config, std::uint64_t run_seed);

// Applies `fault` to the disk of fault.replica at its start (begin) or end:
// corrupt flips its bits at the start (nothing at the end; it has none),
// torn, slow and full switch on at the start and off at the end. Where two
// faults of one kind overlap on a node, the later start wins and the first
// end switches the kind off. Returns the bits flipped (corrupt only).
std::vector<DiskCorruption> apply_disk_fault(SimDisk& disk, const DiskFault& fault, bool begin);

}  // namespace bftsim
