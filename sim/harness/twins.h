// `bftsim twins`: runs the scenarios of a Twins space (twins_space.h), each
// a deterministic simulation in a worker process: n replicas (the last t
// `twins` pairs), for each view 1..R the chosen leader (`protocol.leaders`)
// and partition of the instances (a partition fault that acts on the
// messages of that view, `views: [v, v]`), ended at the first safety
// violation or when an honest replica enters view R + 1 (`duration_views`).
// Writes one row per scenario to DIR/twins.csv, each violating scenario as a
// runnable DIR/violations/twins-ID.yaml, and reports scenarios per second
// and CPU time per scenario.
#pragma once

#include <string>

#include "sim/harness/command_line.h"
#include "sim/harness/twins_space.h"

namespace bftsim {

int twins_command(const CommandOptions& options);

// The scenario every twins run starts from, as YAML (the CLI's --set edits
// it): n = 4, f = 1, fast crypto, 1 ms constant latency, a 10 ms view timeout
// without backoff, no clients.
extern const char* const twins_template_yaml;

// Loads the template with `overrides`, bounded to view_count views, the last
// `twin_count` replicas twins; errors name the --set.
Result<Scenario> twins_template(const std::vector<std::string>& overrides, std::uint32_t view_count,
                                std::uint32_t twin_count);

// The template with `views` applied: the leader schedule, one partition fault
// per view, and a name from `id`.
Scenario twins_scenario(const Scenario& base, const TwinsSpace& space, const std::vector<ChoiceCode>& views,
                        std::uint64_t id);

}  // namespace bftsim
