// What a linearizability report says (internal to the checker): each op of
// a failing window with its times and result, and why the window fails.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/linearizability/quick_proof.h"

namespace bftsim::lin {

// A value for a report: quoted, escaped, long values shortened.
std::string quote(std::string_view text);

// One line for `op`; with `cut`, an op completing after it is marked pending.
std::string describe_history_op(const HistoryOp& op, std::optional<Instant> cut);

// The report for a failing `window` of `key`, which had key_op_count ops.
std::string explain(const std::vector<HistoryOp>& history, const std::string& key,
                    std::size_t key_op_count, const Window& window);

}  // namespace bftsim::lin
