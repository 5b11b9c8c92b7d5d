// NodeClocks: each replica's own clock under the scenario's clock faults
// (ClockFault in sim/scenario/scenario.h). A replica is handed its local
// time and sets its timers in it; the simulation turns a local deadline into
// the real (virtual) time at which the local clock reaches it, and re-arms
// pending timers whenever a clock fault starts or ends, since a jump moves
// every deadline. Without clock faults local time is real time. Integer
// arithmetic only, so the mapping is exact and the same on every platform.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/types/ids.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

class NodeClocks {
 public:
  explicit NodeClocks(std::uint32_t replica_count) : active_(replica_count) {}

  // Requires: fault.replica < replica_count, |drift| <= clock_drift_ppm_max.
  void set(std::size_t fault_id, const ClockFault& fault);
  void clear(std::size_t fault_id, ReplicaIndex replica);
  bool skewed(ReplicaIndex replica) const { return !active_[replica].empty(); }

  // What the replica's clock reads at real time `now` (never below 0).
  // Requires: every active fault of the replica started at or before now.
  Instant local(ReplicaIndex replica, Instant now) const;

  // The first real time >= now at which the replica's clock reads at least
  // `local_deadline`, if no clock fault starts or ends before then.
  Instant real_time_of(ReplicaIndex replica, Instant local_deadline, Instant now) const;

 private:
  // The fault that sets the replica's clock: the active one listed last.
  const ClockFault* current(ReplicaIndex replica) const;

  std::vector<std::map<std::size_t, ClockFault>> active_;  // per replica, by fault id
};

}  // namespace bftsim
