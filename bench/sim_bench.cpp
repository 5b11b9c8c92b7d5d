// Whole-simulation benchmarks: scenarios/demo.yaml for 10 simulated seconds,
// one full Simulation per iteration, with each crypto kind and at larger n.
// Rates are per wall-clock second (UseRealTime): sim_seconds_per_wall_second
// says how much faster than real time the simulator runs. Each iteration
// replays the same seed, so every iteration does the same work.
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace bftsim {
namespace {

constexpr const char* demo_path = BFTSIM_SOURCE_DIR "/scenarios/demo.yaml";

void run_demo(benchmark::State& state, std::vector<std::string> overrides) {
  overrides.push_back("duration=10s");
  Result<Scenario> scenario = load_scenario_file(demo_path, overrides);
  if (!scenario) {
    state.SkipWithError(scenario.error().message.c_str());
    return;
  }
  double sim_seconds_total = 0;
  double event_count_total = 0;
  double committed_blocks_total = 0;
  for (auto _ : state) {
    Simulation simulation(*scenario, SimulationOptions{.seed = scenario->seed});
    RunReport report = simulation.run();
    benchmark::DoNotOptimize(report.trace_hash.data());
    if (report.safety_violation) {
      // A broken run measures the wrong thing; stop rather than report it.
      state.SkipWithError("the demo run violated safety");
      return;
    }
    sim_seconds_total += static_cast<double>(report.end_time) / 1e9;
    event_count_total += static_cast<double>(report.event_count);
    committed_blocks_total += static_cast<double>(report.decided_height);
  }
  state.counters["sim_seconds_per_wall_second"] =
      benchmark::Counter(sim_seconds_total, benchmark::Counter::kIsRate);
  state.counters["events_per_second"] = benchmark::Counter(event_count_total, benchmark::Counter::kIsRate);
  state.counters["committed_blocks"] =
      benchmark::Counter(committed_blocks_total, benchmark::Counter::kAvgIterations);
}

// n = 4, f = 1 as the file has it (ed25519), and with the simulator-only MAC.
BENCHMARK_CAPTURE(run_demo, n4_ed25519, std::vector<std::string>{"crypto=ed25519"})
    ->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(run_demo, n4_fast, std::vector<std::string>{"crypto=fast"})
    ->Unit(benchmark::kMillisecond)->Iterations(10)->UseRealTime();
BENCHMARK_CAPTURE(run_demo, n7_fast, std::vector<std::string>{"crypto=fast", "replicas=7", "faulty=2"})
    ->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK_CAPTURE(run_demo, n16_fast, std::vector<std::string>{"crypto=fast", "replicas=16", "faulty=5"})
    ->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace
}  // namespace bftsim

BENCHMARK_MAIN();
