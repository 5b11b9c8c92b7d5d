// Simulation::Impl, shared by the files that implement one simulation run
// (internal to sim/, included by nothing else):
//   simulation.cpp          construction, replica start and crash, the event loop, dispatch, trace records
//   simulation_faults.cpp   the fault schedule: time- and view-keyed faults begin and end
//   simulation_traffic.cpp  messages on the virtual network, deliveries, timers, Byzantine outboxes, clients
//   simulation_observe.cpp  the checkers, commits and notes, view-change causes, the end-of-run verdicts
// Also here: the event the loop runs (Event), the run's fingerprint (TraceHash)
// and the Host through which a Node sees the simulation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sodium.h>

#include "core/consensus/replica.h"
#include "core/crypto/keys.h"
#include "core/node/lsm_node_store.h"
#include "core/node/node.h"
#include "core/protocol/codec.h"
#include "sim/actors/byzantine.h"
#include "sim/actors/client.h"
#include "sim/check/agreement_checker.h"
#include "sim/check/linearizability.h"
#include "sim/check/liveness_checker.h"
#include "sim/disk/sim_disk.h"
#include "sim/event_queue.h"
#include "sim/event_rate_guard.h"
#include "sim/net/network.h"
#include "sim/net/node_clock.h"
#include "sim/net/twin_routing.h"
#include "sim/net/view_windows.h"
#include "sim/net/wire_message.h"
#include "sim/simulation.h"
#include "sim/verdict_cache.h"

namespace bftsim {
namespace simulation_internal {

using Bytes = std::vector<std::uint8_t>;

struct Event {
  Event(EventKind kind_, EndpointIndex to_, EndpointIndex from_, std::uint64_t arg_,
        std::shared_ptr<const WireMessage> wire_, std::uint8_t instance_ = 0, std::uint64_t message_id_ = 0,
        std::uint8_t copy_ = 0, std::uint64_t sequence_ = 0, std::uint8_t to_instance_ = 0,
        std::optional<View> view_ = std::nullopt)
      : kind(kind_), to(to_), from(from_), arg(arg_), wire(std::move(wire_)), instance(instance_), copy(copy_),
        to_instance(to_instance_), message_id(message_id_), sequence(sequence_), view(view_) {}
  EventKind kind;
  EndpointIndex to;
  EndpointIndex from;
  std::uint64_t arg;  // timer generation, request number, fault index, message type
  std::shared_ptr<const WireMessage> wire;  // a delivery's send (shared by its copies and receivers)
  std::uint8_t instance;  // a twin's instance: the timer's, or the sender's for a delivery
  // A delivery: which copy of which send (for traces only; not hashed).
  std::uint8_t copy;
  std::uint8_t to_instance;  // a delivery to a twin: the instance that hears it
  std::uint64_t message_id;
  std::uint64_t sequence;  // a delivery's send number (VirtualNetwork::dropped_in_flight)
  std::optional<View> view;  // a delivery's view, for view filters (MessageTag)
};

// A running BLAKE2b over every event: the run's fingerprint. Each event adds
// one record: its time, kind, receiver, sender and argument, and for a
// delivery the BLAKE2b digest of the send's bytes (computed once per send, so
// a broadcast of a 45 KB certificate to 1,000 replicas is hashed once, not
// 1,000 times; a collision-resistant digest fingerprints the bytes as well).
class TraceHash {
 public:
  TraceHash() { crypto_generichash_init(&state_, nullptr, 0, 32); }
  void add_event(Instant at, const Event& event) {
    constexpr std::size_t header = sizeof(at) + 1 + 2 * sizeof(EndpointIndex) + sizeof(event.arg);
    std::array<unsigned char, header + sizeof(Hash32{}.bytes)> record;
    unsigned char* out = record.data();
    const auto put = [&out](const auto& value) {
      std::memcpy(out, &value, sizeof(value));
      out += sizeof(value);
    };
    put(at);
    put(static_cast<std::uint8_t>(event.kind));
    put(event.to);
    put(event.from);
    put(event.arg);
    if (event.wire) put(event.wire->digest().bytes);
    crypto_generichash_update(&state_, record.data(), static_cast<std::size_t>(out - record.data()));
  }
  std::string finish() {
    Hash32 digest;
    crypto_generichash_final(&state_, digest.bytes.data(), digest.bytes.size());
    return digest.hex().substr(0, 32);
  }

 private:
  crypto_generichash_state state_;
};
}  // namespace simulation_internal

class Simulation::Impl {
 public:
  Impl(const Scenario& scenario, SimulationOptions options);
  RunReport run();

 private:
  using Bytes = simulation_internal::Bytes;
  using Event = simulation_internal::Event;
  using TraceHash = simulation_internal::TraceHash;
  static constexpr std::size_t event_queue_size_max = 16'000'000;
  static constexpr std::size_t open_loop_outstanding_max = 10'000;

  bool is_replica(EndpointIndex endpoint) const { return endpoint < scenario_.replica_count; }
  EndpointIndex client_endpoint(ClientId client) const {
    return scenario_.replica_count + static_cast<EndpointIndex>(client - 1);
  }

  void dispatch(const Event& event);
  // After the event loop: the end-of-run checks (linearizability, liveness,
  // commit_height_min), the verdicts and the per-replica rows.
  RunReport finish();
  void on_deliver(const Event& event);
  void on_fault(std::size_t fault_index, bool begin);
  // An honest replica entered `view`: view-keyed faults start and end, and
  // duration_views may end the run.
  void on_view_entered(View view);
  void view_fault(std::size_t fault_index, bool begin);
  // faults.csv: a crash row of `replica` still open (a view-keyed crash, or
  // one before a view-keyed restart) ends at this restart.
  void close_crash_rows(ReplicaIndex replica);

  ViewChangeCause view_change_cause(ReplicaIndex replica, View view) const;
  class Host;
  // `view`: the message's, for view filters (link_rules.h); none for client traffic.
  void transmit(EndpointIndex from, EndpointIndex to, MessageType type,
                const std::shared_ptr<const WireMessage>& wire, std::uint8_t from_instance = 0,
                Duration extra_delay = 0, std::optional<View> view = std::nullopt);
  void apply_outbox(ReplicaIndex replica);
  void deliver_to_actor(const Event& event, const Message& message);
  ReplicaConfig replica_config(ReplicaIndex replica) const;
  bool is_honest(ReplicaIndex replica) const { return actors_[replica] == nullptr; }
  void check_honest_send(ReplicaIndex replica, const Message& message);
  void violate(std::optional<Violation> violation);
  void remember(const Event& event);
  void broadcast_from_client(EndpointIndex from, const ClientRequest& request);
  void issue_request(std::size_t client_index);
  void on_commit(ReplicaIndex replica, const CommittedBlock& commit);
  void on_note(ReplicaIndex replica, const NoteEffect& note);
  bool tracing() const { return options_.trace != nullptr; }
  void trace(TraceDetail detail) { options_.trace->record(TraceEvent{event_index_, now_, std::move(detail)}); }
  void trace_event(const Event& event);
  void start_replica(ReplicaIndex replica, bool restart);
  void check_stopped(ReplicaIndex replica);
  // How long a send must wait for the syncs before it: a disk does one sync
  // at a time, so its latencies queue (only a slow disk has any).
  Duration disk_delay(ReplicaIndex replica) {
    disk_busy_until_[replica] = std::max(disk_busy_until_[replica], now_) + disks_[replica]->take_delay();
    return disk_busy_until_[replica] - now_;
  }
  void crash(ReplicaIndex replica);
  // The replica's own clock now (NodeClocks): what it is handed as `now`.
  Instant local_now(ReplicaIndex replica) const { return clocks_.local(replica, now_); }
  // Schedules the replica's timer for when its clock reads `local_deadline`;
  // replaces the instance's pending timer.
  void arm_timer(ReplicaIndex replica, std::uint8_t instance, Instant local_deadline);

  const Scenario scenario_;  // with the run seed's random Byzantine replicas in `byzantine`
  SimulationOptions options_;
  const std::vector<Fault> faults_;  // by fault id: the scenario's faults, then the random ones (fault_schedule)
  EventQueue<Event> queue_;
  VirtualNetwork network_;
  std::unique_ptr<KeyRing> keys_;
  // What the honest Nodes and the certificate checker verify with: with
  // ed25519 the KeyRing's Verifier behind one cache of verdicts for the run
  // (verdict_cache.h; the n=4 demo spends 40% less CPU, and 26% less again
  // since the checker shares it); with fast crypto the same from
  // verdict_cache_fast_min replicas on, where each QC signature reaches many
  // replicas (n=64: 17% less CPU, n=256: 15%), and below it the KeyRing's
  // own, since one MAC costs about a cache lookup (n=4: 3% more CPU with the
  // cache, n=16: the same).
  static constexpr std::uint32_t verdict_cache_fast_min = 32;
  std::shared_ptr<const Verifier> verifier_;
  // Per replica: its host (the Node's view of the simulation), its store,
  // which survives crashes, and its Node (null for Byzantine replicas).
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<ByzantineActor>> actors_;  // null for honest replicas
  std::optional<TwinRouting> twins_;  // which twin instance hears whom
  ByzantineOutbox outbox_;
  std::vector<bool> crashed_;
  std::vector<std::array<std::uint64_t, 2>> timer_generation_;  // per replica and instance
  // The local deadline of each replica's and instance's pending timer, to
  // re-arm it when a clock fault moves the replica's clock.
  std::vector<std::array<std::optional<Instant>, 2>> timer_deadline_;
  NodeClocks clocks_;
  // The replicas' disks and the stores on them: they survive crashes.
  std::vector<std::unique_ptr<SimDisk>> disks_;
  std::vector<std::unique_ptr<NodeStore>> stores_;  // storage.engine's, one per replica
  std::vector<LsmNodeStore*> lsm_stores_;           // the same, when they are LSMs
  std::vector<Instant> disk_busy_until_;
  std::optional<ZipfianGenerator> zipf_;
  std::vector<Client> clients_;
  std::uint64_t requests_issued_ = 0;
  std::uint64_t message_count_ = 0;  // sends so far: the last message id
  // View-keyed faults: the highest view an honest replica has entered, and
  // per fault id whether it has begun and ended; deliveries a view-keyed clog holds.
  ViewWindows view_windows_;
  std::map<std::size_t, std::vector<Event>> held_;
  bool views_done_ = false;  // duration_views reached
  EventRateGuard event_rate_;  // cuts off an event storm (report_.cut_off)

  // The online safety checkers, in the order each observation reaches them
  // (the first violation of a run depends on it), and liveness, checked at the end.
  std::vector<std::unique_ptr<Checker>> checkers_;
  AgreementChecker* agreement_ = nullptr;  // in checkers_: the highest decided height
  LivenessChecker liveness_;
  TraceHash trace_hash_;

  Instant now_ = 0;
  std::uint64_t event_index_ = 0;
  RunReport report_;
  std::map<View, Instant> proposed_at_;
  std::map<View, std::size_t> view_change_row_;  // failed view -> row in report_.view_changes
  Instant last_progress_ = 0;
  // The last events, to show what touched the replicas of a violation.
  struct RecentEvent {
    std::uint64_t index;
    Instant at;
    EventKind kind;
    EndpointIndex from;
    EndpointIndex to;
    std::uint64_t arg;
  };
  std::deque<RecentEvent> recent_events_;
  // The client history for the linearizability check, and where each request is in it.
  std::vector<HistoryOp> history_;
  std::map<std::pair<ClientId, RequestNumber>, std::size_t> history_index_;
};
// The simulation as one Node sees it: messages become codec bytes on the
// virtual network, timers become events, commits and notes feed the checkers.
class Simulation::Impl::Host final : public NodeHost {
 public:
  Host(Impl& sim, ReplicaIndex replica) : sim_(sim), replica_(replica) {}
  void send(ReplicaIndex to, const Message& message) override {
    sim_.check_honest_send(replica_, message);
    auto wire = std::make_shared<const WireMessage>(encode_message(message));
    sim_.transmit(replica_, to, message_type(message), wire, 0, sim_.disk_delay(replica_), view_of(message));
  }
  void broadcast(const Message& message) override {
    sim_.check_honest_send(replica_, message);
    auto wire = std::make_shared<const WireMessage>(encode_message(message));
    const Duration delay = sim_.disk_delay(replica_);
    const View view = view_of(message);
    for (ReplicaIndex to = 0; to < sim_.scenario_.replica_count; ++to)
      if (to != replica_) sim_.transmit(replica_, to, message_type(message), wire, 0, delay, view);
  }
  void reply(const ClientReply& reply) override {
    for (auto& checker : sim_.checkers_) sim_.violate(checker->on_reply(replica_, reply));
    auto wire = std::make_shared<const WireMessage>(encode_message(Message{reply}));
    sim_.transmit(replica_, sim_.client_endpoint(reply.client), MessageType::client_reply, wire, 0,
                  sim_.disk_delay(replica_));
  }
  // An honest node's timers use the instance slots by kind (view 0, fetch 1).
  void set_timer(TimerKind timer, Instant at) override {
    sim_.arm_timer(replica_, static_cast<std::uint8_t>(timer), at);
  }
  void committed(const CommittedBlock& commit) override { sim_.on_commit(replica_, commit); }
  void state_installed(const CommittedBlock& state) override {
    // A transferred state must be one the cluster decided, like a recovered one.
    for (auto& checker : sim_.checkers_)
      sim_.violate(checker->on_recover(replica_, state.height, state.block_hash, state.state_digest));
    ++sim_.report_.states_installed;
    if (sim_.tracing()) sim_.trace(StateInstalledRecord{replica_, state.height});
  }
  void note(const NoteEffect& note) override { sim_.on_note(replica_, note); }

 private:
  // Its own view, or for block sync the view this replica is in.
  View view_of(const Message& message) const {
    return message_view(message).value_or(sim_.nodes_[replica_]->replica().view());
  }
  Impl& sim_;
  ReplicaIndex replica_;
};
}  // namespace bftsim
