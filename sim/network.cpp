#include "sim/network.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/distributions.h"

namespace bftsim {

namespace {
// Heavy-tailed draws (Pareto) are capped so time arithmetic cannot overflow.
constexpr Duration latency_max = 3600 * ns_per_s;

Duration to_duration(double ns) {
  if (!(ns > 0.0)) return 0;
  if (ns >= static_cast<double>(latency_max)) return latency_max;
  return static_cast<Duration>(std::llround(ns));
}
}  // namespace

VirtualNetwork::VirtualNetwork(const NetworkConfig& config, std::uint64_t run_seed,
                               std::uint32_t replica_count)
    : config_(config), run_seed_(run_seed), replica_count_(replica_count) {}

Rng& VirtualNetwork::link_rng(EndpointIndex from, EndpointIndex to) {
  const auto key = std::make_pair(from, to);
  auto it = links_.find(key);
  if (it == links_.end()) {
    it = links_.emplace(key, Rng::stream(run_seed_, fmt::format("net/link/{}->{}", from, to)))
             .first;
  }
  return it->second;
}

Duration VirtualNetwork::sample_latency(Rng& rng) const {
  const LatencyDistribution& d = config_.latency;
  switch (d.kind) {
    case DistributionKind::constant: return d.value;
    case DistributionKind::uniform: return uniform_range(rng, d.min, d.max);
    case DistributionKind::exponential:
      return d.min + to_duration(exponential(rng, static_cast<double>(d.mean)));
    case DistributionKind::normal:
      return to_duration(normal(rng, static_cast<double>(d.mean), static_cast<double>(d.stddev)));
    case DistributionKind::lognormal:
      return to_duration(lognormal(rng, static_cast<double>(d.median), d.sigma));
    case DistributionKind::pareto:
      return to_duration(pareto(rng, static_cast<double>(d.scale), d.shape));
  }
  BFTSIM_ASSERT(false);
  return 0;
}

LinkOutcome VirtualNetwork::route(EndpointIndex from, EndpointIndex to) {
  BFTSIM_ASSERT(from != to);
  LinkOutcome outcome;
  Rng& rng = link_rng(from, to);
  // Every message draws the same number of values whatever happens to it, so
  // a partition or a loss does not shift the link's later delays.
  const bool lost = chance_ppm(rng, config_.loss_ppm);
  const bool duplicated = chance_ppm(rng, config_.duplicate_ppm);
  const bool reordered = chance_ppm(rng, config_.reorder_ppm);
  const Duration delay = sample_latency(rng);
  const Duration duplicate_delay = sample_latency(rng);
  if (lost || blocked(from, to)) {
    outcome.lost = true;
    return outcome;
  }
  outcome.delays.push_back(delay + (reordered ? config_.reorder_delay : 0));
  if (duplicated) outcome.delays.push_back(duplicate_delay);
  return outcome;
}

void VirtualNetwork::set_partition(std::size_t fault_id,
                                   std::vector<std::vector<ReplicaIndex>> groups) {
  std::vector<std::uint32_t> group_of(replica_count_, 0);
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    for (ReplicaIndex r : groups[g]) {
      BFTSIM_ASSERT(r < replica_count_);
      group_of[r] = g;
    }
  partitions_[fault_id] = std::move(group_of);
}

void VirtualNetwork::clear_partition(std::size_t fault_id) { partitions_.erase(fault_id); }

void VirtualNetwork::set_cut(std::size_t fault_id, ReplicaIndex from, ReplicaIndex to) {
  cuts_[fault_id] = {from, to};
}

void VirtualNetwork::clear_cut(std::size_t fault_id) { cuts_.erase(fault_id); }

bool VirtualNetwork::blocked(EndpointIndex from, EndpointIndex to) const {
  if (from >= replica_count_ || to >= replica_count_) return false;
  for (const auto& [id, group_of] : partitions_)
    if (group_of[from] != group_of[to]) return true;
  for (const auto& [id, cut] : cuts_)
    if (cut.first == from && cut.second == to) return true;
  return false;
}

}  // namespace bftsim
