// Whole-simulation benchmarks: scenarios/demo.yaml for 10 simulated seconds,
// one full Simulation per iteration, with each crypto kind and at larger n;
// and the ceiling they are measured against: the event heap and the RNG
// alone, doing per event what the event loop cannot avoid (one pop, one push
// at a random delay, a payload the size of the simulator's event).
// Rates are per wall-clock second (UseRealTime): sim_seconds_per_wall_second
// says how much faster than real time the simulator runs; except
// demo_fraction_of_ceiling, which reports the demo's rate as a fraction of the
// bare loop's, both in CPU seconds of this process. Each iteration
// replays the same seed, so every iteration does the same work.
#include <cstdint>
#include <ctime>
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

class BareLoop {
 public:
  explicit BareLoop(std::size_t pending) : queue_(pending + 1) {
    for (std::size_t i = 0; i < pending; ++i) queue_.push(rng_.next_u64() % 5'000'000, BareEvent{i, i, nullptr, i});
  }
  void step(int count) {
    for (int i = 0; i < count; ++i) {
      auto entry = queue_.pop();
      const Instant delay = 1'000'000 + rng_.next_u64() % 4'000'000;
      entry.payload.arg += 1;
      queue_.push(entry.at + delay, std::move(entry.payload));
    }
    benchmark::DoNotOptimize(queue_.top().payload.arg);
  }

 private:
  Rng rng_{1};
  EventQueue<BareEvent> queue_;
};

void event_heap_ceiling(benchmark::State& state) {
  BareLoop loop(static_cast<std::size_t>(state.range(0)));
  std::uint64_t events = 0;
  for (auto _ : state) {
    loop.step(1000);
    events += 1000;
  }
  state.counters["events_per_second"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(event_heap_ceiling)->Arg(64)->Arg(1024)->UseRealTime();

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Issue 12's figure: the n = 4 fast-crypto demo's events per CPU second as a
// fraction of the bare loop's (64 pending events), both timed in this
// process, one after the other, in each iteration; CPU time, so that load
// from other processes on the machine counts less than wall time would.
void demo_fraction_of_ceiling(benchmark::State& state) {
  Result<Scenario> scenario = load_scenario_file(demo_path, {"crypto=fast", "duration=10s"});
  if (!scenario) {
    state.SkipWithError(scenario.error().message.c_str());
    return;
  }
  BareLoop loop(64);
  double demo_events = 0, demo_cpu = 0, bare_events = 0, bare_cpu = 0;
  for (auto _ : state) {
    double start = cpu_seconds();
    Simulation simulation(*scenario, SimulationOptions{.seed = scenario->seed});
    RunReport report = simulation.run();
    demo_cpu += cpu_seconds() - start;
    demo_events += static_cast<double>(report.event_count);
    start = cpu_seconds();
    loop.step(2'000'000);
    bare_cpu += cpu_seconds() - start;
    bare_events += 2'000'000;
  }
  state.counters["demo_events_per_cpu_second"] = demo_events / demo_cpu;
  state.counters["ceiling_events_per_cpu_second"] = bare_events / bare_cpu;
  state.counters["fraction_of_ceiling"] = (demo_events / demo_cpu) / (bare_events / bare_cpu);
}
BENCHMARK(demo_fraction_of_ceiling)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// Short runs (issue 12's twins-style figure): the n = 4 fast demo for 20
// simulated ms, about 200 events, one whole Simulation (keys, replicas,
// stores, streams) per iteration; and the setup alone, built and not run.
void short_run(benchmark::State& state, bool run) {
  Result<Scenario> scenario = load_scenario_file(demo_path, {"crypto=fast", "duration=20ms"});
  if (!scenario) {
    state.SkipWithError(scenario.error().message.c_str());
    return;
  }
  double events = 0;
  for (auto _ : state) {
    Simulation simulation(*scenario, SimulationOptions{.seed = scenario->seed});
    if (run) events += static_cast<double>(simulation.run().event_count);
    benchmark::ClobberMemory();
  }
  state.counters["runs_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (run) state.counters["events_per_run"] = benchmark::Counter(events, benchmark::Counter::kAvgIterations);
}
BENCHMARK_CAPTURE(short_run, n4_fast_20ms, true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(short_run, setup_only, false)->Unit(benchmark::kMicrosecond);

// Issue 7's figure: what persistence costs the simulator. The n = 4 demo
// with storage.engine lsm (every replica's state in an LSM on its simulated
// disk) and memory (the safety state only, the simulator before the storage
// core), alternating in each iteration, in CPU time. Without crashes both run
// the same protocol (tests/sim/storage_engine_test.cpp), so the ratio is the
// storage code's cost alone. Goal: lsm_over_memory at most 1.20.
void storage_overhead(benchmark::State& state, const char* crypto) {
  const std::string crypto_override = std::string("crypto=") + crypto;
  Result<Scenario> lsm = load_scenario_file(demo_path, {crypto_override, "storage.engine=lsm"});
  Result<Scenario> memory = load_scenario_file(demo_path, {crypto_override, "storage.engine=memory"});
  if (!lsm || !memory) {
    state.SkipWithError("the demo did not load");
    return;
  }
  double lsm_cpu = 0, memory_cpu = 0;
  for (auto _ : state) {
    for (const Scenario* scenario : {&*memory, &*lsm}) {
      const double start = cpu_seconds();
      Simulation simulation(*scenario, SimulationOptions{.seed = scenario->seed});
      benchmark::DoNotOptimize(simulation.run().event_count);
      (scenario == &*lsm ? lsm_cpu : memory_cpu) += cpu_seconds() - start;
    }
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["lsm_cpu_ms"] = 1e3 * lsm_cpu / runs;
  state.counters["memory_cpu_ms"] = 1e3 * memory_cpu / runs;
  state.counters["lsm_over_memory"] = lsm_cpu / memory_cpu;
}
BENCHMARK_CAPTURE(storage_overhead, fast, "fast")->Unit(benchmark::kMillisecond)->Iterations(12)->UseRealTime();
BENCHMARK_CAPTURE(storage_overhead, ed25519, "ed25519")->Unit(benchmark::kMillisecond)->Iterations(4)->UseRealTime();

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
