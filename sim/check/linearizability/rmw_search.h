// Linearizability of one key's sub-history when it holds read-modify-write
// operations (incr, append), whose written value depends on the state they
// find. the fast search (search.h) interns fixed written values, which
// such operations do not have; this search replays the KV model itself
// (core/kv's semantics) on the key's actual value. Wing & Gong's search with
// memoization of (linearized set, value), under a step budget. Pure and
// deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/linearizability.h"

namespace bftsim {

struct RmwKeyOutcome {
  enum class Kind : std::uint8_t { linearizable, violation, exhausted };
  Kind kind = Kind::linearizable;
  std::vector<std::uint64_t> op_ids;  // violation: the key's ops, in invocation order
};

// `sources` index `history`, in invocation order, every one touching `key`.
// A txn is seen through its part on `key`: with status ok its conditions on
// `key` held and its writes to `key` applied; condition_failed with every
// condition on `key` means one of them failed; condition_failed with
// conditions elsewhere says nothing about `key` (partial, as in the fast path).
RmwKeyOutcome check_rmw_key(const std::vector<HistoryOp>& history, const std::vector<std::size_t>& sources,
                            const std::string& key, std::uint64_t step_budget, std::uint64_t& step_count);

// The KV model of one single-key operation (put, get, del, incr, append) on
// `state`: its result, and the state it leaves. Matches KvStateMachine.
std::pair<OpResult, std::optional<std::string>> apply_single_key(const Operation& op,
                                                                 const std::optional<std::string>& state);

}  // namespace bftsim
