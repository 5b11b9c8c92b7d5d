// The records a simulation run reports to a TraceSink, event by event: one
// EventRecord per dispatched event (the event loop's step, numbered from 1),
// then what happened inside that step (message sends, replica notes, commits,
// installed states, stopped nodes, corrupted disk blocks), all stamped with
// the step's index and virtual time. Records are plain values, emitted in an
// order fixed by the run, so every writer's output is deterministic. The
// simulation builds them only when it has a sink; a sink that keeps one
// copies it. Writers: trace_jsonl.h, trace_text.h, trace_perfetto.h,
// trace_mermaid.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/consensus/effects.h"
#include "core/protocol/messages.h"
#include "core/types/ids.h"

namespace bftsim {

using EndpointIndex = std::uint32_t;  // replicas 0..n-1, then client c at n + c - 1

// What the event loop dispatches. The values are hashed into the trace hash:
// do not reorder.
enum class EventKind : std::uint8_t {
  replica_start,
  deliver,
  timer,
  client_issue,
  client_retry,
  fault_begin,
  fault_end,
};
const char* event_kind_name(EventKind kind);

// One step of the event loop, recorded before it runs.
struct EventRecord {
  EventKind kind = EventKind::replica_start;
  EndpointIndex from = 0;
  EndpointIndex to = 0;
  std::uint64_t arg = 0;  // timer generation, request number, fault index, message type
  std::optional<std::uint64_t> size_bytes{};  // a delivery's message bytes
  // A delivery: the send it carries (SendRecord::message_id), which copy of
  // it (a duplicating link makes several) and what it says ("vote v5").
  std::uint64_t message_id = 0;
  std::uint32_t copy = 0;
  std::string label{};
  std::uint32_t instance = 0;  // which twin instance sent a delivery (0 unless twins)
  std::shared_ptr<const Message> message{};  // a delivery's decoded message; none when malformed
  bool stale = false;  // a timer that was superseded, or whose replica is down: it does nothing
  // A fault: its kind and target as in faults.csv ("crash", "2"), and the
  // replica it acts on when it acts on one (crash, restart, disk).
  std::string fault_kind{};
  std::string fault_target{};
  std::optional<ReplicaIndex> fault_replica{};
};

// One message handed to the network, sender to one recipient. Every send
// gets the next message id (1, 2, ...), whether or not it arrives; each copy
// the network delivers is an EventRecord with that id.
struct SendRecord {
  EndpointIndex from = 0;
  EndpointIndex to = 0;
  MessageType type = MessageType::proposal;
  std::uint64_t message_id = 0;
  std::uint64_t size_bytes = 0;
  std::uint32_t copies = 0;  // 0: dropped (lost, partitioned, cut, or a twin's other side)
  Duration disk_wait = 0;    // how long the send waited for the sender's disk
  std::string label{};
};

struct NoteRecord {
  ReplicaIndex replica = 0;
  NoteKind kind = NoteKind::view_entered_by_qc;
  View view = 0;
};

struct CommitRecord {
  ReplicaIndex replica = 0;
  Height height = 0;
  View view = 0;
  std::string block{};   // the block hash's first 16 hex digits (Hash32::short_hex)
  std::string parent{};  // its parent's, likewise
};

struct StateInstalledRecord {
  ReplicaIndex replica = 0;
  Height height = 0;
};

struct NodeStoppedRecord {
  ReplicaIndex replica = 0;
  std::string reason{};
};

struct DiskCorruptRecord {
  ReplicaIndex replica = 0;
  std::string file{};
  std::uint64_t offset = 0;
};

using TraceDetail = std::variant<EventRecord, SendRecord, NoteRecord, CommitRecord, StateInstalledRecord,
                                 NodeStoppedRecord, DiskCorruptRecord>;

struct TraceEvent {
  std::uint64_t index = 0;  // the event loop step it belongs to
  Instant at = 0;           // virtual time, ns since the run's start
  TraceDetail detail;
};

// Receives a run's records in order. Not owned by the simulation.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void record(const TraceEvent& event) = 0;
};

// What a message says in a few words, for traces: "proposal v5 h12",
// "vote v5", "timeout v5", "client_request 2#7".
std::string message_label(const Message& message);

// `text` as the inside of a JSON string (quotes, backslashes and control
// characters escaped).
std::string json_escape(const std::string& text);

// Endpoint names shared by the writers: "replica 2" / "client 1", and the
// short form "R2" / "C1".
std::string endpoint_name(EndpointIndex endpoint, std::uint32_t replica_count);
std::string endpoint_short_name(EndpointIndex endpoint, std::uint32_t replica_count);

}  // namespace bftsim
