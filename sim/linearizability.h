// Linearizability of a client history against the KV model of
// core/kv/state_machine.cpp, checked once at the end of a run. The history is
// split by key (a txn projects onto each key it touches) and each key is
// searched with Wing & Gong's algorithm in Lowe's memoizing form, as Porcupine
// does, under a step budget. Pure and deterministic: keys are checked in
// sorted order and nothing unordered reaches the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/kv/operation.h"
#include "core/types/ids.h"

namespace bftsim {

// One client request as the checker sees it. A pending request (invoked, never
// completed) may or may not have taken effect, at any time after invoked_at.
struct HistoryOp {
  std::uint64_t id = 0;  // unique in the history; reports name ops by it
  ClientId client = 0;
  RequestNumber number = 0;
  Operation op;
  Instant invoked_at = 0;
  std::optional<Instant> completed_at;  // nullopt: pending at the end of the run
  std::optional<OpResult> result;       // set iff completed_at is set
};

struct LinearizabilityResult {
  // False only when a violation is proven; key, op_ids and explanation then
  // describe it. When `exhausted` is also true, true means "no violation
  // found" rather than "proven linearizable".
  bool linearizable = true;
  // Some key's search hit the step budget, so its outcome is unknown. This is
  // not a violation; exhausted_keys names those keys (sorted).
  bool exhausted = false;
  std::vector<std::string> exhausted_keys;
  std::string key;                    // the smallest key with a violation
  std::vector<std::uint64_t> op_ids;  // a small failing window of that key, in invocation order
  std::string explanation;            // the window's ops with times and results
  std::uint64_t step_count = 0;       // search steps spent, minimizing included
};

// Search steps per key search; bounds memory too (one cache entry per step
// at most, typically well under 100 bytes).
inline constexpr std::uint64_t linearizability_step_budget_default = 1'000'000;

// Checks `history` (any order; ids unique). Requires: completed_at and result
// are set together, and completed_at >= invoked_at. Stops at the first key
// (in key order) with a violation; a budget of 0 means the default.
LinearizabilityResult check_linearizability(
    const std::vector<HistoryOp>& history,
    std::uint64_t step_budget = linearizability_step_budget_default);

}  // namespace bftsim
