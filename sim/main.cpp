// The bftsim command line: `bftsim run` replays a scenario under a seed and
// writes its CSV; `bftsim sweep` runs many seeds; `bftsim check` only
// validates a scenario. Exit codes: 0 every run went as the scenario's
// `expect` says (an expected violation that happened counts), 1 a run did not
// (an unexpected violation, or an expected violation that did not happen),
// 2 bad input or usage.
// The wall clock is read here and only here in sim/, to report speed on
// stderr and in wallclock.csv; it never reaches a simulated run.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/report/csv_writer.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace po = boost::program_options;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_not_as_expected = 1;
constexpr int exit_usage = 2;

const char* usage_text =
    "usage: bftsim run SCENARIO.yaml [options]    run a scenario, print a summary, write CSV\n"
    "       bftsim check SCENARIO.yaml [--set k=v]  validate a scenario and exit\n"
    "       bftsim sweep SCENARIO.yaml --seeds A-B [--out DIR]  run many seeds, one summary row each\n"
    "\n"
    "Exit codes: 0 every run went as the scenario's `expect` says (an expected violation that\n"
    "happened counts as expected), 1 a run did not (an unexpected violation, or an expected\n"
    "violation that did not happen), 2 bad input or usage.\n";

struct Options {
  std::string command;
  std::string scenario_path;
  std::optional<std::uint64_t> seed;
  std::string out_dir;
  std::string trace_path;
  std::vector<std::string> overrides;
  std::string seeds;
  bool quiet = false;
};

// "A-B" (inclusive) or "N" (1..N).
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& text) {
  try {
    std::size_t used = 0;
    const std::size_t dash = text.find('-');
    if (dash == std::string::npos) {
      const std::uint64_t count = std::stoull(text, &used);
      if (used != text.size() || count == 0) return std::nullopt;
      return std::make_pair(std::uint64_t{1}, count);
    }
    const std::uint64_t first = std::stoull(text.substr(0, dash), &used);
    if (used != dash) return std::nullopt;
    const std::string rest = text.substr(dash + 1);
    const std::uint64_t last = std::stoull(rest, &used);
    if (used != rest.size() || last < first) return std::nullopt;
    return std::make_pair(first, last);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// `text` as one shell word: as is when it is plainly safe, else in single quotes.
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-+./:=@%,") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command that replays one run: the scenario, the seed and every --set
// (the old engine's flags included, as the --set they stand for).
std::string replay_command(const Options& options, std::uint64_t seed) {
  std::string command = fmt::format("bftsim run {} --seed {}", shell_word(options.scenario_path), seed);
  for (const auto& set : options.overrides) command += " --set " + shell_word(set);
  return command;
}

// Runs every seed of the range; one summary.csv row per seed in DIR/sweep.csv.
// The summary counts runs as expected and not, and lists the seeds not as
// expected first, each with the command that replays it.
int sweep_command(const Options& options, const bftsim::Scenario& scenario) {
  const auto range = parse_seed_range(options.seeds);
  if (!range) {
    fmt::print(stderr, "bftsim: --seeds wants A-B or N, got '{}'\n", options.seeds);
    return exit_usage;
  }
  constexpr std::size_t listed_seeds_max = 10;
  std::string rows = bftsim::summary_csv_header() + "\n";
  std::uint64_t runs = 0, events = 0;
  // Runs as expected, and the expected violations among them.
  std::uint64_t expected = 0, expected_safety_violations = 0, expected_liveness_violations = 0,
                expected_violation_runs = 0;
  // Runs not as expected, by what missed (a run may miss in two ways).
  std::uint64_t unexpected = 0, unexpected_safety_violations = 0, unexpected_liveness_violations = 0,
                missing_violations = 0;
  std::vector<std::pair<std::uint64_t, std::string>> unexpected_seeds;  // the first few, with what missed
  std::vector<std::uint64_t> expected_violation_seeds;                  // the first few
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = range->first; seed <= range->second; ++seed) {
    bftsim::Simulation simulation(scenario, bftsim::SimulationOptions{seed, nullptr});
    const bftsim::RunReport report = simulation.run();
    rows += bftsim::summary_csv_row(report) + "\n";
    ++runs;
    events += report.event_count;
    if (report.as_expected) {
      ++expected;
      if (report.safety_violation) ++expected_safety_violations;
      if (report.liveness_violation) ++expected_liveness_violations;
      if (!report.safety_violation && !report.liveness_violation) continue;
      ++expected_violation_runs;
      if (expected_violation_seeds.size() < listed_seeds_max) expected_violation_seeds.push_back(seed);
      continue;
    }
    ++unexpected;
    for (const auto& miss : bftsim::expectation_misses(report)) {
      if (miss.verdict == bftsim::Verdict::violated) {
        ++(miss.aspect == "safety" ? unexpected_safety_violations : unexpected_liveness_violations);
      } else if (miss.expected == "violated") {
        ++missing_violations;
      }
    }
    if (unexpected_seeds.size() < listed_seeds_max)
      unexpected_seeds.emplace_back(seed, bftsim::format_misses_line(report));
  }
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  fmt::print("sweep {} seeds {}-{}: {} runs: {} as expected ({} expected safety violations, {} expected liveness "
             "violations), {} not as expected ({} unexpected safety violations, {} unexpected liveness violations, "
             "{} expected violations that did not happen)\n",
             scenario.name, range->first, range->second, runs, expected, expected_safety_violations,
             expected_liveness_violations, unexpected, unexpected_safety_violations, unexpected_liveness_violations,
             missing_violations);
  for (const auto& [seed, misses] : unexpected_seeds) {
    fmt::print("  seed {} {}\n", seed, misses);
    fmt::print("    replay: {}\n", replay_command(options, seed));
  }
  if (unexpected > unexpected_seeds.size())
    fmt::print("  ... and {} more seeds not as expected\n", unexpected - unexpected_seeds.size());
  if (!expected_violation_seeds.empty()) {
    std::string list;
    for (std::uint64_t seed : expected_violation_seeds) list += fmt::format(" {}", seed);
    fmt::print("  expected violations at seeds:{}{}\n", list,
               expected_violation_runs > expected_violation_seeds.size() ? " ..." : "");
    fmt::print("  replay one: {}\n", replay_command(options, expected_violation_seeds.front()));
  }
  fmt::print(stderr, "wall clock: {:.3f} s for {} runs, {:.0f} events/s\n", wall_seconds, runs,
             wall_seconds > 0 ? static_cast<double>(events) / wall_seconds : 0.0);
  if (!options.out_dir.empty()) {
    std::filesystem::create_directories(options.out_dir);
    std::ofstream file(std::filesystem::path(options.out_dir) / "sweep.csv", std::ios::binary);
    file << rows;
    if (!file) {
      fmt::print(stderr, "bftsim: cannot write {}/sweep.csv\n", options.out_dir);
      return exit_usage;
    }
  }
  return unexpected == 0 ? exit_ok : exit_not_as_expected;
}

int run_command(const Options& options) {
  auto scenario = bftsim::load_scenario_file(options.scenario_path, options.overrides);
  if (!scenario) {
    fmt::print(stderr, "bftsim: {}\n", scenario.error().message);
    return exit_usage;
  }
  if (options.command == "sweep") return sweep_command(options, *scenario);
  if (options.command == "check") {
    fmt::print("{}: ok ({} replicas, f={}, {} faults)\n", options.scenario_path, scenario->replica_count,
               scenario->faulty_count, scenario->faults.size());
    return exit_ok;
  }
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
  bftsim::Simulation simulation(*scenario, bftsim::SimulationOptions{seed, trace});
  const bftsim::RunReport report = simulation.run();
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (trace != nullptr) std::fclose(trace);

  if (!options.quiet) fmt::print("{}", bftsim::format_summary_text(report));
  const double sim_seconds = static_cast<double>(report.end_time) / 1e9;
  const double events_per_s = wall_seconds > 0 ? static_cast<double>(report.event_count) / wall_seconds : 0;
  const double speedup = wall_seconds > 0 ? sim_seconds / wall_seconds : 0;
  fmt::print(stderr, "wall clock: {:.3f} s, {:.0f} events/s, {:.1f} simulated s per wall s\n", wall_seconds,
             events_per_s, speedup);

  if (!options.out_dir.empty()) {
    if (auto status = bftsim::write_report_csv(report, options.out_dir); !status) {
      fmt::print(stderr, "bftsim: {}\n", status.error().message);
      return exit_usage;
    }
    std::ofstream wallclock(std::filesystem::path(options.out_dir) / "wallclock.csv");
    wallclock << "scenario,seed,wall_seconds,events,events_per_wall_s,sim_seconds_per_wall_s\n"
              << fmt::format("{},{},{:.6f},{},{:.0f},{:.3f}\n", report.scenario_name, report.seed, wall_seconds,
                             report.event_count, events_per_s, speedup);
    if (!options.quiet) fmt::print("wrote {}/{{summary,commits,requests,view_changes,messages,storage,wallclock}}.csv\n",
                                   options.out_dir);
  }
  // The summary holds the verdict line; -q still names what missed, on stderr.
  if (options.quiet && !report.as_expected) fmt::print(stderr, "{}\n", bftsim::format_misses_line(report));
  if (report.safety_violation || report.liveness_violation || !report.as_expected)
    fmt::print(stderr, "reproduce: {}\n", replay_command(options, seed));
  return report.as_expected ? exit_ok : exit_not_as_expected;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description visible("Options");
  std::optional<std::uint32_t> cluster_size, max_faults, timeout_ms, demo_ops;
  std::string chain_id;
  visible.add_options()
      ("help,h", "print this help")
      ("seed", po::value<std::uint64_t>(), "run seed (default: the scenario's seed)")
      ("out", po::value<std::string>(&options.out_dir), "directory for the CSV files")
      ("set", po::value<std::vector<std::string>>(&options.overrides)->composing(),
       "override one scenario value, e.g. --set network.loss=0.2 (repeatable)")
      ("trace", po::value<std::string>(&options.trace_path), "write one JSON object per event to this file")
      ("seeds", po::value<std::string>(&options.seeds), "sweep: the seeds to run, A-B or N (= 1-N)")
      ("quiet,q", po::bool_switch(&options.quiet),
       "print only errors, the wall-clock line and, for a run not as expected, what missed and how to reproduce it");
  po::options_description legacy("Flags of the old bft-node, as shortcuts for --set");
  legacy.add_options()
      ("cluster-size", po::value<std::uint32_t>(), "same as --set replicas=N")
      ("max-faults", po::value<std::uint32_t>(), "same as --set faulty=F")
      ("timeout-ms", po::value<std::uint32_t>(), "same as --set protocol.view_timeout=<MS>ms")
      ("lossy", "same as --set network.loss=0.1 plus 1-25ms uniform latency")
      ("demo-ops", po::value<std::uint32_t>(), "same as --set clients.max_ops=N")
      ("chain-id", po::value<std::string>(&chain_id), "same as --set protocol.chain_id=ID");
  po::options_description hidden;
  hidden.add_options()
      ("command", po::value<std::string>(&options.command))
      ("scenario", po::value<std::string>(&options.scenario_path));
  po::options_description all;
  all.add(visible).add(legacy).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("scenario", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    fmt::print(stderr, "bftsim: {}\n{}", error.what(), usage_text);
    return exit_usage;
  }
  if (vm.count("help") || options.command.empty()) {
    std::cout << usage_text << "\n" << visible << "\n" << legacy;
    return vm.count("help") ? exit_ok : exit_usage;
  }
  if (options.command == "sweep" && options.seeds.empty()) {
    fmt::print(stderr, "bftsim: sweep needs --seeds A-B\n{}", usage_text);
    return exit_usage;
  }
  if (options.command != "run" && options.command != "check" && options.command != "sweep") {
    fmt::print(stderr, "bftsim: unknown command '{}'\n{}", options.command, usage_text);
    return exit_usage;
  }
  if (options.scenario_path.empty()) {
    fmt::print(stderr, "bftsim: {} needs a scenario file\n{}", options.command, usage_text);
    return exit_usage;
  }
  if (vm.count("seed")) options.seed = vm["seed"].as<std::uint64_t>();
  // The old engine's flags become overrides, applied before explicit --set ones.
  std::vector<std::string> legacy_sets;
  if (vm.count("cluster-size")) legacy_sets.push_back(fmt::format("replicas={}", vm["cluster-size"].as<std::uint32_t>()));
  if (vm.count("max-faults")) legacy_sets.push_back(fmt::format("faulty={}", vm["max-faults"].as<std::uint32_t>()));
  if (vm.count("timeout-ms"))
    legacy_sets.push_back(fmt::format("protocol.view_timeout={}ms", vm["timeout-ms"].as<std::uint32_t>()));
  if (vm.count("lossy")) {
    legacy_sets.push_back("network.loss=0.1");
    legacy_sets.push_back("network.latency={distribution: uniform, min: 1ms, max: 25ms}");
  }
  if (vm.count("demo-ops")) legacy_sets.push_back(fmt::format("clients.max_ops={}", vm["demo-ops"].as<std::uint32_t>()));
  if (vm.count("chain-id")) legacy_sets.push_back(fmt::format("protocol.chain_id={}", chain_id));
  options.overrides.insert(options.overrides.begin(), legacy_sets.begin(), legacy_sets.end());
  return run_command(options);
}
