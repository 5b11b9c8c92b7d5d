// Whole-simulation benchmarks: scenarios/demo.yaml for 10 simulated seconds,
// one full Simulation per iteration, with each crypto kind and at larger n;
// and the ceiling they are measured against: the event heap and the RNG
// alone, doing per event what the event loop cannot avoid (one pop, one push
// at a random delay, a payload the size of the simulator's event).
// Rates are per wall-clock second (UseRealTime): sim_seconds_per_wall_second
// says how much faster than real time the simulator runs. Each iteration
// replays the same seed, so every iteration does the same work.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sim/event_queue.h"
#include "sim/rng.h"
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

// The bare event loop: a heap holding `pending` events (the demo keeps a few
// dozen to a few hundred in flight), each step pops the earliest and pushes
// one 1-5 ms later, drawn from the project's RNG. events_per_second here is
// the ceiling for run_demo's.
struct BareEvent {
  std::uint64_t from_to = 0;
  std::uint64_t arg = 0;
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // as the simulator's deliveries carry
  std::uint64_t message_id = 0;
};

void event_heap_ceiling(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  Rng rng(1);
  EventQueue<BareEvent> queue(pending + 1);
  for (std::size_t i = 0; i < pending; ++i) queue.push(rng.next_u64() % 5'000'000, BareEvent{i, i, nullptr, i});
  std::uint64_t events = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      auto entry = queue.pop();
      const Instant delay = 1'000'000 + rng.next_u64() % 4'000'000;
      entry.payload.arg += 1;
      queue.push(entry.at + delay, std::move(entry.payload));
    }
    events += 1000;
  }
  benchmark::DoNotOptimize(queue.top().payload.arg);
  state.counters["events_per_second"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(event_heap_ceiling)->Arg(64)->Arg(1024)->UseRealTime();

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
