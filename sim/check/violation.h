// A check that failed: which check, at which event and virtual time, what
// happened in words, the replicas involved and the last events that touched
// them. Every checker reports through this one type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types/ids.h"

namespace bftsim {

struct Violation {
  // "agreement", "chain", "state_agreement", "integrity", "double_vote",
  // "timeout_vote", "certificate", "linearizability", "liveness", "commit_height_min"
  std::string check;
  std::uint64_t event_index = 0;
  Instant at = 0;
  std::string detail;
  std::vector<ReplicaIndex> replicas;  // the replicas involved, when there are any
  std::vector<std::string> context;    // the last events that touched them
};

}  // namespace bftsim
