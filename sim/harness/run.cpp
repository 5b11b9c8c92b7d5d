// `bftsim run` and `bftsim check` (run.h).
#include "sim/harness/run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/report/csv_writer.h"
#include "sim/report/trace_jsonl.h"
#include "sim/simulation.h"

namespace bftsim {

int check_command(const CommandOptions& options) {
  auto scenario = load_scenario_for(options);
  if (!scenario) return exit_usage;
  fmt::print("{}: ok ({} replicas, f={}, {} faults)\n", options.scenario_path, scenario->replica_count,
             scenario->faulty_count, scenario->faults.size());
  return exit_ok;
}

int run_command(const CommandOptions& options) {
  auto scenario = load_scenario_for(options);
  if (!scenario) return exit_usage;
  const std::uint64_t seed = options.seed.value_or(scenario->seed);
  std::FILE* trace = nullptr;
  if (!options.trace_path.empty()) {
    trace = std::fopen(options.trace_path.c_str(), "wb");
    if (trace == nullptr) {
      fmt::print(stderr, "bftsim: cannot write trace file {}\n", options.trace_path);
      return exit_usage;
    }
  }
  // The seed comes first, so a run that dies still names how to reproduce it.
  if (!options.quiet) fmt::print("seed {}\n", seed);
  std::fflush(stdout);

  const auto wall_start = std::chrono::steady_clock::now();
  JsonlTraceWriter trace_writer(trace, JsonlStyle::run);
  Simulation simulation(*scenario, SimulationOptions{seed, trace != nullptr ? &trace_writer : nullptr});
  const RunReport report = simulation.run();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (trace != nullptr) std::fclose(trace);

  if (!options.quiet) fmt::print("{}", format_summary_text(report));
  const double sim_seconds = static_cast<double>(report.end_time) / 1e9;
  const double events_per_s = wall_seconds > 0 ? static_cast<double>(report.event_count) / wall_seconds : 0;
  const double speedup = wall_seconds > 0 ? sim_seconds / wall_seconds : 0;
  fmt::print(stderr, "wall clock: {:.3f} s, {:.0f} events/s, {:.1f} simulated s per wall s\n", wall_seconds,
             events_per_s, speedup);

  if (!options.out_dir.empty()) {
    if (auto status = write_report_csv(report, options.out_dir); !status) {
      fmt::print(stderr, "bftsim: {}\n", status.error().message);
      return exit_usage;
    }
    std::ofstream wallclock(std::filesystem::path(options.out_dir) / "wallclock.csv");
    wallclock << "scenario,seed,wall_seconds,events,events_per_wall_s,sim_seconds_per_wall_s\n"
              << fmt::format("{},{},{:.6f},{},{:.0f},{:.3f}\n", report.scenario_name, report.seed, wall_seconds,
                             report.event_count, events_per_s, speedup);
    if (!options.quiet)
      fmt::print("wrote {}/{{summary,commits,requests,view_changes,faults,messages,storage,wallclock}}.csv\n",
                 options.out_dir);
  }
  // The summary holds the verdict line; -q still names what missed, on stderr.
  if (options.quiet && !report.as_expected) fmt::print(stderr, "{}\n", format_misses_line(report));
  if (report.safety_violation || report.liveness_violation || !report.as_expected)
    fmt::print(stderr, "reproduce: {}\n", replay_command(options, seed));
  return report.as_expected ? exit_ok : exit_not_as_expected;
}

}  // namespace bftsim
