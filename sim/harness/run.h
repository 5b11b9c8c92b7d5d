// `bftsim run`: one scenario under one seed, a summary, the CSV files; and
// `bftsim check`: validate a scenario without running it.
#pragma once

#include "sim/harness/command_line.h"

namespace bftsim {

int run_command(const CommandOptions& options);
int check_command(const CommandOptions& options);

}  // namespace bftsim
