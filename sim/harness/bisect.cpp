// `bftsim bisect SCENARIO --seed S` (bisect.h): the first run, the shrink,
// the files. Every candidate is run from the text the scenario writer makes
// of it, read back by the loader, so what was tested is what minimal.yaml says.
#include "sim/harness/bisect.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/harness/causal_chain.h"
#include "sim/harness/shrink.h"
#include "sim/harness/replay.h"
#include "sim/harness/trace_records.h"
#include "sim/report/trace_jsonl.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"
#include "sim/units.h"

namespace bftsim {
namespace {

// minimal.perfetto.json holds this many events each side of the violation.
constexpr std::uint64_t perfetto_window = 2000;

namespace fs = std::filesystem;

// The run's violation of `check`, if it has one.
std::optional<Violation> violation_of(const RunReport& report, const std::string& check) {
  if (report.safety_violation && report.safety_violation->check == check) return report.safety_violation;
  if (report.liveness_violation && report.liveness_violation->check == check) return report.liveness_violation;
  return std::nullopt;
}

std::string replicas_text(const Violation& violation) {
  if (violation.replicas.empty()) return "none named";
  std::string out;
  for (ReplicaIndex r : violation.replicas) out += fmt::format("{}{}", out.empty() ? "" : ", ", r);
  return out;
}

std::string where_text(const Violation& violation) {
  if (violation.check == "linearizability") return "at the end of the run (the client history as a whole)";
  return fmt::format("at event {}, t={}, replicas {}", violation.event_index, format_duration(violation.at),
                     replicas_text(violation));
}

std::size_t behavior_count(const Scenario& scenario) {
  std::size_t count = 0;
  for (const auto& spec : scenario.byzantine) count += spec.behaviors.size();
  return count;
}

std::string kept_text(const Scenario& s) {
  std::string out = fmt::format("  duration {}, {} replicas (f={}), crypto {}\n", format_duration(s.duration),
                                s.replica_count, s.faulty_count, crypto_kind_name(s.crypto));
  out += fmt::format("  clients: {} ({}, {})\n", s.clients.client_count, client_mode_name(s.clients.mode),
                     s.clients.mode == ClientMode::closed ? fmt::format("{} outstanding", s.clients.outstanding_max)
                                                          : format_rate(s.clients.rate));
  out += fmt::format("  faults: {}\n", s.faults.size());
  for (const Fault& fault : s.faults) out += fmt::format("    - {}\n", fault_to_yaml(fault));
  out += fmt::format("  Byzantine replicas: {}\n", s.byzantine.size());
  for (const auto& spec : s.byzantine) {
    std::string names;
    for (ByzantineBehavior b : spec.behaviors) names += fmt::format("{}{}", names.empty() ? "" : ", ", byzantine_behavior_name(b));
    out += fmt::format("    - replica {}: {}\n", spec.replica, names);
  }
  return out;
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return make_error(ErrorCode::io_error, fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

bool write_text(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (file) return true;
  fmt::print(stderr, "bftsim: cannot write {}\n", path.string());
  return false;
}

}  // namespace

int bisect_command(const CommandOptions& options) {
  if (!options.param.empty()) return bisect_param_command(options);
  if (!options.range.empty() || !options.property.empty() || !options.tolerance.empty() || !options.seeds.empty() ||
      options.jobs) {
    fmt::print(stderr, "bftsim: --range, --property, --tolerance, --seeds and --jobs go with --param\n");
    return exit_usage;
  }
  auto loaded = load_scenario_for(options);
  if (!loaded) return exit_usage;
  Scenario scenario = std::move(*loaded);
  const std::uint64_t seed = options.seed.value_or(scenario.seed);
  scenario.seed = seed;  // so minimal.yaml alone replays this run
  const fs::path dir = options.out_dir.empty() ? fs::path(fmt::format("bisect-{}-seed-{}", scenario.name, seed))
                                               : fs::path(options.out_dir);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    fmt::print(stderr, "bftsim: cannot create {}: {}\n", dir.string(), error.message());
    return exit_usage;
  }
  fmt::print("seed {}\n", seed);
  std::fflush(stdout);
  const auto wall_start = std::chrono::steady_clock::now();

  const RunReport first = Simulation(scenario, SimulationOptions{seed, nullptr}).run();
  const std::optional<Violation> found = first.safety_violation ? first.safety_violation : first.liveness_violation;
  if (!found) {
    fmt::print("bisect: {} at seed {} shows no violation (safety {}, liveness {}): nothing to bisect\n", scenario.name,
               seed, verdict_name(first.safety), verdict_name(first.liveness));
    return exit_not_as_expected;
  }
  const std::string check = found->check;
  const char* kind = first.safety_violation ? "safety" : "liveness";
  fmt::print("first failing check: {} ({}) {}\n  {}\n", check, kind, where_text(*found), found->detail);
  std::fflush(stdout);

  std::size_t invalid = 0;
  const Reproduce reproduce = [&](const Scenario& candidate) -> std::optional<Violation> {
    auto reread = load_scenario_string(scenario_to_yaml(candidate), "candidate.yaml", {});
    if (!reread) {
      ++invalid;
      return std::nullopt;
    }
    return violation_of(Simulation(*reread, SimulationOptions{seed, nullptr}).run(), check);
  };
  ShrinkResult shrunk = shrink_scenario(scenario, *found, seed, reproduce);
  shrunk.scenario.name = scenario.name + "-minimal";
  shrunk.scenario.description =
      fmt::format("bftsim bisect of {} at seed {}: the smallest scenario found that still violates {}",
                  scenario.name, seed, check);

  const fs::path minimal_path = dir / "minimal.yaml";
  const std::string comment = fmt::format(
      "{}: shrunk by `bftsim bisect {}` ({} reruns) from {}.\nReproduce: bftsim run {} --seed {}",
      shrunk.scenario.name, shell_word(options.scenario_path), shrunk.reruns, options.scenario_path,
      shell_word(minimal_path.string()), seed);
  if (!write_text(minimal_path, scenario_to_yaml(shrunk.scenario, comment))) return exit_usage;

  // The minimal run again, from the file, with its trace: it must show the same check.
  auto minimal = load_scenario_file(minimal_path.string(), {});
  const fs::path trace_path = dir / "minimal.trace.jsonl";
  std::FILE* trace = std::fopen(trace_path.string().c_str(), "wb");
  if (!minimal || trace == nullptr) {
    fmt::print(stderr, "bftsim: {}\n", minimal ? "cannot write " + trace_path.string() : minimal.error().message);
    if (trace != nullptr) std::fclose(trace);
    return exit_usage;
  }
  JsonlTraceWriter trace_writer(trace, JsonlStyle::run);
  const RunReport replayed = Simulation(*minimal, SimulationOptions{seed, &trace_writer}).run();
  std::fclose(trace);
  const std::optional<Violation> violation = violation_of(replayed, check);
  if (!violation) {
    fmt::print(stderr, "bftsim: internal error: {} does not reproduce the {} violation\n", minimal_path.string(), check);
    return exit_not_as_expected;
  }
  auto trace_text = read_text(trace_path);
  auto records = trace_text ? parse_trace(*trace_text) : Result<std::vector<TraceRecord>>(tl::unexpected(trace_text.error()));

  std::string text = fmt::format("bftsim bisect of {} at seed {}\n\nWhat broke\n", options.scenario_path, seed);
  text += fmt::format("  {} ({}): {}.\n  {}\n  first failing event {}\n", check, kind, check_meaning(check),
                      violation->detail, where_text(*violation));
  text += fmt::format("  (in the input scenario: {})\n\n", where_text(*found));
  text += fmt::format("What it needs: minimal.yaml, after {} reruns\n{}", shrunk.reruns, kept_text(shrunk.scenario));
  text += "  changes from the input:\n";
  for (const std::string& step : shrunk.steps) text += fmt::format("    - {}\n", step);
  if (shrunk.steps.empty()) text += "    - none: every part is needed\n";
  text += "\nHow it happened (from minimal.trace.jsonl)\n";
  text += records ? explain_violation(*violation, *records) : "  the trace could not be read: " + records.error().message + "\n";
  if (!violation->context.empty()) {
    text += "\nThe last events that touched the replicas involved (newest first)\n";
    for (const std::string& line : violation->context) text += fmt::format("  {}\n", line);
  }
  if (!write_text(dir / "violation.txt", text)) return exit_usage;
  // The same run for ui.perfetto.dev: the events around the violation, each message a flow arrow.
  const fs::path perfetto_path = dir / "minimal.perfetto.json";
  const TraceRequest perfetto_request{.format = TraceFormat::perfetto, .around = std::nullopt, .window = perfetto_window};
  if (auto written = write_trace(*minimal, seed, perfetto_request, perfetto_path.string()); !written) {
    fmt::print(stderr, "bftsim: {}\n", written.error().message);
    return exit_usage;
  }

  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  fmt::print("shrunk in {} reruns, {:.2f} wall s{}: faults {} -> {}, Byzantine behaviours {} -> {}, clients {} -> {}, "
             "duration {} -> {}\n",
             shrunk.reruns, wall_seconds, invalid > 0 ? fmt::format(" ({} candidates were not valid)", invalid) : "",
             fmt::format("{}{}", scenario.faults.size(),
                         scenario.random_faults.any() ? " and random faults" : ""),
             shrunk.scenario.faults.size(), behavior_count(scenario), behavior_count(shrunk.scenario),
             scenario.clients.client_count, shrunk.scenario.clients.client_count, format_duration(scenario.duration),
             format_duration(shrunk.scenario.duration));
  for (const std::string& step : shrunk.steps) fmt::print("  {}\n", step);
  fmt::print("minimal run: {} {}\n", check, where_text(*violation));
  fmt::print("wrote {}, {}, {}, {}\n", minimal_path.string(), (dir / "violation.txt").string(), trace_path.string(),
             perfetto_path.string());
  fmt::print("reproduce: bftsim run {} --seed {}\n", shell_word(minimal_path.string()), seed);
  return exit_ok;
}

}  // namespace bftsim
