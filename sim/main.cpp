// The bftsim command line: parses the options and hands them to a
// subcommand in sim/harness/ (run, check, sweep, bisect, replay, twins). Exit
// codes: 0 every run went as the scenario's `expect` says (an expected violation that
// happened counts), 1 a run did not (an unexpected violation, one of another
// check than expect.check names, or an expected violation that did not
// happen), 2 bad input or usage, 130 a sweep stopped by
// Ctrl-C. bisect: 0 it did what was asked (shrank the violation, found the
// threshold), 1 there was nothing to find (no violation at that seed, no flip
// inside the range), 2 bad input. replay: 0 once its trace is written. twins: 0
// no scenario violated safety, 1 some did, 2 bad input.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/harness/bisect.h"
#include "sim/harness/command_line.h"
#include "sim/harness/replay.h"
#include "sim/harness/run.h"
#include "sim/harness/sweep.h"
#include "sim/harness/twins.h"

namespace po = boost::program_options;
using namespace bftsim;

namespace {

const char* usage_text =
    "usage: bftsim run SCENARIO.yaml [options]    run a scenario, print a summary, write CSV\n"
    "       bftsim check SCENARIO.yaml [--set k=v]  validate a scenario and exit\n"
    "       bftsim sweep SCENARIO.yaml --seeds A-B [--jobs N] [--grid k=v1,v2,...] [--shard K/M] [--out DIR]\n"
    "                                             run many seeds (and grid points), one summary row each\n"
    "       bftsim bisect SCENARIO.yaml [--seed S] [--out DIR]\n"
    "                                             shrink a violating run to DIR/minimal.yaml, explain it in\n"
    "                                             DIR/violation.txt, trace it in DIR/minimal.trace.jsonl\n"
    "                                             (default DIR: bisect-NAME-seed-S)\n"
    "       bftsim bisect SCENARIO.yaml --param KEY --range A..B --property liveness|safety [--seeds 1-20]\n"
    "                     [--tolerance X] [--jobs N] [--out DIR]\n"
    "                                             binary search for the smallest KEY value at which some\n"
    "                                             seed violates the property; one DIR/bisect.csv row per probe\n"
    "                                             (default DIR: bisect-NAME-KEY)\n"
    "       bftsim replay SCENARIO.yaml [--seed S] [--around EVENT] [--window N]\n"
    "                     [--format text|jsonl|perfetto|mermaid] [--out FILE]\n"
    "                                             rerun one seed, write the events around one (default: the\n"
    "                                             violation's, else the first) as text, JSON lines, a Perfetto\n"
    "                                             trace (ui.perfetto.dev) or a Mermaid sequence diagram\n"
    "       bftsim twins --views R [--partitions P] [--twins T] [--quorum required|any] [--max-scenarios N]\n"
    "                    [--order auto|enumerate|sample] [--seed S] [--jobs N] [--shard K/M] [--out DIR] [--set k=v]\n"
    "                                             Twins: every leader and partition of n replicas plus a\n"
    "                                             twin's second instance for R views, up to symmetry; one\n"
    "                                             DIR/twins.csv row per scenario, violations as runnable\n"
    "                                             DIR/violations/twins-ID.yaml\n"
    "\n"
    "Exit codes: 0 every run went as the scenario's `expect` says (an expected violation that\n"
    "happened counts as expected), 1 a run did not (an unexpected violation, a violation of\n"
    "another check than expect.check names, or an expected violation that did not happen),\n"
    "2 bad input or usage, 130 a sweep interrupted by Ctrl-C\n"
    "(the rows it finished are written). bisect exits 0 when it did what was asked (shrank the\n"
    "violation; found a threshold inside the range), 1 when there was nothing to find (the run\n"
    "at that seed violates no check; the property holds at the top of the range or is already\n"
    "violated at the bottom), 2 for bad input. replay exits 0 once its trace is written. twins\n"
    "exits 0 when no scenario violated safety, 1 when some did, 2 for bad input.\n"
    "\n"
    "Testing aids in scenario files: protocol.leaders (a leader per view), faults keyed by view\n"
    "(at_view, until_view), filtered by message (types, views), twin instances in partitions (3a, 3b),\n"
    "duration_views; see docs/scenario_schema.md.\n";

}  // namespace

int main(int argc, char** argv) {
  CommandOptions options;
  po::options_description visible("Options");
  std::optional<std::uint32_t> cluster_size, max_faults, timeout_ms, demo_ops;
  std::string chain_id;
  visible.add_options()
      ("help,h", "print this help")
      ("seed", po::value<std::uint64_t>(), "run seed (default: the scenario's seed)")
      ("out", po::value<std::string>(&options.out_dir),
       "run, sweep: directory for the CSV files; bisect: for its files; replay: the trace file (default: stdout)")
      ("set", po::value<std::vector<std::string>>(&options.overrides)->composing(),
       "override one scenario value, e.g. --set network.loss=0.2 (repeatable)")
      ("trace", po::value<std::string>(&options.trace_path), "write one JSON object per event to this file")
      ("seeds", po::value<std::string>(&options.seeds),
       "sweep, bisect --param: the seeds to run, A-B or N (= 1-N); bisect's default is 1-20")
      ("jobs,j", po::value<unsigned>(), "sweep, bisect --param: worker processes (default: one per online CPU)")
      ("grid", po::value<std::vector<std::string>>(&options.grid)->composing(),
       "sweep: one axis of a grid, key.path=v1,v2,... (repeatable; every combination runs for every seed; "
       "sweep.csv gets one column per axis)")
      ("shard", po::value<std::string>(&options.shard),
       "sweep: run only every M-th run from the K-th (K/M, 1 <= K <= M), to spread one sweep over machines")
      ("no-progress", "sweep: no progress line on stderr")
      ("param", po::value<std::string>(&options.param), "bisect: the scenario value to search, e.g. network.loss")
      ("range", po::value<std::string>(&options.range), "bisect --param: the values to search, A..B (0..0.5, 100ms..2000ms)")
      ("property", po::value<std::string>(&options.property), "bisect --param: liveness or safety")
      ("tolerance", po::value<std::string>(&options.tolerance),
       "bisect --param: stop when the gap is at most this (default: 1/100 of the range, 1 for integers)")
      ("around", po::value<std::string>(),
       "replay: the event index to centre on (default: the violation's event, else 1)")
      ("window", po::value<std::string>(),
       "replay: events each side of --around (default 200; the window holds 2N+1 events)")
      ("format", po::value<std::string>(&options.trace_format),
       "replay: text (default), jsonl, perfetto (Chrome trace-event JSON) or mermaid")
      ("views", po::value<std::uint32_t>(&options.twins_views), "twins: the views R each scenario chooses")
      ("partitions", po::value<std::uint32_t>(&options.twins_partitions),
       "twins: groups per view at most, 1..3 (default 2)")
      ("twins", po::value<std::uint32_t>(&options.twin_count),
       "twins: twin pairs, the last replicas, 1 or 2 (default 1; 2 is past f for n < 7, to see violations)")
      ("quorum", po::value<std::string>(&options.quorum),
       "twins: required (default: each view has a group with a quorum of distinct replicas) or any")
      ("max-scenarios", po::value<std::uint64_t>(&options.max_scenarios),
       "twins: run at most this many scenarios (default 10000)")
      ("order", po::value<std::string>(&options.order),
       "twins: enumerate (the first canonical scenarios in order), sample (drawn from --seed), or auto "
       "(default: enumerate when all fit in --max-scenarios)")
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
  if (options.command == "twins") {
    if (!options.scenario_path.empty()) {
      fmt::print(stderr, "bftsim: twins takes no scenario file (it builds its own; --set edits the template)\n");
      return exit_usage;
    }
    if (vm.count("seed")) options.seed = vm["seed"].as<std::uint64_t>();
    if (vm.count("jobs")) {
      options.jobs = vm["jobs"].as<unsigned>();
      if (*options.jobs == 0) {
        fmt::print(stderr, "bftsim: --jobs must be at least 1\n");
        return exit_usage;
      }
    }
    if (vm.count("no-progress")) options.progress = false;
    if (!options.grid.empty() || !options.seeds.empty() || !options.trace_path.empty() || !options.param.empty() ||
        !options.range.empty() || !options.property.empty() || !options.tolerance.empty() || vm.count("around") ||
        vm.count("window") || vm.count("format")) {
      fmt::print(stderr, "bftsim: twins takes --views, --partitions, --twins, --quorum, --max-scenarios, --order, "
                         "--seed, --jobs, --shard, --out, --set and --no-progress\n");
      return exit_usage;
    }
    if (!vm.count("views")) {
      fmt::print(stderr, "bftsim: twins needs --views R\n{}", usage_text);
      return exit_usage;
    }
    return twins_command(options);
  }
  const bool twins_flag = vm.count("views") || vm.count("partitions") || vm.count("quorum") ||
                          vm.count("max-scenarios") || vm.count("order") || vm.count("twins");
  if (twins_flag) {
    fmt::print(stderr, "bftsim: --views, --partitions, --twins, --quorum, --max-scenarios and --order are for twins\n");
    return exit_usage;
  }
  if (options.command == "sweep" && options.seeds.empty()) {
    fmt::print(stderr, "bftsim: sweep needs --seeds A-B\n{}", usage_text);
    return exit_usage;
  }
  if (options.command != "run" && options.command != "check" && options.command != "sweep" &&
      options.command != "bisect" && options.command != "replay") {
    fmt::print(stderr, "bftsim: unknown command '{}'\n{}", options.command, usage_text);
    return exit_usage;
  }
  if (options.scenario_path.empty()) {
    fmt::print(stderr, "bftsim: {} needs a scenario file\n{}", options.command, usage_text);
    return exit_usage;
  }
  if (vm.count("seed")) options.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("jobs")) {
    options.jobs = vm["jobs"].as<unsigned>();
    if (*options.jobs == 0) {
      fmt::print(stderr, "bftsim: --jobs must be at least 1\n");
      return exit_usage;
    }
  }
  if (vm.count("no-progress")) options.progress = false;
  // Counts are read by hand: Boost reads "-3" as a huge unsigned number.
  for (const char* name : {"around", "window"}) {
    if (!vm.count(name)) continue;
    const auto count = parse_count(vm[name].as<std::string>());
    if (!count) {
      fmt::print(stderr, "bftsim: --{} takes a whole number, not '{}'\n", name, vm[name].as<std::string>());
      return exit_usage;
    }
    if (std::string(name) == "around") {
      options.around = *count;
    } else {
      options.window = *count;
    }
  }
  if (options.command != "replay" && (vm.count("around") || vm.count("window") || vm.count("format"))) {
    fmt::print(stderr, "bftsim: --around, --window and --format are for replay\n");
    return exit_usage;
  }
  if (options.command == "replay" && !options.trace_path.empty()) {
    fmt::print(stderr, "bftsim: replay writes its trace to --out FILE (--trace is for run)\n");
    return exit_usage;
  }
  if (options.command != "sweep" && (!options.grid.empty() || !options.shard.empty())) {
    fmt::print(stderr, "bftsim: --grid and --shard are for sweep\n");
    return exit_usage;
  }
  if (options.command != "sweep" && options.command != "bisect" && options.jobs) {
    fmt::print(stderr, "bftsim: --jobs is for sweep and bisect --param\n");
    return exit_usage;
  }
  if (options.command != "bisect" &&
      (!options.param.empty() || !options.range.empty() || !options.property.empty() || !options.tolerance.empty())) {
    fmt::print(stderr, "bftsim: --param, --range, --property and --tolerance are for bisect\n");
    return exit_usage;
  }
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
  if (options.command == "sweep") return sweep_command(options);
  if (options.command == "bisect") return bisect_command(options);
  if (options.command == "check") return check_command(options);
  if (options.command == "replay") return replay_trace_command(options);
  return run_command(options);
}
