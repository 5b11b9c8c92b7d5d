// `bftsim bisect`, two ways.
// With a seed (bisect.cpp): reruns the scenario, names the first event at
// which a check fails, shrinks the scenario while the same check still fails
// on the same seed (shrink.h), and writes DIR/minimal.yaml (which `bftsim run
// DIR/minimal.yaml --seed S` reproduces), DIR/violation.txt (what broke and
// the messages that led to it) and DIR/minimal.trace.jsonl (the minimal run's
// trace). Exit 0: shrunk; 1: the run shows no violation to bisect; 2: bad input.
// With --param (bisect_param.cpp): a binary search over a numeric scenario
// value for where a property flips over a set of seeds; one DIR/bisect.csv
// row per probe. Exit 0: a threshold inside the range; 1: the property does
// not flip inside it (holds at the top, or is violated at the bottom); 2: bad input.
#pragma once

#include "sim/harness/command_line.h"

namespace bftsim {

int bisect_command(const CommandOptions& options);
int bisect_param_command(const CommandOptions& options);

}  // namespace bftsim
