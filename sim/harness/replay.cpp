// `bftsim replay` and write_trace (replay.h).
#include "sim/harness/replay.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "sim/report/trace_jsonl.h"
#include "sim/report/trace_mermaid.h"
#include "sim/report/trace_perfetto.h"
#include "sim/report/trace_text.h"
#include "sim/report/trace_window.h"
#include "sim/simulation.h"

namespace bftsim {
namespace {

constexpr std::pair<const char*, TraceFormat> format_names[] = {
    {"text", TraceFormat::text},
    {"jsonl", TraceFormat::jsonl},
    {"perfetto", TraceFormat::perfetto},
    {"mermaid", TraceFormat::mermaid},
};

// The event a replay centres on by default, and why.
std::pair<std::uint64_t, std::string> default_centre(const RunReport& report) {
  // A linearizability violation is found after the run and has no event (index 0).
  if (report.safety_violation && report.safety_violation->event_index > 0)
    return {report.safety_violation->event_index,
            fmt::format("the safety violation ({})", report.safety_violation->check)};
  if (report.liveness_violation && report.liveness_violation->event_index > 0)
    return {report.liveness_violation->event_index,
            fmt::format("the liveness violation ({})", report.liveness_violation->check)};
  return {1, "the start"};
}

std::string format_window(const TraceWindow& window, TraceFormat format) {
  std::string out;
  switch (format) {
    case TraceFormat::text:
      for (const TraceEvent& event : window.events) out += text_line(event, window.replica_count) + "\n";
      return out;
    case TraceFormat::jsonl:
      for (const TraceEvent& event : window.events)
        if (auto line = jsonl_line(event, JsonlStyle::replay)) out += *line + "\n";
      return out;
    case TraceFormat::perfetto:
      return perfetto_json(window);
    case TraceFormat::mermaid:
      return mermaid_diagram(window);
  }
  return out;
}

Status write_trace_file(const std::string& path, const std::string& bytes) {
  const bool to_stdout = path.empty() || path == "-";
  std::FILE* file = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) return make_error(ErrorCode::io_error, fmt::format("cannot write trace file {}", path));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const bool closed = to_stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
  if (!wrote || !closed) return make_error(ErrorCode::io_error, fmt::format("cannot write trace file {}", path));
  return {};
}

}  // namespace

std::optional<TraceFormat> parse_trace_format(const std::string& name) {
  for (const auto& [text, format] : format_names)
    if (name == text) return format;
  return std::nullopt;
}

const char* trace_format_name(TraceFormat format) {
  for (const auto& [text, value] : format_names)
    if (value == format) return text;
  return "unknown";
}

Result<TraceWritten> write_trace(const Scenario& scenario, std::uint64_t seed, const TraceRequest& request,
                                 const std::string& path) {
  TraceWritten written;
  if (request.around) {
    written.around = *request.around;
    written.centre = fmt::format("event {}", *request.around);
  } else {
    // Where the violation is shows only at the end of a run: run once to find it.
    Simulation simulation(scenario, SimulationOptions{.seed = seed});
    std::tie(written.around, written.centre) = default_centre(simulation.run());
  }
  const std::uint64_t last_max = std::numeric_limits<std::uint64_t>::max();
  written.first_index = written.around > request.window ? written.around - request.window : 1;
  const std::uint64_t last = written.around > last_max - request.window ? last_max : written.around + request.window;
  TraceWindowCollector collector(std::max<std::uint64_t>(written.first_index, 1), std::max(last, written.first_index),
                                 scenario.replica_count, scenario.clients.client_count);
  Simulation simulation(scenario, SimulationOptions{.seed = seed, .trace = &collector});
  const RunReport report = simulation.run();
  written.event_count = report.event_count;
  if (written.around < 1 || written.around > report.event_count)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--around {} is not an event of this run (events 1-{})", written.around,
                                  report.event_count));
  written.last_index = std::min(last, report.event_count);
  TraceWindow window = collector.take();
  window.last_index = written.last_index;
  window.title = fmt::format("{} seed {}, events {}-{}", scenario.name, seed, written.first_index, written.last_index);
  if (auto status = write_trace_file(path, format_window(window, request.format)); !status) return tl::unexpected(status.error());
  return written;
}

int replay_trace_command(const CommandOptions& options) {
  const auto format = parse_trace_format(options.trace_format);
  if (!format) {
    fmt::print(stderr, "bftsim: unknown --format '{}' (text, jsonl, perfetto or mermaid)\n", options.trace_format);
    return exit_usage;
  }
  auto scenario = load_scenario_for(options);
  if (!scenario) return exit_usage;
  const std::uint64_t seed = options.seed.value_or(scenario->seed);
  const TraceRequest request{.format = *format, .around = options.around, .window = options.window};
  const auto written = write_trace(*scenario, seed, request, options.out_dir);
  if (!written) {
    fmt::print(stderr, "bftsim: {}\n", written.error().message);
    return exit_usage;
  }
  if (!options.quiet)
    fmt::print(stderr, "replay: seed {}, events {}-{} of {} around {} ({}), {}{}\n", seed, written->first_index,
               written->last_index, written->event_count, written->around, written->centre, trace_format_name(*format),
               options.out_dir.empty() || options.out_dir == "-" ? "" : fmt::format(" -> {}", options.out_dir));
  return exit_ok;
}

}  // namespace bftsim
