// `bftsim bisect SCENARIO --param KEY --range A..B --property liveness|safety`
// (bisect.h). A probe at value v runs every seed with `--set KEY=v` and says
// "violated" when at least one seed violates the property. Binary search
// keeps a value that holds (lo) and one that is violated (hi) and halves the
// gap until it is at most the tolerance; the threshold printed is hi: the
// smallest probed value at which some seed violates, with lo holding for all.
// Values are plain numbers with an optional unit suffix shared by both ends
// ("0..0.5", "1..64", "100ms..2000ms"); integer ranges search integers.
#include "sim/harness/bisect.h"

#include <charconv>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "sim/harness/worker_pool.h"
#include "sim/simulation.h"

namespace bftsim {
namespace {

namespace fs = std::filesystem;

constexpr unsigned default_steps = 100;  // the default tolerance is 1/100 of the range
volatile std::sig_atomic_t never_stop = 0;

struct Range {
  double low = 0, high = 0;
  std::string unit;      // written after each value: "", "ms", "s", ...
  bool integer = false;  // both ends written without a decimal point
};

std::optional<double> parse_number(std::string_view text, bool& integer) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || text.empty()) return std::nullopt;
  integer = text.find_first_of(".eE") == std::string_view::npos;
  return value;
}

// "12.5ms" -> (12.5, "ms").
std::optional<std::pair<double, std::string>> parse_value(std::string_view text, bool& integer) {
  std::size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1]))) --unit_start;
  auto number = parse_number(text.substr(0, unit_start), integer);
  if (!number) return std::nullopt;
  return std::make_pair(*number, std::string(text.substr(unit_start)));
}

std::optional<Range> parse_range(const std::string& text) {
  const std::size_t dots = text.find("..");
  if (dots == std::string::npos) return std::nullopt;
  bool low_integer = false, high_integer = false;
  auto low = parse_value(std::string_view(text).substr(0, dots), low_integer);
  auto high = parse_value(std::string_view(text).substr(dots + 2), high_integer);
  if (!low || !high || low->second != high->second || !(low->first < high->first)) return std::nullopt;
  return Range{low->first, high->first, low->second, low_integer && high_integer};
}

// A value as --set writes it: integers exactly, reals to 6 decimals (1 ppm).
std::string value_text(double value, const Range& range) {
  if (range.integer) return fmt::format("{}{}", static_cast<std::int64_t>(value), range.unit);
  std::string text = fmt::format("{:.6f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + range.unit;
}

double snap(double value, const Range& range) {
  return range.integer ? std::floor(value) : std::round(value * 1e6) / 1e6;
}

}  // namespace

int bisect_param_command(const CommandOptions& options) {
  const auto range = parse_range(options.range);
  if (options.range.empty() || !range) {
    fmt::print(stderr, "bftsim: bisect --param needs --range A..B with A < B, numbers with the same unit (0..0.5, "
                       "100ms..2000ms), got '{}'\n", options.range);
    return exit_usage;
  }
  if (options.property != "liveness" && options.property != "safety") {
    fmt::print(stderr, "bftsim: bisect --param needs --property liveness or --property safety, got '{}'\n",
               options.property);
    return exit_usage;
  }
  const bool liveness = options.property == "liveness";
  const auto seeds = parse_seed_range(options.seeds.empty() ? "1-20" : options.seeds);
  if (!seeds) {
    fmt::print(stderr, "bftsim: --seeds must be A-B or N, got '{}'\n", options.seeds);
    return exit_usage;
  }
  double tolerance = range->integer ? 1.0 : (range->high - range->low) / default_steps;
  if (!options.tolerance.empty()) {
    bool integer = false;
    auto parsed = parse_value(options.tolerance, integer);
    if (!parsed || parsed->second != range->unit || !(parsed->first > 0)) {
      fmt::print(stderr, "bftsim: --tolerance must be a number > 0 in the range's unit, got '{}'\n", options.tolerance);
      return exit_usage;
    }
    tolerance = parsed->first;
  }
  // Liveness is judged only when the scenario checks it.
  std::vector<std::string> base;
  auto probe_scenario = [&](double value) {
    std::vector<std::string> extra = base;
    extra.push_back(fmt::format("{}={}", options.param, value_text(value, *range)));
    return load_scenario_for(options, extra);
  };
  auto first = probe_scenario(range->low);
  if (!first || !probe_scenario(range->high)) return exit_usage;
  if (liveness && first->expect.liveness == LivenessExpectation::unchecked) {
    base.push_back("expect.liveness=holds");
    fmt::print("note: the scenario does not check liveness; bisect sets expect.liveness=holds\n");
  }
  const fs::path dir = options.out_dir.empty() ? fs::path(fmt::format("bisect-{}-{}", first->name, options.param))
                                               : fs::path(options.out_dir);
  std::error_code error;
  fs::create_directories(dir, error);
  std::ofstream csv(dir / "bisect.csv", std::ios::binary);
  if (error || !csv) {
    fmt::print(stderr, "bftsim: cannot write {}\n", (dir / "bisect.csv").string());
    return exit_usage;
  }
  csv << "probe,param,value,seeds,runs,violations,verdict,violating_seeds\n";
  const std::string seeds_text = fmt::format("{}-{}", seeds->first, seeds->second);
  std::vector<std::uint64_t> tasks;
  for (std::uint64_t seed = seeds->first; seed <= seeds->second; ++seed) tasks.push_back(seed);
  const unsigned jobs = options.jobs.value_or(online_cpu_count());
  int probe_count = 0;
  std::size_t run_count = 0;

  // Runs every seed at `value`; true when some seed violates the property.
  const auto probe = [&](double value) -> std::optional<bool> {
    auto scenario = probe_scenario(value);
    if (!scenario) return std::nullopt;
    std::map<std::uint64_t, bool> violated;
    bool crashed = false;
    run_worker_pool(
        jobs, tasks,
        [&](std::uint64_t seed) {
          const RunReport report = Simulation(*scenario, SimulationOptions{seed, nullptr}).run();
          return std::string(liveness ? (report.liveness_violation ? "1" : "0") : (report.safety_violation ? "1" : "0"));
        },
        [&](TaskResult result) {
          if (!result.output) {
            fmt::print(stderr, "bftsim: seed {} at {}: {}\n", result.task, value_text(value, *range), result.failure);
            crashed = true;
            return;
          }
          violated[result.task] = *result.output == "1";
        },
        [] {}, 1000, never_stop);
    if (crashed) return std::nullopt;
    std::string list;
    std::size_t violations = 0;
    for (const auto& [seed, bad] : violated)
      if (bad) {
        ++violations;
        list += fmt::format("{}{}", list.empty() ? "" : " ", seed);
      }
    ++probe_count;
    run_count += tasks.size();
    const char* verdict = violations > 0 ? "violated" : "holds";
    csv << fmt::format("{},{},{},{},{},{},{},{}\n", probe_count, options.param, value_text(value, *range), seeds_text,
                       tasks.size(), violations, verdict, list);
    csv.flush();
    fmt::print("probe {}: {}={}: {} of {} seeds violate {}{}\n", probe_count, options.param, value_text(value, *range),
               violations, tasks.size(), options.property, list.empty() ? "" : " (seeds " + list + ")");
    std::fflush(stdout);
    return violations > 0;
  };

  double low = range->low, high = range->high;
  const auto at_low = probe(low);
  if (!at_low) return exit_usage;
  if (*at_low) {
    fmt::print("bisect: {} is already violated at the low end {}={}: no threshold inside the range\n",
               options.property, options.param, value_text(low, *range));
    return exit_not_as_expected;
  }
  const auto at_high = probe(high);
  if (!at_high) return exit_usage;
  if (!*at_high) {
    fmt::print("bisect: {} holds for seeds {} at every value up to {}={}: no threshold inside the range\n",
               options.property, seeds_text, options.param, value_text(high, *range));
    return exit_not_as_expected;
  }
  while (high - low > tolerance) {
    const double middle = snap(low + (high - low) / 2, *range);
    if (middle <= low || middle >= high) break;
    const auto violated = probe(middle);
    if (!violated) return exit_usage;
    if (*violated) {
      high = middle;
    } else {
      low = middle;
    }
  }
  fmt::print("threshold: {}={} ({} violated for some of seeds {} at {}, held for all at {}; {} probes, {} runs)\n",
             options.param, value_text(high, *range), options.property, seeds_text, value_text(high, *range),
             value_text(low, *range), probe_count, run_count);
  fmt::print("wrote {}\n", (dir / "bisect.csv").string());
  return exit_ok;
}

}  // namespace bftsim
