// `bftsim sweep` (sweep.h). Each run's outcome crosses from its worker as
// one record (encode_outcome); the parent keeps rows by run number, so
// sweep.csv is in run order whatever the number of workers.
#include "sim/harness/sweep.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "sim/harness/progress.h"
#include "sim/harness/sweep_plan.h"
#include "sim/harness/worker_pool.h"
#include "sim/report/csv_writer.h"
#include "sim/simulation.h"

namespace bftsim {
namespace {

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) { interrupted = 1; }

constexpr char field_separator = '\x1f';
constexpr std::size_t listed_runs_max = 10;

// What the parent needs of one run.
struct RunOutcome {
  bool as_expected = false;
  bool safety_violation = false;
  bool liveness_violation = false;
  bool cut_off = false;  // stopped as an event storm (as expected or not)
  int unexpected_safety = 0, unexpected_liveness = 0, missing_violations = 0;
  std::uint64_t events = 0;
  std::string csv_row;
  std::string misses;
};

std::string encode_outcome(const RunOutcome& o) {
  return fmt::format("{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}", o.as_expected ? 1 : 0, field_separator,
                     o.safety_violation ? 1 : 0, field_separator, o.liveness_violation ? 1 : 0, field_separator,
                     o.unexpected_safety, field_separator, o.unexpected_liveness, field_separator,
                     o.missing_violations, field_separator, o.events, field_separator, o.csv_row, field_separator,
                     o.misses, field_separator, o.cut_off ? 1 : 0);
}

std::optional<RunOutcome> decode_outcome(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == field_separator) {
      fields.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  if (fields.size() != 10) return std::nullopt;
  RunOutcome o;
  o.as_expected = fields[0] == "1";
  o.safety_violation = fields[1] == "1";
  o.liveness_violation = fields[2] == "1";
  o.unexpected_safety = std::stoi(fields[3]);
  o.unexpected_liveness = std::stoi(fields[4]);
  o.missing_violations = std::stoi(fields[5]);
  o.events = std::stoull(fields[6]);
  o.csv_row = fields[7];
  o.misses = fields[8];
  o.cut_off = fields[9] == "1";
  return o;
}

// A CSV field: as is, or quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// A directory name for one run: seed-17, or seed-17_network.loss=0.05.
std::string run_directory_name(std::uint64_t seed, const GridPoint& point) {
  std::string name = fmt::format("seed-{}", seed);
  for (const std::string& set : point.sets) {
    name += '_';
    for (char c : set) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '=' || c == '-') ? c : '_';
  }
  return name;
}

struct Tally {
  std::uint64_t runs = 0, events = 0, expected = 0, expected_safety = 0, expected_liveness = 0;
  std::uint64_t unexpected = 0, unexpected_safety = 0, unexpected_liveness = 0, missing = 0, crashed = 0;
  std::uint64_t cut_off = 0;  // runs stopped as event storms
  // By run number, so the summary lists runs in sweep order whatever the workers.
  std::map<std::uint64_t, std::string> unexpected_lines;  // with their replay command
  std::map<std::uint64_t, std::string> expected_violation_runs;
  std::map<std::uint64_t, std::string> expected_violation_replays;
};

}  // namespace

int sweep_command(const CommandOptions& options) {
  const auto range = parse_seed_range(options.seeds);
  if (!range) {
    fmt::print(stderr, "bftsim: --seeds wants A-B or N, got '{}'\n", options.seeds);
    return exit_usage;
  }
  std::vector<GridAxis> axes;
  for (const std::string& spec : options.grid) {
    auto axis = parse_grid_axis(spec);
    if (!axis) {
      fmt::print(stderr, "bftsim: {}\n", axis.error().message);
      return exit_usage;
    }
    axes.push_back(std::move(*axis));
  }
  Shard shard;
  if (!options.shard.empty()) {
    auto parsed = parse_shard(options.shard);
    if (!parsed) {
      fmt::print(stderr, "bftsim: {}\n", parsed.error().message);
      return exit_usage;
    }
    shard = *parsed;
  }
  // Every grid point's scenario is loaded (and checked) once, before any run.
  const std::vector<GridPoint> points = grid_points(axes);
  std::vector<Scenario> scenarios;
  for (const GridPoint& point : points) {
    auto scenario = load_scenario_for(options, point.sets);
    if (!scenario) return exit_usage;
    scenarios.push_back(std::move(*scenario));
  }
  // One sweep.csv column per axis, except an axis summary.csv already has a
  // column for (replicas, say): that column holds its value already.
  const std::string header = summary_csv_header();
  std::vector<bool> axis_column(axes.size(), true);
  for (std::size_t a = 0; a < axes.size(); ++a)
    axis_column[a] = ("," + header + ",").find("," + axes[a].key + ",") == std::string::npos;
  const std::vector<PlannedRun> runs = plan_runs(range->first, range->second, points.size(), shard);
  const unsigned jobs = options.jobs.value_or(online_cpu_count());
  const std::filesystem::path out_dir = options.out_dir;

  std::vector<std::uint64_t> tasks;
  for (std::size_t i = 0; i < runs.size(); ++i) tasks.push_back(i);
  const auto work = [&](std::uint64_t task) {
    const PlannedRun& run = runs[task];
    Simulation simulation(scenarios[run.point], SimulationOptions{run.seed, nullptr});
    const RunReport report = simulation.run();
    RunOutcome o;
    o.as_expected = report.as_expected;
    o.safety_violation = report.safety_violation.has_value();
    o.liveness_violation = report.liveness_violation.has_value();
    o.cut_off = report.cut_off.has_value();
    for (const auto& miss : expectation_misses(report)) {
      if (miss.aspect == "cut_off") continue;  // counted by o.cut_off
      if (miss.verdict == Verdict::violated) ++(miss.aspect == "safety" ? o.unexpected_safety : o.unexpected_liveness);
      else if (miss.expected == "violated") ++o.missing_violations;
    }
    o.events = report.event_count;
    o.csv_row = summary_csv_row(report);
    for (std::size_t a = 0; a < axes.size(); ++a)
      if (axis_column[a]) o.csv_row += "," + csv_field(points[run.point].values[a]);
    o.misses = format_misses_line(report);
    // The full output only for runs not as expected.
    if (!report.as_expected && !out_dir.empty()) {
      const auto dir = out_dir / "runs" / run_directory_name(run.seed, points[run.point]);
      if (write_report_csv(report, dir.string())) {
        std::ofstream replay(dir / "replay.txt");
        replay << replay_command(options, run.seed, points[run.point].sets) << "\n" << o.misses << "\n";
      }
    }
    return encode_outcome(o);
  };

  std::map<std::uint64_t, std::string> rows;  // by run number
  Tally tally;
  const std::string title =
      fmt::format("sweep {} seeds {}-{}", scenarios.front().name, range->first, range->second);
  ProgressLine progress(title, runs.size(), options.progress && !options.quiet);
  const auto done = [&](TaskResult result) {
    const PlannedRun& run = runs[result.task];
    const std::string replay = replay_command(options, run.seed, points[run.point].sets);
    std::string label = fmt::format("seed {}", run.seed);
    for (const std::string& set : points[run.point].sets) label += " " + set;
    ++tally.runs;
    const std::optional<RunOutcome> o = result.output ? decode_outcome(*result.output) : std::nullopt;
    if (!o) {
      ++tally.unexpected;
      ++tally.crashed;
      tally.unexpected_lines[run.number] = fmt::format("  {} CRASHED: the run's worker {}\n    replay: {}\n", label,
                                                       result.output ? "sent a malformed result" : result.failure,
                                                       replay);
      return;
    }
    rows[run.number] = o->csv_row;
    tally.events += o->events;
    tally.cut_off += o->cut_off;
    if (o->as_expected) {
      ++tally.expected;
      tally.expected_safety += o->safety_violation;
      tally.expected_liveness += o->liveness_violation;
      if (o->safety_violation || o->liveness_violation) {
        tally.expected_violation_runs[run.number] = label.substr(5);
        if (tally.expected_violation_replays.empty() || run.number < tally.expected_violation_replays.begin()->first)
          tally.expected_violation_replays = {{run.number, replay}};
      }
      return;
    }
    ++tally.unexpected;
    tally.unexpected_safety += o->unexpected_safety;
    tally.unexpected_liveness += o->unexpected_liveness;
    tally.missing += o->missing_violations;
    tally.unexpected_lines[run.number] = fmt::format("  {} {}\n    replay: {}\n", label, o->misses, replay);
  };

  interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C kills at once
  struct sigaction previous {};
  sigaction(SIGINT, &action, &previous);
  const auto wall_start = std::chrono::steady_clock::now();
  const PoolOutcome pool = run_worker_pool(
      jobs, tasks, work, done, [&] { progress.update(tally.runs, tally.unexpected); }, 200, interrupted);
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  sigaction(SIGINT, &previous, nullptr);
  progress.finish();

  std::string scope = fmt::format("seeds {}-{}", range->first, range->second);
  if (points.size() > 1) scope += fmt::format(" x {} grid points", points.size());
  if (shard.count > 1) scope += fmt::format(", shard {}/{}", shard.index, shard.count);
  fmt::print("sweep {} {}: {} runs: {} as expected ({} expected safety violations, {} expected liveness "
             "violations), {} not as expected ({} unexpected safety violations, {} unexpected liveness violations, "
             "{} expected violations that did not happen{})\n",
             scenarios.front().name, scope, tally.runs, tally.expected, tally.expected_safety,
             tally.expected_liveness, tally.unexpected, tally.unexpected_safety, tally.unexpected_liveness,
             tally.missing, tally.crashed > 0 ? fmt::format(", {} crashed", tally.crashed) : "");
  if (tally.cut_off > 0)
    fmt::print("  {} runs cut off as event storms (event_rate_max)\n", tally.cut_off);
  std::size_t listed = 0;
  for (const auto& [number, line] : tally.unexpected_lines)
    if (listed++ < listed_runs_max) fmt::print("{}", line);
  if (tally.unexpected > listed_runs_max)
    fmt::print("  ... and {} more runs not as expected\n", tally.unexpected - listed_runs_max);
  if (!tally.expected_violation_runs.empty()) {
    std::string list;
    listed = 0;
    for (const auto& [number, run] : tally.expected_violation_runs)
      if (listed++ < listed_runs_max) list += (listed == 1 ? " " : ", ") + run;
    fmt::print("  expected violations at seeds:{}{}\n", list,
               tally.expected_violation_runs.size() > listed_runs_max ? " ..." : "");
    fmt::print("  replay one: {}\n", tally.expected_violation_replays.begin()->second);
  }
  fmt::print(stderr, "wall clock: {:.3f} s for {} runs ({} jobs), {:.1f} runs/s, {:.0f} events/s\n", wall_seconds,
             tally.runs, std::min<std::size_t>(jobs, std::max<std::size_t>(runs.size(), 1)),
             wall_seconds > 0 ? static_cast<double>(tally.runs) / wall_seconds : 0.0,
             wall_seconds > 0 ? static_cast<double>(tally.events) / wall_seconds : 0.0);
  if (!options.out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    std::ofstream file(out_dir / "sweep.csv", std::ios::binary);
    file << header;
    for (std::size_t a = 0; a < axes.size(); ++a)
      if (axis_column[a]) file << "," << csv_field(axes[a].key);
    file << "\n";
    for (const auto& [number, row] : rows) file << row << "\n";
    if (!file) {
      fmt::print(stderr, "bftsim: cannot write {}/sweep.csv\n", options.out_dir);
      return exit_usage;
    }
  }
  if (pool.interrupted) {
    fmt::print(stderr, "interrupted: {} of {} runs finished{}\n", tally.runs, runs.size(),
               options.out_dir.empty() ? "" : fmt::format("; their rows are in {}/sweep.csv", options.out_dir));
    return exit_interrupted;
  }
  return tally.unexpected == 0 ? exit_ok : exit_not_as_expected;
}

}  // namespace bftsim
