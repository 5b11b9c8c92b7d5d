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

#include "core/protocol/operation.h"
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

// Steps allowed to one search of one key. Memory grows with the steps taken
// (one explored-set entry per step at most, a few dozen bytes each).
inline constexpr std::uint64_t linearizability_step_budget_default = 1'000'000;

// Checks `history` (in any order) key by key, in key order, and stops at the
// first key with a violation. Each key's search may take step_budget steps;
// shrinking a violation to a small window may take four budgets more.
// Requires: ids unique; completed_at and result set together;
// completed_at >= invoked_at; step_budget > 0.
//
// Touching intervals overlap: an op completing at t and one invoked at t may
// go in either order. Per-key checking is exact for single-key ops; a txn
// over several keys is checked on each key alone (necessary, not
// sufficient: the verdict for such histories is partial), and a
// condition_failed txn with conditions on several keys is not checked at
// all. A key with read-modify-write ops (incr, append) is searched on its
// actual values (linearizability/rmw_search.h). A txn with no conditions and no
// writes must answer ok with no value.
LinearizabilityResult check_linearizability(
    const std::vector<HistoryOp>& history,
    std::uint64_t step_budget = linearizability_step_budget_default);

}  // namespace bftsim
