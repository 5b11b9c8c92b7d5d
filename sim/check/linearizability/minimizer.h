// Shrinking a failing key to a short window that still fails on its own
// (internal to the linearizability checker), so a report shows a few ops
// rather than the key's whole history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/linearizability/quick_proof.h"

namespace bftsim::lin {

// `ops`, the projection of `sources` onto `key`, is known to fail from
// absent; `frontier` is where the search that found it got stuck, if known.
// Spends at most four step budgets on top of that search, counted in
// `step_count`.
Window minimize_failure(const std::vector<HistoryOp>& history, const std::vector<std::size_t>& sources,
                        const std::string& key, ValueTable& values, std::uint64_t step_budget,
                        std::uint64_t& step_count, std::vector<KeyOp> ops, std::optional<Instant> frontier);

}  // namespace bftsim::lin
