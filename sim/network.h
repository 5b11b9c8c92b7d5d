// The virtual network: every message between endpoints (replicas, then
// clients) passes here as encoded bytes. Each directed link draws its delay,
// loss, duplication and reordering from its own named stream
// ("net/link/<from>-><to>"), so a change on one link never shifts another's
// draws. Partitions and one-way cuts are switched on and off by the
// simulation's fault schedule; they apply between replicas only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "sim/rng.h"
#include "sim/scenario.h"

namespace bftsim {

using EndpointIndex = std::uint32_t;

// What happens to one message on one link.
struct LinkOutcome {
  bool lost = false;                  // loss, a partition, a cut
  std::vector<Duration> delays;       // one per delivered copy (2 when duplicated)
};

class VirtualNetwork {
 public:
  VirtualNetwork(const NetworkConfig& config, std::uint64_t run_seed,
                 std::uint32_t replica_count);

  // Requires: from != to.
  LinkOutcome route(EndpointIndex from, EndpointIndex to);

  void set_partition(std::size_t fault_id, std::vector<std::vector<ReplicaIndex>> groups);
  void clear_partition(std::size_t fault_id);
  void set_cut(std::size_t fault_id, ReplicaIndex from, ReplicaIndex to);
  void clear_cut(std::size_t fault_id);
  bool blocked(EndpointIndex from, EndpointIndex to) const;

  Duration sample_latency(Rng& rng) const;

 private:
  Rng& link_rng(EndpointIndex from, EndpointIndex to);

  NetworkConfig config_;
  std::uint64_t run_seed_;
  std::uint32_t replica_count_;
  std::map<std::pair<EndpointIndex, EndpointIndex>, Rng> links_;
  // Active partitions: fault id -> the group of each replica.
  std::map<std::size_t, std::vector<std::uint32_t>> partitions_;
  std::map<std::size_t, std::pair<ReplicaIndex, ReplicaIndex>> cuts_;
};

}  // namespace bftsim
