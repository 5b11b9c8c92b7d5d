// Writes a Scenario back as a scenario file that the loader reads into an
// equal Scenario: load_scenario_string(scenario_to_yaml(s)) == s. bisect
// uses it to save the minimal scenario it shrank to. Keys equal to the
// loader's defaults are left out, so the file reads like a hand-written one;
// values that have a loader default depending on other keys (random faults'
// `stop`, `max_isolated`, `nodes`) are always written. Faults and Byzantine
// entries come one per line in flow style, in the order of the struct.
#pragma once

#include <string>

#include "sim/scenario/scenario.h"

namespace bftsim {

// `comment` (may be empty) becomes '#' lines at the top of the file.
std::string scenario_to_yaml(const Scenario& scenario, const std::string& comment = {});

// One fault entry as its flow map: "{type: crash, node: 1, at: 1s}".
std::string fault_to_yaml(const Fault& fault);

}  // namespace bftsim
