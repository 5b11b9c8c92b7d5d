// Tests of the records a simulation reports to its TraceSink (sim/report/
// trace_event.h): a sink does not change the run, every send gets one message
// id and every delivery names a send that made that copy, and a window holds
// exactly its events. Method: library scenarios run with a recording sink and
// without one.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "sim/report/trace_window.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace test_sim_report_trace_sink_test {

using namespace bftsim;

namespace {

Scenario load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  const auto path = std::filesystem::path(BFTSIM_SOURCE_DIR) / "scenarios" / name;
  auto scenario = load_scenario_file(path.string(), overrides);
  if (!scenario) FAIL(scenario.error().message);
  return *scenario;
}

class Recorder final : public TraceSink {
 public:
  void record(const TraceEvent& event) override { events.push_back(event); }
  std::vector<TraceEvent> events;
};

}  // namespace

TEST_CASE("a trace sink sees every send and delivery and does not change the run") {
  for (const char* name : {"lossy.yaml", "byz-n4-twins.yaml", "crash-restart.yaml"}) {
    CAPTURE(name);
    const Scenario scenario = load(name, {"crypto=fast", "duration=2s"});
    const RunReport plain = Simulation(scenario, SimulationOptions{.seed = 3}).run();
    Recorder recorder;
    const RunReport traced = Simulation(scenario, SimulationOptions{.seed = 3, .trace = &recorder}).run();
    CHECK(plain.trace_hash == traced.trace_hash);
    CHECK(plain.event_count == traced.event_count);

    std::uint64_t sent = 0;
    std::uint64_t delivered_or_dropped_on_arrival = 0;
    for (const MessageCounters& counters : traced.messages) sent += counters.sent;
    std::map<std::uint64_t, std::uint32_t> copies;  // message id -> copies the network made
    std::set<std::pair<std::uint64_t, std::uint32_t>> arrived;
    std::uint64_t step = 0;
    std::uint64_t sends = 0;
    bool ordered = true;
    for (const TraceEvent& event : recorder.events) {
      if (const auto* record = std::get_if<EventRecord>(&event.detail)) {
        ordered = ordered && event.index == step + 1;
        step = event.index;
        if (record->kind != EventKind::deliver) continue;
        ++delivered_or_dropped_on_arrival;
        const auto it = copies.find(record->message_id);
        REQUIRE(it != copies.end());  // its send came before
        CHECK(record->copy < it->second);
        CHECK(arrived.insert({record->message_id, record->copy}).second);  // each copy arrives once
        CHECK_FALSE(record->label.empty());
      } else if (const auto* send = std::get_if<SendRecord>(&event.detail)) {
        ordered = ordered && event.index == step;
        ++sends;
        CHECK(send->message_id == sends);  // ids count sends from 1
        copies.emplace(send->message_id, send->copies);
      } else {
        ordered = ordered && event.index == step;
      }
    }
    CHECK(ordered);  // steps count from 1; what happens in a step carries its index
    CHECK(step == traced.event_count);
    CHECK(sends == sent);
    std::uint64_t delivered = 0;
    for (const MessageCounters& counters : traced.messages) delivered += counters.delivered + counters.malformed;
    CHECK(delivered <= delivered_or_dropped_on_arrival);  // the rest reached a crashed replica
  }
}

TEST_CASE("a window collector keeps exactly the events of its window") {
  const Scenario scenario = load("leader-crash.yaml", {"crypto=fast", "duration=2s"});
  TraceWindowCollector collector(100, 150, scenario.replica_count, scenario.clients.client_count);
  Simulation(scenario, SimulationOptions{.seed = 1, .trace = &collector}).run();
  const TraceWindow& window = collector.window();
  REQUIRE_FALSE(window.events.empty());
  CHECK(window.events.front().index == 100);
  CHECK(window.events.back().index == 150);
  std::set<std::uint64_t> steps;
  for (const TraceEvent& event : window.events) steps.insert(event.index);
  CHECK(steps.size() == 51);
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r) CHECK(window.views_at_start[r].has_value());
}

}  // namespace test_sim_report_trace_sink_test
