// Runs of the Twins-grade scenario language (sim/simulation.cpp with
// sim/net/link_rules.h): view-keyed windows start and end with the highest
// view an honest replica has entered, message filters act only on their
// types and views, twin placements decide which instance hears whom, the
// leader schedule drives every replica, duration_views ends the run, and
// summary.csv counts commits per proposer. Each run is checked against its
// own trace (captured in memory) rather than against fixed numbers.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/net/link_rules.h"
#include "sim/net/network.h"
#include "sim/net/view_windows.h"
#include "sim/report/csv_writer.h"
#include "sim/report/trace_jsonl.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_view_keyed_faults_test {
namespace {

constexpr std::string_view base_yaml = R"(name: view-faults
description: Faults keyed by view and filtered by message.
seed: 4
duration: 3s
replicas: 4
faulty: 1
crypto: fast
network: {latency: {distribution: uniform, min: 1ms, max: 3ms}}
clients: {count: 1}
expect: {safety: holds, liveness: unchecked}
)";

// `extra` is appended; without a protocol section of its own it gets a 50ms
// view timeout without backoff.
Scenario load(std::string_view extra) {
  std::string text = std::string(base_yaml) + std::string(extra);
  if (extra.find("protocol:") == std::string_view::npos) text += "protocol: {view_timeout: 50ms, timeout_multiplier: 1}\n";
  auto loaded = load_scenario_string(text, "test.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

// A run with its trace lines.
struct TracedRun {
  RunReport report;
  std::vector<std::string> lines;
};

TracedRun run_traced(const Scenario& scenario) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* trace = open_memstream(&buffer, &size);
  REQUIRE(trace != nullptr);
  TracedRun out;
  {
    JsonlTraceWriter writer(trace, JsonlStyle::run);
    Simulation simulation(scenario, SimulationOptions{.seed = scenario.seed, .trace = &writer});
    out.report = simulation.run();
  }
  std::fclose(trace);
  std::string text(buffer, size);
  std::free(buffer);
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    out.lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string field(const std::string& line, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const std::size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  std::size_t start = at + needle.size();
  if (line[start] == '"') ++start;
  const std::size_t end = line.find_first_of(",\"}", start);
  return line.substr(start, end - start);
}

bool has(const std::string& line, std::string_view text) { return line.find(text) != std::string::npos; }

// When an honest replica first entered each view (the notes of the trace).
std::map<View, Instant> first_entered(const TracedRun& run) {
  std::map<View, Instant> out;
  for (const std::string& line : run.lines)
    if (has(line, "\"note\":\"view_entered_by_"))
      out.emplace(std::stoull(field(line, "view")), std::stoll(field(line, "t_ns")));
  return out;
}

TEST_CASE("view windows begin and end as the highest view grows, in fault order") {
  const std::vector<Fault> schedule{
      PartitionFault{.groups = {{0}}, .at_view = 3, .until_view = 5},
      CrashFault{.replica = 1, .at = 2 * ns_per_s},  // time-keyed: never a view transition
      CutFault{.from = 0, .to = 1, .at_view = 2},
      ClogFault{.from = 1, .to = 2, .at_view = 4, .until_view = 6},
  };
  ViewWindows windows(schedule);
  using T = ViewWindows::Transition;
  const auto list = [](const std::vector<T>& transitions) {
    std::string out;
    for (const T& t : transitions) out += std::to_string(t.fault_id) + (t.begin ? "+ " : "- ");
    return out;
  };
  CHECK(list(windows.on_view_entered(1)) == "");
  CHECK(list(windows.on_view_entered(3)) == "0+ 2+ ");  // view 2 was jumped over: the cut begins too
  CHECK(list(windows.on_view_entered(3)) == "");        // not higher: nothing
  CHECK(list(windows.on_view_entered(2)) == "");
  CHECK(list(windows.on_view_entered(7)) == "0- 3+ 3- ");  // the clog's whole window at once
  CHECK(windows.highest() == 7);
  CHECK(windows.begun(3));
  CHECK_FALSE(windows.begun(1));
}

TEST_CASE("a type-matching rule drops only the named types") {
  // Network level: a cut of timeouts only, and a partition of votes only in
  // views 2..3. Other types and views pass, and the link draws stay as
  // without the rules.
  VirtualNetwork network(NetworkConfig{}, 7, 4);
  VirtualNetwork plain(NetworkConfig{}, 7, 4);
  network.set_cut(0, CutFault{.from = 0, .to = 1, .filter = {.type_mask = 1u << 2}});  // timeout = 3
  PartitionFault votes{.groups = {{2}}, .filter = {.type_mask = 1u << 1, .views = std::make_pair(View{2}, View{3})}};
  network.set_partition(1, votes);
  const auto lost = [&](EndpointIndex from, EndpointIndex to, MessageType type, std::optional<View> view) {
    plain.route(from, to, 0);
    return network.route(from, to, 0, 0, MessageTag{type, view}).lost;
  };
  CHECK(lost(0, 1, MessageType::timeout, 5));
  CHECK_FALSE(lost(1, 0, MessageType::timeout, 5));  // the other direction
  for (MessageType type : {MessageType::proposal, MessageType::vote, MessageType::block_request})
    CHECK_FALSE(lost(0, 1, type, 5));
  CHECK(lost(2, 0, MessageType::vote, 2));
  CHECK(lost(0, 2, MessageType::vote, 3));
  CHECK_FALSE(lost(0, 2, MessageType::vote, 4));      // outside its views
  CHECK_FALSE(lost(0, 2, MessageType::vote, std::nullopt));
  CHECK_FALSE(lost(0, 2, MessageType::proposal, 2));  // not its type
  CHECK_FALSE(lost(0, 1, MessageType::vote, 2));      // same side
  CHECK(network.route(0, 3, 0).delays == plain.route(0, 3, 0).delays);

  // In a run: replica 0 cut off for timeouts only, and a replica 3 that
  // withholds its proposals, so its views time out (1, 2 and 3 still form
  // the TCs). Only timeouts are dropped (the network loses nothing else), and
  // commits go on.
  const TracedRun run = run_traced(load(R"(faults:
  - {type: partition, groups: [[0]], at: 0s, types: [timeout]}
byzantine:
  - {node: 3, behavior: withhold_proposals}
)"));
  for (std::size_t t = 0; t < message_type_count; ++t) {
    CAPTURE(message_type_name(static_cast<MessageType>(t + 1)));
    if (static_cast<MessageType>(t + 1) == MessageType::timeout) {
      CHECK(run.report.messages[t].dropped > 0);
    } else {
      CHECK(run.report.messages[t].dropped == 0);
    }
  }
  CHECK(run.report.decided_height > 5);
}

TEST_CASE("a view-keyed partition starts and ends with the highest honest view") {
  // Replica 0 is cut off from view 3 until view 6 (leaders avoid it there).
  // The fault's row starts when the first honest replica entered view 3 and
  // ends when one entered view 6, and messages were dropped only then.
  const TracedRun run = run_traced(load(R"(protocol: {leaders: [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], view_timeout: 50ms, timeout_multiplier: 1}
faults:
  - {type: partition, groups: [[0]], at_view: 3, until_view: 6}
)"));
  const std::map<View, Instant> entered = first_entered(run);
  REQUIRE(entered.count(6) == 1);
  REQUIRE(!run.report.faults.empty());
  const FaultRow& row = run.report.faults[0];
  CHECK(row.kind == "partition");
  CHECK(row.start == entered.at(3));
  REQUIRE(row.end.has_value());
  CHECK(*row.end == entered.at(6));
  CHECK(row.detail == "at_view=3 until_view=6");
  // Every dropped delivery-to-be lies inside the window: a message to or from
  // 0 is delivered outside it, and none crosses the partition inside it.
  for (const std::string& line : run.lines) {
    if (!has(line, "\"ev\":\"deliver\"")) continue;
    const Instant at = std::stoll(field(line, "t_ns"));
    const bool to_or_from_0 = field(line, "from") == "0" || field(line, "to") == "0";
    const bool between_replicas = std::stoul(field(line, "from")) < 4 && std::stoul(field(line, "to")) < 4;
    // A delivery at t was sent at t - (1..3 ms): inside the window if sent after start + 3ms and before end.
    if (to_or_from_0 && between_replicas) CHECK_FALSE((at > row.start + 3'000'000 && at < *row.end));
  }
  CHECK(run.report.safety == Verdict::holds);
}

TEST_CASE("a crash at_view happens right after the event that reached the view") {
  const TracedRun run = run_traced(load("faults:\n  - {type: crash, node: 1, at_view: 4}\n"));
  const std::map<View, Instant> entered = first_entered(run);
  REQUIRE(entered.count(4) == 1);
  CHECK(run.report.faults[0].start == entered.at(4));
  CHECK(run.report.storage[1].crashes == 1);
  // Replica 1 sends nothing after it.
  for (const std::string& line : run.lines)
    if (has(line, "\"ev\":\"deliver\"") && field(line, "from") == "1")
      CHECK(std::stoll(field(line, "t_ns")) <= entered.at(4) + 3'000'000);
}

TEST_CASE("a fault whose view is never reached leaves no row and changes nothing") {
  const Scenario plain = load("duration_views: 5\n");
  const Scenario never = load("duration_views: 5\nfaults:\n  - {type: partition, groups: [[0]], at_view: 50}\n");
  const TracedRun a = run_traced(plain);
  const TracedRun b = run_traced(never);
  CHECK(a.report.trace_hash == b.report.trace_hash);
  CHECK(b.report.faults.empty());
}

TEST_CASE("a view-keyed clog holds messages until its end view and loses none") {
  const TracedRun run = run_traced(load(R"(protocol: {leaders: [1, 2, 3, 1, 2, 3, 1, 2, 3], view_timeout: 50ms, timeout_multiplier: 1}
faults:
  - {type: clog, from: 0, to: 1, at_view: 2, until_view: 4}
)"));
  const std::map<View, Instant> entered = first_entered(run);
  REQUIRE(entered.count(4) == 1);
  std::size_t released = 0;
  for (const std::string& line : run.lines) {
    if (!has(line, "\"ev\":\"deliver\"") || field(line, "from") != "0" || field(line, "to") != "1") continue;
    const Instant at = std::stoll(field(line, "t_ns"));
    // None arrives while the clog holds (after its start plus a latency, before its end).
    CHECK_FALSE((at > entered.at(2) + 3'000'000 && at < entered.at(4)));
    if (at >= entered.at(4) && at <= entered.at(4) + 3'000'000 && has(line, "\"view\":2")) ++released;
  }
  CHECK(released > 0);  // view-2 messages held, then released at view 4
  std::uint64_t dropped = 0;
  for (const MessageCounters& counters : run.report.messages) dropped += counters.dropped;
  CHECK(dropped == 0);
}

TEST_CASE("the leader schedule drives every replica, and summary.csv counts commits per proposer") {
  // Replica 2 leads views 1..12; after that round robin. Every committed
  // block of those views is 2's, and the per-proposer column adds up.
  const TracedRun run = run_traced(load(R"(protocol: {leaders: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], view_timeout: 50ms}
duration_views: 12
)"));
  REQUIRE(run.report.decided_height >= 5);
  for (const CommitRow& row : run.report.commits)
    if (row.view <= 12) CHECK(row.proposer == 2);
  for (const std::string& line : run.lines)
    if (has(line, "\"note\":\"proposal_sent\"")) CHECK(field(line, "replica") == "2");
  CHECK(run.report.committed_blocks_by_proposer ==
        std::vector<std::uint64_t>{0, 0, run.report.decided_height, 0});
  const std::string row = summary_csv_row(run.report);
  CHECK(row.substr(row.rfind(',') + 1) == "0;0;" + std::to_string(run.report.decided_height) + ";0");
  // Without the schedule, round robin spreads them.
  const TracedRun plain = run_traced(load("duration_views: 12\n"));
  std::uint64_t sum = 0;
  for (std::uint64_t count : plain.report.committed_blocks_by_proposer) sum += count;
  CHECK(sum == plain.report.decided_height);
  CHECK(plain.report.committed_blocks_by_proposer[0] > 0);
}

TEST_CASE("duration_views ends the run in the event an honest replica entered that view") {
  const TracedRun run = run_traced(load("duration_views: 7\n"));
  const std::map<View, Instant> entered = first_entered(run);
  REQUIRE(entered.count(7) == 1);
  CHECK(entered.rbegin()->first == 7);
  CHECK(run.report.end_time == entered.at(7));
  CHECK(run.report.end_time < 3 * ns_per_s);
}

TEST_CASE("a partition that places twin instances decides which instance hears whom") {
  // View 1, led by the twin (replica 3): 3b with 0, 3a with 1 and 2 (the
  // fixed halves would pair 0 and 1 with a, 2 with b). Honest 0 hears only
  // instance b, 1 and 2 only instance a, from the first proposal on (a
  // partition at 0s is in place before the replicas start).
  Scenario scenario = load(R"(protocol: {leaders: [3, 0, 1, 2], view_timeout: 50ms, timeout_multiplier: 1}
byzantine:
  - {node: 3, behavior: twins}
faults:
  - {type: partition, groups: [[0, 3b], [1, 2, 3a]], at: 0s, views: [1, 1]}
duration_views: 4
)");
  scenario.clients.client_count = 0;
  const TracedRun run = run_traced(scenario);
  std::size_t view_1_from_twin = 0, view_1_to_twin = 0;
  for (const std::string& line : run.lines) {
    if (!has(line, "\"ev\":\"deliver\"") || field(line, "view") != "1") continue;
    const std::string from = field(line, "from"), to = field(line, "to"), inst = field(line, "inst");
    if (from == "3") {
      ++view_1_from_twin;
      CHECK((to == "0") == (inst == "1"));  // 0 hears b; 1 and 2 hear a
    }
    if (to == "3") {
      ++view_1_to_twin;
      CHECK((from == "0") == (field(line, "to_inst") == "1"));
    }
  }
  CHECK(view_1_from_twin >= 3);  // the proposal from both instances
  CHECK(view_1_to_twin >= 3);
  CHECK(run.report.safety == Verdict::holds);
}

TEST_CASE("the same scenario with the new keys gives the same run") {
  const Scenario scenario = load(R"(protocol: {leaders: [3, 3, 0, 1, 2], view_timeout: 50ms, timeout_multiplier: 1}
byzantine:
  - {node: 3, behavior: twins}
duration_views: 9
faults:
  - {type: partition, groups: [[0, 1, 3a], [2, 3b]], at: 0s, views: [1, 2]}
  - {type: partition, groups: [[0], [1, 2]], at_view: 3, until_view: 5, types: [vote, timeout]}
  - {type: clog, from: 0, to: 1, at_view: 5, until_view: 6}
  - {type: link, from: 2, to: 1, at_view: 6, loss: 0.5, types: [proposal]}
  - {type: crash, node: 1, at_view: 8}
)");
  const TracedRun a = run_traced(scenario);
  const TracedRun b = run_traced(scenario);
  CHECK(a.report.trace_hash == b.report.trace_hash);
  CHECK(a.lines == b.lines);
  CHECK(summary_csv_row(a.report) == summary_csv_row(b.report));
}

}  // namespace
}  // namespace bftsim::test_sim_net_view_keyed_faults_test
