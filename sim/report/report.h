// Everything one simulation run observed, as plain rows: the summary, the
// commits, the client requests, the view changes and the message counters.
// csv_writer.h turns it into the tidy CSV files of ARCHITECTURE.md
// ("Outputs"). Nothing here depends on the wall clock, so the same scenario
// and seed give the same report byte for byte.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/messages.h"
#include "core/consensus/replica.h"
#include "sim/check/violation.h"
#include "sim/actors/client.h"
#include "sim/report/fault_rows.h"
#include "sim/report/view_change_cause.h"

namespace bftsim {

struct MessageCounters {
  std::uint64_t sent = 0;        // copies handed to the network (one per recipient)
  std::uint64_t delivered = 0;   // decoded and handed to the recipient
  std::uint64_t dropped = 0;     // lost, partitioned, cut, or to a crashed replica
  std::uint64_t duplicated = 0;  // extra copies the network made
  std::uint64_t malformed = 0;   // bytes that did not decode
  std::uint64_t bytes_sent = 0;
};

struct CommitRow {
  ReplicaIndex replica = 0;
  Height height = 0;
  View view = 0;
  Hash32 block_hash;
  ReplicaIndex proposer = 0;
  std::size_t op_count = 0;
  std::optional<Instant> proposed_at;  // when the leader sent the proposal
  Instant committed_at = 0;
};

// One timeout-driven view change: `failed_view` timed out and a TC moved the
// cluster past it. Each time is the first honest replica's.
struct ViewChangeRow {
  View failed_view = 0;
  Instant stall_start = 0;                // the last new commit before it
  Instant first_timeout = 0;              // first timeout sent for failed_view
  std::optional<Instant> tc_formed;       // first TC assembled for failed_view
  std::optional<Instant> first_proposal;  // first proposal after the TC
  std::optional<Instant> first_commit;    // first new commit after that proposal
  ViewChangeCause cause = ViewChangeCause::unknown;  // what was wrong at the first timeout
};

// A Node that stopped itself because its storage failed or could not be
// trusted (a checksum, a full disk); the simulation counts it as crashed.
struct NodeStopRow {
  ReplicaIndex replica = 0;
  Instant at = 0;
  std::string reason;
};

// One replica's disk and store at the end of a run (storage.csv).
struct StorageRow {
  ReplicaIndex replica = 0;
  std::uint64_t syncs = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t crashes = 0;
  std::uint64_t bit_flips = 0;
  std::uint64_t torn_appends = 0;
  std::uint64_t full_rejections = 0;
  Duration sync_delay_total = 0;
  std::uint64_t flushes = 0;      // of the Db open at the end (since its last recovery)
  std::uint64_t compactions = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t states_installed = 0;
};

// The simulator stopped a run whose events outran simulated time
// (EventRateGuard, sim/event_rate_guard.h): one window of simulated time held
// more events than the scenario's event_rate_max allows.
struct CutOff {
  std::uint64_t event_count = 0;   // events run before it (= the run's event count)
  Instant at = 0;                  // when the event past the bound was due (= end_time)
  Instant window_start = 0;        // the window it fell in
  Duration window = 0;             // that window's length
  std::uint64_t window_events = 0; // events in the window, this one included
  std::uint64_t event_rate_max = 0;  // the scenario's bound, events per simulated second
};

enum class Verdict : std::uint8_t { holds, violated, unchecked };
const char* verdict_name(Verdict verdict);

struct RunReport {
  std::string scenario_name;
  std::uint64_t seed = 0;
  std::string crypto;
  std::uint32_t replica_count = 0;
  std::uint32_t faulty_count = 0;
  Instant end_time = 0;  // the virtual time the run stopped
  std::uint64_t event_count = 0;
  std::array<MessageCounters, message_type_count> messages{};
  std::array<std::uint64_t, drop_reason_count> replica_drops{};  // summed over honest replicas
  Height decided_height = 0;
  std::uint64_t committed_op_count = 0;
  // Decided blocks (the first commit of each height) by proposer index.
  std::vector<std::uint64_t> committed_blocks_by_proposer;
  std::vector<CommitRow> commits;
  std::vector<CompletedRequest> requests;
  std::uint64_t requests_issued = 0;
  std::vector<ViewChangeRow> view_changes;
  std::vector<FaultRow> faults;  // faults.csv
  std::vector<NodeStopRow> node_stops;
  std::uint64_t states_installed = 0;  // state transfers completed
  std::vector<StorageRow> storage;
  std::optional<Violation> safety_violation;
  std::optional<Violation> liveness_violation;
  // Set when the run was cut off (liveness is then unchecked); as expected
  // only when the scenario's expect.cut_off says so.
  std::optional<CutOff> cut_off;
  bool expected_cut_off = false;
  Verdict safety = Verdict::holds;
  Verdict liveness = Verdict::holds;
  std::string expected_safety;
  std::string expected_liveness;
  std::string expected_check;  // expect.check: the safety check that must fire (empty: any)
  // The end-of-run linearizability check of the client history: "ok",
  // "violated", or "unknown" when the search hit its step budget.
  std::string linearizability = "ok";
  bool as_expected = false;
  std::string trace_hash;
};

}  // namespace bftsim
