// What every bftsim subcommand shares: the parsed options, the exit codes,
// seed ranges, and the shell command that replays one run. The wall clock is
// read only in sim/harness/ (and bench/), to report speed and progress; it
// never reaches a simulated run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types/result.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

inline constexpr int exit_ok = 0;
inline constexpr int exit_not_as_expected = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_interrupted = 130;  // 128 + SIGINT, as shells report it

struct CommandOptions {
  std::string command;
  std::string scenario_path;
  std::optional<std::uint64_t> seed;
  std::string out_dir;  // run, sweep: the CSV directory; replay: the trace file (empty or "-": stdout)
  std::string trace_path;
  std::vector<std::string> overrides;  // --set, the old engine's flags first
  bool quiet = false;
  // sweep
  std::string seeds;
  std::optional<unsigned> jobs;
  std::vector<std::string> grid;  // "key.path=v1,v2,..."
  std::string shard;              // "K/M"
  bool progress = true;           // --no-progress turns the progress line off
  // bisect with a parameter
  std::string param;              // --param key.path
  std::string range;              // --range A..B
  std::string property;           // --property liveness|safety
  std::string tolerance;          // --tolerance X (in the range's unit)
  // replay
  std::string trace_format = "text";     // text, jsonl, perfetto, mermaid
  std::optional<std::uint64_t> around;  // the event to centre on
  std::uint64_t window = 200;           // events each side
};

// "A-B" (inclusive) or "N" (= 1-N).
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& text);

// A whole number written with digits only ("0", "812"); none for anything
// else, a sign included.
std::optional<std::uint64_t> parse_count(const std::string& text);

// `text` as one shell word: as is when it is plainly safe, else in single quotes.
std::string shell_word(const std::string& text);

// The command that replays one run: the scenario, the seed and every --set
// given (the old engine's flags as the --set they stand for), then `extra`
// (a grid point's values).
std::string replay_command(const CommandOptions& options, std::uint64_t seed,
                           const std::vector<std::string>& extra = {});

// Loads options.scenario_path with options.overrides plus `extra`; on error
// prints "bftsim: <message>" to stderr.
Result<Scenario> load_scenario_for(const CommandOptions& options, const std::vector<std::string>& extra = {});

}  // namespace bftsim
