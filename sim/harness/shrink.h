// Shrinks a scenario that violates one check under one seed to a smaller one
// that still violates the same check under the same seed (bisect's core).
// The passes, each kept only when a rerun still shows the violation:
//   1. random faults (and random Byzantine replicas) become explicit entries
//      (same fault ids, same run);
//   2. the duration is cut to just past the violation;
//   3. ddmin over the parts: every fault entry and every Byzantine behaviour
//      of every replica (a replica with none left becomes honest);
//   4. each fault window is shortened by halving (one without `until` gets one);
//   5. client count, outstanding requests, open-loop rate and max_ops go down
//      by binary search;
//   6. the duration is cut again. Passes 3-6 repeat while they change something.
// This depends on the simulator's named streams: dropping one part leaves
// the random draws of the others unchanged, so the rest of the run stays
// the same and the violation usually survives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/violation.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

// Reruns a candidate under the fixed seed: its violation of the target check,
// or nullopt when the candidate does not violate it (or is not valid).
using Reproduce = std::function<std::optional<Violation>(const Scenario&)>;

struct ShrinkResult {
  Scenario scenario;               // the smallest scenario found that still violates
  Violation violation;             // the violation it shows
  std::vector<std::string> steps;  // each accepted change, in words
  std::size_t reruns = 0;          // calls of `reproduce`
};

// Requires: reproduce(input) gave `violation`; `seed` is the run seed (for
// the random faults of pass 1).
ShrinkResult shrink_scenario(const Scenario& input, const Violation& violation, std::uint64_t seed,
                             const Reproduce& reproduce);

// Whether `check` is judged at the end of a run (liveness, commit_height_min,
// linearizability) rather than at the event that broke it.
bool end_of_run_check(const std::string& check);

}  // namespace bftsim
