// `bftsim sweep`: one run per (seed, grid point) in worker processes, one
// summary.csv row each in DIR/sweep.csv (plus one column per grid axis), the
// full CSV output only for runs not as expected (DIR/runs/...), a summary
// that separates expected from unexpected outcomes with a replay command for
// each of the latter. Ctrl-C keeps the rows already finished.
#pragma once

#include "sim/harness/command_line.h"

namespace bftsim {

int sweep_command(const CommandOptions& options);

}  // namespace bftsim
