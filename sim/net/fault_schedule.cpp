// The fault schedule of a run (fault_schedule.h).
#include "sim/net/fault_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>

#include "core/types/assert.h"
#include "sim/disk/disk_fault_schedule.h"
#include "sim/distributions.h"
#include "sim/net/random_faults.h"
#include "sim/net/swarm.h"

namespace bftsim {
namespace {

// The generated schedule is bounded; the loader keeps the expected count at
// 10'000, so reaching this needs a draw far out in the tail.
constexpr std::size_t random_partition_count_max = 1'000'000;

// How many Byzantine replicas a swarm may add: faulty minus those listed or
// drawn by random_faults.byzantine (which the loader bounds by faulty).
std::uint32_t byzantine_room(const Scenario& scenario, std::uint64_t run_seed) {
  std::size_t taken = scenario.byzantine.size();
  if (const auto& random = scenario.random_faults.byzantine) {
    Rng rng = Rng::stream(run_seed, "faults/random_byzantine");
    taken += random_byzantine_choice(*random, rng, scenario.replica_count, scenario.byzantine).size();
  }
  return taken >= scenario.faulty_count ? 0 : static_cast<std::uint32_t>(scenario.faulty_count - taken);
}
}  // namespace

std::vector<PartitionFault> random_partition_schedule(const RandomPartitionsConfig& config, std::uint64_t run_seed,
                                                      std::uint32_t replica_count) {
  return random_partition_schedule(config, Rng::stream(run_seed, "faults/random_partitions"), replica_count);
}

std::vector<PartitionFault> random_partition_schedule(const RandomPartitionsConfig& config, Rng rng,
                                                      std::uint32_t replica_count) {
  BFTSIM_ASSERT(config.isolated_count_max >= 1);
  BFTSIM_ASSERT(config.isolated_count_max < replica_count);
  BFTSIM_ASSERT(config.start < config.stop);
  BFTSIM_ASSERT(config.mean_interval > 0 && config.mean_duration > 0);
  std::vector<ReplicaIndex> replicas(replica_count);
  std::vector<PartitionFault> out;
  Instant healed = config.start;  // when the network was last whole
  while (true) {
    // All draws of one partition come first, so their count is fixed.
    const double gap_ns = exponential(rng, static_cast<double>(config.mean_interval));
    const double length_ns = exponential(rng, static_cast<double>(config.mean_duration));
    const auto isolated_count = static_cast<std::size_t>(1 + uniform_u64(rng, config.isolated_count_max));
    std::iota(replicas.begin(), replicas.end(), ReplicaIndex{0});
    shuffle(rng, std::span<ReplicaIndex>(replicas));

    const Duration room = config.stop - healed;  // > 0
    const Duration gap = std::max<Duration>(1, to_duration(gap_ns, room));
    if (gap >= room) break;
    const Instant at = healed + gap;
    const Duration length = std::max<Duration>(1, to_duration(length_ns, config.stop - at));
    std::vector<ReplicaIndex> isolated(replicas.begin(), replicas.begin() + static_cast<std::ptrdiff_t>(isolated_count));
    std::sort(isolated.begin(), isolated.end());
    BFTSIM_ASSERT(out.size() < random_partition_count_max);
    out.push_back(PartitionFault{
        .groups = {std::move(isolated)}, .at = at, .until = at + length, .in_flight = config.in_flight});
    healed = at + length;
    if (healed >= config.stop) break;
  }
  return out;
}

std::vector<Fault> fault_schedule(const Scenario& scenario, std::uint64_t run_seed) {
  std::vector<Fault> out = scenario.faults;
  if (const auto& partitions = scenario.random_faults.partitions) {
    for (PartitionFault& partition : random_partition_schedule(*partitions, run_seed, scenario.replica_count))
      out.emplace_back(std::move(partition));
  }
  if (const auto& disk = scenario.random_faults.disk) {
    for (DiskFault& fault : random_disk_fault_schedule(*disk, run_seed)) out.emplace_back(std::move(fault));
  }
  append_random_families(scenario.random_faults, run_seed, scenario.replica_count, "faults/random_", out);
  if (const auto& swarm = scenario.random_faults.swarm) {
    const RandomFaultsConfig plan = swarm_plan(*swarm, scenario, byzantine_room(scenario, run_seed), run_seed);
    if (const auto& partitions = plan.partitions) {
      for (PartitionFault& partition : random_partition_schedule(
               *partitions, Rng::stream(run_seed, "faults/swarm/partitions"), scenario.replica_count))
        out.emplace_back(std::move(partition));
    }
    if (const auto& disk = plan.disk) {  // torn only: no draws
      for (DiskFault& fault : random_disk_fault_schedule(*disk, run_seed)) out.emplace_back(std::move(fault));
    }
    append_random_families(plan, run_seed, scenario.replica_count, "faults/swarm/", out);
  }
  return out;
}

std::vector<ByzantineSpec> byzantine_schedule(const Scenario& scenario, std::uint64_t run_seed) {
  std::vector<ByzantineSpec> out = scenario.byzantine;
  if (const auto& random = scenario.random_faults.byzantine) {
    Rng rng = Rng::stream(run_seed, "faults/random_byzantine");
    for (ByzantineSpec& spec : random_byzantine_choice(*random, rng, scenario.replica_count, out))
      out.push_back(std::move(spec));
  }
  if (const auto& swarm = scenario.random_faults.swarm) {
    const std::uint32_t room = byzantine_room(scenario, run_seed);
    const RandomFaultsConfig plan = swarm_plan(*swarm, scenario, room, run_seed);
    if (const auto& random = plan.byzantine) {
      Rng rng = Rng::stream(run_seed, "faults/swarm/byzantine");
      for (ByzantineSpec& spec : random_byzantine_choice(*random, rng, scenario.replica_count, out))
        out.push_back(std::move(spec));
    }
  }
  return out;
}

Scenario materialize_random_faults(const Scenario& scenario, std::uint64_t run_seed) {
  Scenario out = scenario;
  out.faults = fault_schedule(scenario, run_seed);
  out.byzantine = byzantine_schedule(scenario, run_seed);
  out.random_faults = {};
  return out;
}

}  // namespace bftsim
