// Tests for the trace writers (sim/report/trace_*.h) on hand-made windows:
// the `run` JSON lines keep their bytes, the `replay` style adds message ids,
// Perfetto flows pair a send's slice with its delivery's slice and slices
// nest, the Mermaid diagram draws arrows and notes, and the window collector
// keeps only its events but knows the views before it. The JSON structure of
// real runs is checked in tests/replay_test.sh with python's json module.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/report/trace_event.h"
#include "sim/report/trace_jsonl.h"
#include "sim/report/trace_mermaid.h"
#include "sim/report/trace_perfetto.h"
#include "sim/report/trace_text.h"
#include "sim/report/trace_window.h"

namespace test_sim_report_trace_writers_test {

using namespace bftsim;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Two replicas and one client. Event 1: R0 gets a client request and sends
// a vote to R1 (message 7) and another to R1 that the network drops
// (message 8); event 2, 3 us later: R1 gets message 7, enters view 2 and
// commits; event 3: a stale timer at R0.
TraceWindow small_window() {
  TraceWindow w;
  w.first_index = 1;
  w.last_index = 3;
  w.replica_count = 2;
  w.client_count = 1;
  w.views_at_start = {View{1}, View{1}};
  w.title = "unit";
  EventRecord request{.kind = EventKind::deliver, .from = 2, .to = 0, .arg = 6, .size_bytes = 40};
  request.message_id = 3;
  request.label = "client_request 1#1";
  w.events.push_back({1, 1'000, request});
  w.events.push_back({1, 1'000, SendRecord{0, 1, MessageType::vote, 7, 100, 1, 0, "vote v1"}});
  w.events.push_back({1, 1'000, SendRecord{0, 1, MessageType::vote, 8, 100, 0, 0, "vote v1"}});
  EventRecord vote{.kind = EventKind::deliver, .from = 0, .to = 1, .arg = 2, .size_bytes = 100};
  vote.message_id = 7;
  vote.label = "vote v1";
  w.events.push_back({2, 4'000, vote});
  w.events.push_back({2, 4'000, NoteRecord{1, NoteKind::view_entered_by_qc, 2}});
  w.events.push_back({2, 4'000, CommitRecord{1, 5, 1, "abcdef0123456789", "0011223344556677"}});
  EventRecord timer{.kind = EventKind::timer, .from = 0, .to = 0, .arg = 3};
  timer.stale = true;
  w.events.push_back({3, 9'000, timer});
  return w;
}

}  // namespace

TEST_CASE("run-style JSON lines: the bytes bftsim run --trace writes and bisect reads back") {
  // Goal: `bftsim run --trace` output does not change by accident. Method: the exact line for each kind
  // it writes, and nothing for sends, which only the replay style writes.
  EventRecord deliver{.kind = EventKind::deliver, .from = 2, .to = 0, .arg = 6, .size_bytes = 40};
  deliver.message_id = 3;
  deliver.label = "x";
  CHECK(*jsonl_line({12, 345, deliver}, JsonlStyle::run) ==
        R"({"i":12,"t_ns":345,"ev":"deliver","from":2,"to":0,"arg":6,"size":40})");
  // A delivery from a twin's second instance says which, and what its vote says.
  EventRecord vote_delivery{.kind = EventKind::deliver, .from = 3, .to = 1, .arg = 2, .size_bytes = 90};
  vote_delivery.instance = 1;
  Vote vote{.view = 5, .block_hash = {}, .voter = 3, .signature = {}};
  vote.block_hash.bytes[0] = 0xab;
  vote_delivery.message = std::make_shared<const Message>(vote);
  CHECK(*jsonl_line({7, 8, vote_delivery}, JsonlStyle::run) ==
        R"({"i":7,"t_ns":8,"ev":"deliver","from":3,"to":1,"arg":2,"size":90,"inst":1,"view":5,"block":"ab00000000000000","voter":3})");
  CHECK(*jsonl_line({1, 0, EventRecord{.kind = EventKind::replica_start, .from = 1, .to = 1}}, JsonlStyle::run) ==
        R"({"i":1,"t_ns":0,"ev":"replica_start","from":1,"to":1,"arg":0})");
  CHECK(*jsonl_line({5, 6, NoteRecord{2, NoteKind::tc_formed, 9}}, JsonlStyle::run) ==
        R"({"i":5,"t_ns":6,"ev":"note","replica":2,"note":"tc_formed","view":9})");
  CHECK(*jsonl_line({5, 6, StateInstalledRecord{1, 40}}, JsonlStyle::run) ==
        R"({"i":5,"t_ns":6,"ev":"state_installed","replica":1,"height":40})");
  CHECK(*jsonl_line({5, 6, NodeStoppedRecord{3, "disk \"full\""}}, JsonlStyle::run) ==
        R"({"i":5,"t_ns":6,"ev":"node_stopped","replica":3,"reason":"disk \"full\""})");
  CHECK(*jsonl_line({5, 6, DiskCorruptRecord{0, "node/wal", 77}}, JsonlStyle::run) ==
        R"({"i":5,"t_ns":6,"ev":"disk_corrupt","replica":0,"file":"node/wal","offset":77})");
  CHECK_FALSE(jsonl_line({5, 6, SendRecord{}}, JsonlStyle::run));
  CHECK(*jsonl_line({5, 6, CommitRecord{1, 5, 1, "abcdef0123456789", "0011223344556677"}}, JsonlStyle::run) ==
        R"({"i":5,"t_ns":6,"ev":"commit","replica":1,"height":5,"view":1,"block":"abcdef0123456789","parent":"0011223344556677"})");
  // The replay style: the same prefix, then the message id and label; sends and commits too.
  CHECK(*jsonl_line({12, 345, deliver}, JsonlStyle::replay) ==
        R"({"i":12,"t_ns":345,"ev":"deliver","from":2,"to":0,"arg":6,"size":40,"msg":3,"copy":0,"label":"x"})");
  CHECK(*jsonl_line({1, 2, SendRecord{0, 1, MessageType::vote, 7, 100, 1, 5, "vote v1"}}, JsonlStyle::replay) ==
        R"({"i":1,"t_ns":2,"ev":"send","from":0,"to":1,"type":"vote","msg":7,"size":100,"copies":1,"disk_wait_ns":5,"label":"vote v1"})");
}

TEST_CASE("text lines name the event, its time and what a message says") {
  const TraceWindow w = small_window();
  CHECK(text_line(w.events[0], 2) == "       1  0.000001000s  deliver       C1 -> R0  client_request 1#1 (msg 3, 40 B)");
  CHECK(text_line(w.events[2], 2) == "       1  0.000001000s    send        R0 -> R1  vote v1 (msg 8, dropped)");
  CHECK(text_line(w.events[6], 2) == "       3  0.000009000s  timer         R0 (stale)");
}

TEST_CASE("Perfetto: one track per endpoint, flows from send to delivery, nested slices") {
  // Goal: the trace's structure, on a window small enough to know every line.
  const std::string json = perfetto_json(small_window());
  CHECK(json.rfind("{\"traceEvents\":[\n", 0) == 0);
  CHECK(json.ends_with("\n]}\n"));
  CHECK(count(json, R"("name":"thread_name")") == 3);
  CHECK(json.find(R"({"ph":"M","pid":1,"tid":1,"name":"thread_name","args":{"name":"replica 0"}})") != std::string::npos);
  CHECK(json.find(R"({"ph":"M","pid":1,"tid":2,"name":"thread_name","args":{"name":"replica 1"}})") != std::string::npos);
  CHECK(json.find(R"({"ph":"M","pid":2,"tid":3,"name":"thread_name","args":{"name":"client 1"}})") != std::string::npos);
  // Message 7: its flow starts a quarter into R0's slice of event 1 (at 1 us, as wide as the cap: R0's
  // only other event is the stale timer, which has no slice) and ends a quarter into R1's slice of event 2.
  CHECK(json.find(R"({"ph":"s","id":1,"pid":1,"tid":1,"ts":3.500,"name":"vote","cat":"message","args":{"event":1}})") !=
        std::string::npos);
  CHECK(json.find(R"({"ph":"f","bp":"e","id":1,"pid":1,"tid":2,"ts":6.500,"name":"vote","cat":"message","args":{"event":2}})") !=
        std::string::npos);
  CHECK(count(json, R"("ph":"s")") == 1);  // the client's request was sent before the window: no flow
  CHECK(count(json, R"("ph":"f")") == 1);
  // The dropped send and the commit are instants in their slices; the stale timer is left out.
  CHECK(json.find(R"("ph":"i","s":"t","pid":1,"tid":1,"ts":6.000,"name":"dropped vote v1 -> R1")") != std::string::npos);
  CHECK(json.find(R"("ph":"i","s":"t","pid":1,"tid":2,"ts":9.000,"name":"commit h5")") != std::string::npos);
  CHECK(json.find("timer") == std::string::npos);
  // Views: R0 stays in view 1 for the whole window; R1 leaves view 1 when event 2 enters view 2.
  CHECK(json.find(R"("ph":"X","pid":1,"tid":1,"ts":1.000,"dur":13.000,"name":"view 1")") != std::string::npos);
  CHECK(json.find(R"("ph":"X","pid":1,"tid":2,"ts":1.000,"dur":3.000,"name":"view 1")") != std::string::npos);
  CHECK(json.find(R"("ph":"X","pid":1,"tid":2,"ts":4.000,"dur":10.000,"name":"view 2")") != std::string::npos);
  CHECK(json.find(R"("ph":"X","pid":1,"tid":2,"ts":4.000,"dur":10.000,"name":"vote v1")") != std::string::npos);
}

TEST_CASE("Perfetto: an event's slice ends where the track's next one begins") {
  TraceWindow w = small_window();
  // Another event at R0, 2 us after the first: the first slice narrows to 2 us.
  w.events.insert(w.events.begin() + 3, TraceEvent{2, 3'000, EventRecord{.kind = EventKind::timer, .to = 0}});
  const std::string json = perfetto_json(w);
  CHECK(json.find(R"("pid":1,"tid":1,"ts":1.000,"dur":2.000,"name":"client_request 1#1")") != std::string::npos);
  CHECK(json.find(R"("pid":1,"tid":1,"ts":3.000,"dur":10.000,"name":"timer")") != std::string::npos);
}

TEST_CASE("Mermaid: participants, arrows when messages arrive, crossed arrows for drops, notes") {
  const std::string diagram = mermaid_diagram(small_window());
  CHECK(diagram.rfind("sequenceDiagram\n", 0) == 0);
  CHECK(diagram.find("    participant R0 as replica 0\n    participant R1 as replica 1\n") != std::string::npos);
  CHECK(diagram.find("R0-xR1: vote v1 (dropped)\n") < diagram.find("R0->>R1: vote v1\n"));
  CHECK(diagram.find("    Note over R1: view 2 (QC) at 0.004ms\n") != std::string::npos);
  CHECK(diagram.find("    Note over R1: commit h5 (abcdef01)\n") != std::string::npos);
  CHECK(diagram.find("C1") == std::string::npos);  // clients are left out
}

TEST_CASE("the window collector keeps its events and knows the views before them") {
  TraceWindowCollector collector(3, 4, 3, 1);
  collector.record({1, 0, NoteRecord{0, NoteKind::view_entered_by_qc, 1}});
  collector.record({1, 0, NoteRecord{1, NoteKind::view_entered_by_qc, 1}});
  collector.record({2, 5, NoteRecord{1, NoteKind::view_entered_by_tc, 3}});
  collector.record({2, 5, NoteRecord{2, NoteKind::view_entered_by_qc, 1}});
  EventRecord crash{.kind = EventKind::fault_begin};
  crash.fault_kind = "crash";
  crash.fault_target = "2";
  crash.fault_replica = 2;
  collector.record({2, 5, crash});
  collector.record({3, 9, NoteRecord{0, NoteKind::timeout_sent, 1}});
  collector.record({4, 9, EventRecord{.kind = EventKind::timer}});
  collector.record({5, 9, EventRecord{.kind = EventKind::timer}});
  const TraceWindow& w = collector.window();
  CHECK(w.views_at_start == std::vector<std::optional<View>>{View{1}, View{3}, std::nullopt});
  REQUIRE(w.events.size() == 2);
  CHECK(w.events[0].index == 3);
  CHECK(w.events[1].index == 4);
}

TEST_CASE("Perfetto: at one instant, each slice's flows come before the next slice on its track") {
  // Goal: Perfetto binds a flow event to the slice on top of its track, so when two events of one
  // track happen at the same nanosecond, the first one's flows must come before the second slice.
  // Method: two sends from R0 in two events at the same time; the file order must be slice, flow, slice, flow.
  TraceWindow w;
  w.last_index = 3;
  w.replica_count = 2;
  w.views_at_start = {std::nullopt, std::nullopt};
  w.events.push_back({1, 500, EventRecord{.kind = EventKind::timer, .to = 0}});
  w.events.push_back({1, 500, SendRecord{0, 1, MessageType::timeout, 1, 90, 1, 0, "timeout v1"}});
  w.events.push_back({2, 500, EventRecord{.kind = EventKind::replica_start, .to = 0}});
  w.events.push_back({2, 500, SendRecord{0, 1, MessageType::proposal, 2, 90, 1, 0, "proposal v1 h1"}});
  EventRecord first{.kind = EventKind::deliver, .from = 0, .to = 1, .arg = 3};
  first.message_id = 1;
  EventRecord second{.kind = EventKind::deliver, .from = 0, .to = 1, .arg = 1};
  second.message_id = 2;
  w.events.push_back({3, 2'000, first});
  w.events.push_back({4, 3'000, second});
  const std::string json = perfetto_json(w);
  const auto timer = json.find(R"("dur":0.000,"name":"timer")");
  const auto timeout_flow = json.find(R"({"ph":"s","id":1,)");
  const auto start = json.find(R"("dur":10.000,"name":"start")");
  const auto proposal_flow = json.find(R"({"ph":"s","id":2,)");
  REQUIRE(timer != std::string::npos);
  REQUIRE(start != std::string::npos);
  CHECK(timer < timeout_flow);
  CHECK(timeout_flow < start);
  CHECK(start < proposal_flow);
  CHECK(proposal_flow != std::string::npos);
}

}  // namespace test_sim_report_trace_writers_test
