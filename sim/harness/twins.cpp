// `bftsim twins` (twins.h). The parent lists the scenarios (every canonical
// one, or a sample), hands them out in batches to forked workers, and keeps
// the rows by scenario id, so twins.csv is in id order whatever --jobs is.
#include "sim/harness/twins.h"

#include <sys/resource.h>

#include <algorithm>
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
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"
#include "sim/units.h"

namespace bftsim {

const char* const twins_template_yaml = R"(name: twins
description: a Twins scenario
duration: 1s
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 10ms, timeout_multiplier: 1}
network: {latency: {distribution: constant, value: 1ms}}
clients: {count: 0}
storage: {engine: memory}
expect: {safety: holds, liveness: unchecked}
)";

namespace {

volatile std::sig_atomic_t twins_interrupted = 0;
extern "C" void on_twins_interrupt(int) { twins_interrupted = 1; }

constexpr char twins_field_separator = '\x1f';
constexpr std::size_t listed_violations_max = 10;

std::string u128_text(unsigned __int128 value) {
  if (value == 0) return "0";
  std::string digits;
  for (; value > 0; value /= 10) digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
  return digits;
}

double cpu_seconds() {
  double total = 0;
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    getrusage(who, &usage);
    total += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  return total;
}

// twins.csv's row for one run.
std::string csv_row(std::uint64_t id, const TwinsSpace& space, const std::vector<ChoiceCode>& views,
                    const RunReport& report) {
  const Violation* violation = report.safety_violation ? &*report.safety_violation : nullptr;
  return fmt::format("{},{},{},{},{},{},{},{},{}.{:09},{},{}", id, leaders_text(space, views),
                     partitions_text(space, views), violation ? "violated" : "holds", violation ? violation->check : "",
                     violation ? fmt::format("{}", violation->event_index) : "", report.decided_height,
                     committed_by_proposer_cell(report), report.end_time / ns_per_s,
                     report.end_time % ns_per_s, report.event_count, report.trace_hash);
}

const char* const csv_header =
    "id,leaders,partitions,safety,check,violation_event,committed_blocks,committed_blocks_by_proposer,sim_seconds,"
    "events,trace_hash";

}  // namespace

Result<Scenario> twins_template(const std::vector<std::string>& overrides, std::uint32_t view_count,
                                std::uint32_t twin_count) {
  auto scenario = load_scenario_string(twins_template_yaml, "twins template", overrides);
  if (!scenario) return scenario;
  // Each view lasts at most a view timeout and a few message delays; twice
  // that per view bounds a run whose views stall.
  scenario->duration = static_cast<Duration>(view_count + 2) * 2 * scenario->protocol.view_timeout;
  scenario->duration_views = view_count + 1;
  scenario->faults.clear();
  scenario->random_faults = {};
  scenario->byzantine.clear();
  for (std::uint32_t j = 0; j < twin_count && j < scenario->replica_count; ++j)
    scenario->byzantine.push_back(ByzantineSpec{scenario->replica_count - twin_count + j, {ByzantineBehavior::twins}});
  scenario->allow_more_faulty = twin_count > scenario->faulty_count;
  return scenario;
}

Scenario twins_scenario(const Scenario& base, const TwinsSpace& space, const std::vector<ChoiceCode>& views,
                        std::uint64_t id) {
  Scenario scenario = base;
  scenario.name = fmt::format("twins-{}", id);
  scenario.description = fmt::format("Twins scenario {}: leaders {}; partitions {}", id, leaders_text(space, views),
                                     partitions_text(space, views));
  scenario.protocol.leaders.clear();
  scenario.faults.clear();
  for (std::size_t v = 0; v < views.size(); ++v) {
    scenario.protocol.leaders.push_back(space.leader(views[v]));
    scenario.faults.emplace_back(space.partition_fault(views[v], v + 1));
  }
  return scenario;
}

int twins_command(const CommandOptions& options) {
  if (options.twins_views < 1 || options.twins_views > 64) {
    fmt::print(stderr, "bftsim: twins needs --views R with 1 <= R <= 64\n");
    return exit_usage;
  }
  if (options.max_scenarios < 1) {
    fmt::print(stderr, "bftsim: --max-scenarios must be at least 1\n");
    return exit_usage;
  }
  if (options.order != "auto" && options.order != "enumerate" && options.order != "sample") {
    fmt::print(stderr, "bftsim: --order must be auto, enumerate or sample, got '{}'\n", options.order);
    return exit_usage;
  }
  if (options.quorum != "required" && options.quorum != "any") {
    fmt::print(stderr, "bftsim: --quorum must be required or any, got '{}'\n", options.quorum);
    return exit_usage;
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
  const std::uint32_t view_count = options.twins_views;
  auto base = twins_template(options.overrides, view_count, options.twin_count);
  if (!base) {
    fmt::print(stderr, "bftsim: {}\n", base.error().message);
    return exit_usage;
  }
  auto space = TwinsSpace::create(TwinsSpaceConfig{.replica_count = base->replica_count,
                                                   .faulty_count = base->faulty_count,
                                                   .twin_count = options.twin_count,
                                                   .group_count_max = options.twins_partitions,
                                                   .quorum_group_required = options.quorum == "required"});
  if (!space) {
    fmt::print(stderr, "bftsim: {}\n", space.error().message);
    return exit_usage;
  }

  // The scenarios, numbered over the whole (unsharded) list.
  const std::optional<unsigned __int128> total = space->canonical_count(view_count);
  const bool enumerate = options.order == "enumerate" ||
                         (options.order == "auto" && total && *total <= options.max_scenarios);
  const std::uint64_t seed = options.seed.value_or(1);
  std::vector<std::vector<ChoiceCode>> list;
  if (enumerate) {
    list = space->enumerate(view_count, options.max_scenarios);
  } else {
    for (std::uint64_t k = 0; k < options.max_scenarios; ++k)
      if (k % shard.count == shard.index - 1) list.push_back(space->sample(view_count, seed, k));
  }
  std::vector<std::uint64_t> ids;  // scenario id of each entry of `runs`
  std::vector<const std::vector<ChoiceCode>*> runs;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::uint64_t id = enumerate ? k : shard.index - 1 + k * shard.count;
    if (enumerate && k % shard.count != shard.index - 1) continue;
    ids.push_back(id);
    runs.push_back(&list[k]);
  }
  const std::string space_text = total ? u128_text(*total) : std::string("more than 2^128");
  fmt::print("twins n={} f={} twins={} views={} groups<={} quorum group {}: {} choices per view, {} canonical "
             "scenarios; running {} ({}{})\n",
             base->replica_count, base->faulty_count, options.twin_count, view_count, options.twins_partitions,
             options.quorum,
             space->choice_count(), space_text, runs.size(),
             enumerate ? "enumerated in order" : fmt::format("a sample, seed {}", seed),
             shard.count > 1 ? fmt::format(", shard {}/{}", shard.index, shard.count) : "");
  std::fflush(stdout);

  const std::filesystem::path out_dir = options.out_dir;
  if (!options.out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(out_dir / "violations", error);
    if (error) {
      fmt::print(stderr, "bftsim: cannot create {}: {}\n", (out_dir / "violations").string(), error.message());
      return exit_usage;
    }
  }
  const unsigned jobs = options.jobs.value_or(online_cpu_count());
  // Batches amortize the pipe round trip per task; small enough to spread.
  const std::size_t batch_size = std::clamp<std::size_t>(runs.size() / (std::size_t{jobs} * 16), 1, 256);
  std::vector<std::uint64_t> tasks;
  for (std::size_t first = 0; first < runs.size(); first += batch_size) tasks.push_back(first / batch_size);

  const auto work = [&](std::uint64_t task) {
    std::string out;
    const std::size_t first = task * batch_size;
    for (std::size_t i = first; i < std::min(runs.size(), first + batch_size); ++i) {
      const Scenario scenario = twins_scenario(*base, *space, *runs[i], ids[i]);
      Simulation simulation(scenario, SimulationOptions{scenario.seed, nullptr});
      const RunReport report = simulation.run();
      const bool violated = report.safety_violation.has_value();
      if (violated && !out_dir.empty()) {
        const std::string comment = fmt::format(
            "Found by bftsim twins --views {} (scenario {}): safety is expected to hold, and this run\n"
            "violates {} at event {}. Reproduce: bftsim run <this file>",
            view_count, ids[i], report.safety_violation->check, report.safety_violation->event_index);
        std::ofstream file(out_dir / "violations" / fmt::format("twins-{}.yaml", ids[i]));
        file << scenario_to_yaml(scenario, comment);
      }
      out += fmt::format("{}{}{}{}{}\n", violated ? 1 : 0, twins_field_separator,
                         violated ? report.safety_violation->check : "", twins_field_separator,
                         csv_row(ids[i], *space, *runs[i], report));
    }
    return out;
  };

  std::map<std::uint64_t, std::string> rows;  // by scenario id
  std::map<std::uint64_t, std::string> violations;  // id -> check
  std::uint64_t done = 0, crashed = 0;
  ProgressLine progress(fmt::format("twins views={}", view_count), runs.size(), options.progress && !options.quiet);
  const auto collect = [&](TaskResult result) {
    if (!result.output) {
      ++crashed;
      fmt::print(stderr, "twins: the worker running batch {} died ({})\n", result.task, result.failure);
      return;
    }
    std::size_t start = 0;
    while (start < result.output->size()) {
      const std::size_t end = result.output->find('\n', start);
      const std::string line = result.output->substr(start, end - start);
      start = end + 1;
      const std::size_t first = line.find(twins_field_separator);
      const std::size_t second = line.find(twins_field_separator, first + 1);
      const std::string row = line.substr(second + 1);
      const std::uint64_t id = std::stoull(row);
      rows[id] = row;
      if (line[0] == '1') violations[id] = line.substr(first + 1, second - first - 1);
      ++done;
    }
  };

  twins_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_twins_interrupt;
  action.sa_flags = SA_RESETHAND;
  struct sigaction previous {};
  sigaction(SIGINT, &action, &previous);
  const double cpu_start = cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  const PoolOutcome pool = run_worker_pool(
      jobs, tasks, work, collect, [&] { progress.update(done, violations.size()); }, 200, twins_interrupted);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu = cpu_seconds() - cpu_start;
  sigaction(SIGINT, &previous, nullptr);
  progress.finish();

  fmt::print("{} scenarios: {} safe, {} violated safety{}\n", done, done - violations.size(), violations.size(),
             crashed > 0 ? fmt::format(", {} batches crashed", crashed) : "");
  std::size_t listed = 0;
  for (const auto& [id, check] : violations) {
    if (listed++ >= listed_violations_max) break;
    fmt::print("  scenario {} violates {}: {}\n", id, check,
               out_dir.empty() ? rows[id] : fmt::format("bftsim run {}", (out_dir / "violations" / fmt::format("twins-{}.yaml", id)).string()));
  }
  if (violations.size() > listed_violations_max)
    fmt::print("  ... and {} more\n", violations.size() - listed_violations_max);
  fmt::print(stderr, "wall clock: {:.3f} s for {} scenarios ({} jobs), {:.0f} scenarios/s; cpu {:.3f} s, {:.3f} ms per scenario\n",
             wall, done, std::min<std::size_t>(jobs, std::max<std::size_t>(tasks.size(), 1)),
             wall > 0 ? static_cast<double>(done) / wall : 0.0, cpu,
             done > 0 ? 1000.0 * cpu / static_cast<double>(done) : 0.0);
  if (!options.out_dir.empty()) {
    std::ofstream file(out_dir / "twins.csv", std::ios::binary);
    file << csv_header << "\n";
    for (const auto& [id, row] : rows) file << row << "\n";
    if (!file) {
      fmt::print(stderr, "bftsim: cannot write {}/twins.csv\n", options.out_dir);
      return exit_usage;
    }
  }
  if (pool.interrupted) {
    fmt::print(stderr, "interrupted: {} of {} scenarios finished\n", done, runs.size());
    return exit_interrupted;
  }
  return violations.empty() && crashed == 0 ? exit_ok : exit_not_as_expected;
}

}  // namespace bftsim
