// `bftsim replay`: rerun one seed and write the events in a window around one
// event, as text, JSON lines, a Perfetto (Chrome trace-event) JSON or a
// Mermaid sequence diagram (sim/report/trace_*.h). The window is --window
// events each side of --around (so 2*window+1 events; fewer at the run's
// ends); --around defaults to the event of the run's violation when it has
// one, else the first event. Deterministic like the CSV: the same scenario
// and seed give the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/types/result.h"
#include "sim/harness/command_line.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

enum class TraceFormat : std::uint8_t { text, jsonl, perfetto, mermaid };

// "text", "jsonl", "perfetto", "mermaid"; none for anything else.
std::optional<TraceFormat> parse_trace_format(const std::string& name);
const char* trace_format_name(TraceFormat format);

struct TraceRequest {
  TraceFormat format = TraceFormat::text;
  std::optional<std::uint64_t> around;  // an event index, 1..event count; none: see above
  std::uint64_t window = 200;           // events each side of `around`
};

// What write_trace wrote.
struct TraceWritten {
  std::uint64_t around = 0;
  std::uint64_t first_index = 0;  // inclusive
  std::uint64_t last_index = 0;
  std::uint64_t event_count = 0;  // of the whole run
  std::string centre;             // why `around`: "event 812", "the safety violation (agreement)", "the start"
};

// Reruns `scenario` under `seed` (twice when `around` must be found) and
// writes the window to `path` ("-": stdout). An error (invalid_argument) when
// `around` is past the run's last event; io_error when `path` cannot be written.
Result<TraceWritten> write_trace(const Scenario& scenario, std::uint64_t seed, const TraceRequest& request,
                                 const std::string& path);

// The subcommand: options.out_dir is the trace file (default stdout).
int replay_trace_command(const CommandOptions& options);

}  // namespace bftsim
