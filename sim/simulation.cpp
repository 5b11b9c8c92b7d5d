#include "sim/simulation.h"

#include <algorithm>
#include <array>
#include <deque>
#include <tuple>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sodium.h>

#include "core/protocol/codec.h"
#include "core/consensus/replica.h"
#include "core/node/node.h"
#include "core/node/lsm_node_store.h"
#include "sim/disk/disk_fault_schedule.h"
#include "sim/disk/sim_disk.h"
#include "core/crypto/keys.h"
#include "core/types/assert.h"
#include "sim/actors/byzantine.h"
#include "sim/check/agreement_checker.h"
#include "sim/check/integrity_checker.h"
#include "sim/check/liveness_checker.h"
#include "sim/check/vote_checker.h"
#include "sim/actors/client.h"
#include "sim/event_queue.h"
#include "sim/check/linearizability.h"
#include "sim/net/network.h"
#include "sim/net/fault_schedule.h"
#include "sim/net/twin_routing.h"
#include "sim/net/view_windows.h"
#include "sim/net/node_clock.h"

namespace bftsim {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::unchecked: return "unchecked";
  }
  return "unknown";
}

namespace {

constexpr std::size_t event_queue_size_max = 16'000'000;
constexpr std::size_t open_loop_outstanding_max = 10'000;

using Bytes = std::vector<std::uint8_t>;

struct Event {
  Event(EventKind kind_, EndpointIndex to_, EndpointIndex from_, std::uint64_t arg_,
        std::shared_ptr<const Bytes> bytes_, std::uint8_t instance_ = 0, std::uint64_t message_id_ = 0,
        std::uint8_t copy_ = 0, std::uint64_t sequence_ = 0, std::uint8_t to_instance_ = 0,
        std::optional<View> view_ = std::nullopt)
      : kind(kind_), to(to_), from(from_), arg(arg_), bytes(std::move(bytes_)), instance(instance_), copy(copy_),
        to_instance(to_instance_), message_id(message_id_), sequence(sequence_), view(view_) {}
  EventKind kind;
  EndpointIndex to;
  EndpointIndex from;
  std::uint64_t arg;  // timer generation, request number, fault index, message type
  std::shared_ptr<const Bytes> bytes;
  std::uint8_t instance;  // a twin's instance: the timer's, or the sender's for a delivery
  // A delivery: which copy of which send (for traces only; not hashed).
  std::uint8_t copy;
  std::uint8_t to_instance;  // a delivery to a twin: the instance that hears it
  std::uint64_t message_id;
  std::uint64_t sequence;  // a delivery's send number (VirtualNetwork::dropped_in_flight)
  std::optional<View> view;  // a delivery's view, for view filters (MessageTag)
};

// A running BLAKE2b over every event and commit: the run's fingerprint.
class TraceHash {
 public:
  TraceHash() { crypto_generichash_init(&state_, nullptr, 0, 32); }
  void add(const void* data, std::size_t size) {
    crypto_generichash_update(&state_, static_cast<const unsigned char*>(data), size);
  }
  template <typename T>
  void add_value(T value) {
    add(&value, sizeof(value));
  }
  std::string finish() {
    Hash32 digest;
    crypto_generichash_final(&state_, digest.bytes.data(), digest.bytes.size());
    return digest.hex().substr(0, 32);
  }

 private:
  crypto_generichash_state state_;
};

}  // namespace

class Simulation::Impl {
 public:
  Impl(const Scenario& scenario, SimulationOptions options);
  RunReport run();

 private:
  bool is_replica(EndpointIndex endpoint) const { return endpoint < scenario_.replica_count; }
  EndpointIndex client_endpoint(ClientId client) const {
    return scenario_.replica_count + static_cast<EndpointIndex>(client - 1);
  }

  void dispatch(const Event& event);
  void on_deliver(const Event& event);
  void on_fault(std::size_t fault_index, bool begin);
  // An honest replica entered `view`: view-keyed faults start and end, and
  // duration_views may end the run.
  void on_view_entered(View view);
  void view_fault(std::size_t fault_index, bool begin);
  // faults.csv: a crash row of `replica` still open (a view-keyed crash, or
  // one before a view-keyed restart) ends at this restart.
  void close_crash_rows(ReplicaIndex replica) {
    for (std::size_t f = 0; f < faults_.size(); ++f)
      if (const auto* crash = std::get_if<CrashFault>(&faults_[f]);
          crash && crash->replica == replica && !report_.faults[f].end && report_.faults[f].start <= now_ &&
          (!crash->at_view || view_windows_.begun(f)))
        report_.faults[f].end = now_;
  }

  ViewChangeCause view_change_cause(ReplicaIndex replica, View view) const;
  class Host;
  // `view`: the message's, for view filters (link_rules.h); none for client traffic.
  void transmit(EndpointIndex from, EndpointIndex to, MessageType type,
                const std::shared_ptr<const Bytes>& bytes, std::uint8_t from_instance = 0,
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
  std::vector<std::unique_ptr<LsmNodeStore>> stores_;
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
    auto bytes = std::make_shared<const Bytes>(encode_message(message));
    sim_.transmit(replica_, to, message_type(message), bytes, 0, sim_.disk_delay(replica_), view_of(message));
  }
  void broadcast(const Message& message) override {
    sim_.check_honest_send(replica_, message);
    auto bytes = std::make_shared<const Bytes>(encode_message(message));
    const Duration delay = sim_.disk_delay(replica_);
    const View view = view_of(message);
    for (ReplicaIndex to = 0; to < sim_.scenario_.replica_count; ++to)
      if (to != replica_) sim_.transmit(replica_, to, message_type(message), bytes, 0, delay, view);
  }
  void reply(const ClientReply& reply) override {
    for (auto& checker : sim_.checkers_) sim_.violate(checker->on_reply(replica_, reply));
    auto bytes = std::make_shared<const Bytes>(encode_message(Message{reply}));
    sim_.transmit(replica_, sim_.client_endpoint(reply.client), MessageType::client_reply, bytes, 0,
                  sim_.disk_delay(replica_));
  }
  void set_timer(TimerKind /*timer*/, Instant at) override { sim_.arm_timer(replica_, 0, at); }
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

namespace {
// The scenario with the run's Byzantine replicas (byzantine_schedule).
Scenario with_byzantine(const Scenario& scenario, std::vector<ByzantineSpec> byzantine) {
  Scenario out = scenario;
  out.byzantine = std::move(byzantine);
  return out;
}

// The end of the last fault of the run's schedule, random partitions included.
// None when the run has no faults: liveness is then checked from the start.
// View-keyed faults move it on as they begin and end (on_view_entered).
std::optional<Instant> global_stabilization_time(const std::vector<Fault>& faults) {
  std::optional<Instant> gst;
  for (const auto& fault : faults)
    if (!fault_at_view(fault)) gst = std::max(gst.value_or(0), fault_until(fault).value_or(fault_at(fault)));
  return gst;
}
}  // namespace

Simulation::Impl::Impl(const Scenario& scenario, SimulationOptions options)
    : scenario_(with_byzantine(scenario, byzantine_schedule(scenario, options.seed))),
      options_(options),
      faults_(fault_schedule(scenario, options.seed)),
      queue_(event_queue_size_max),
      network_(scenario.network, options.seed, scenario.replica_count),
      keys_(KeyRing::create(scenario.crypto, options.seed, scenario.replica_count)),
      crashed_(scenario.replica_count, false),
      timer_generation_(scenario.replica_count, {0, 0}),
      timer_deadline_(scenario.replica_count),
      clocks_(scenario.replica_count),
      view_windows_(faults_),
      liveness_(global_stabilization_time(faults_), scenario.expect.within) {
  BFTSIM_ASSERT(scenario.replica_count >= 3 * scenario.faulty_count + 1);
  checkers_.push_back(std::make_unique<IntegrityChecker>());
  auto agreement = std::make_unique<AgreementChecker>(scenario.replica_count);
  agreement_ = agreement.get();
  checkers_.push_back(std::move(agreement));
  checkers_.push_back(std::make_unique<VoteChecker>());
  nodes_.resize(scenario.replica_count);
  disk_busy_until_.assign(scenario.replica_count, 0);
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r) {
    disks_.push_back(std::make_unique<SimDisk>(SimDisk::disk_stream(options.seed, r)));
    LsmNodeStoreOptions store_options;
    store_options.unsafe_skip_sync = scenario.storage.unsafe_skip_sync;
    stores_.push_back(std::make_unique<LsmNodeStore>(*disks_[r], "node", store_options));
  }
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r) hosts_.push_back(std::make_unique<Host>(*this, r));
  actors_.resize(scenario.replica_count);
  for (const ByzantineSpec& spec : scenario_.byzantine)
    actors_[spec.replica] = std::make_unique<ByzantineActor>(replica_config(spec.replica), *keys_, spec.behaviors,
                                                             options.seed, client_endpoint(1), spec.params);
  // Twins split the honest replicas in two halves, one per instance.
  std::vector<std::uint8_t> instance_counts(scenario.replica_count, 1);
  std::vector<bool> honest(scenario.replica_count, true);
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r)
    if (!is_honest(r)) {
      honest[r] = false;
      instance_counts[r] = static_cast<std::uint8_t>(actors_[r]->instance_count());
    }
  twins_.emplace(std::move(instance_counts), honest);
  if (scenario.clients.key_distribution == KeyDistribution::zipfian)
    zipf_.emplace(scenario.clients.key_count, scenario.clients.zipf_theta);
  clients_.reserve(scenario.clients.client_count);
  for (std::uint32_t c = 0; c < scenario.clients.client_count; ++c)
    clients_.emplace_back(ClientId{c} + 1, scenario.clients, scenario.faulty_count, options.seed,
                          zipf_ ? &*zipf_ : nullptr);

  report_.scenario_name = scenario.name;
  report_.seed = options.seed;
  report_.faults = fault_rows(scenario_, faults_);
  report_.crypto = crypto_kind_name(scenario.crypto);
  report_.replica_count = scenario.replica_count;
  report_.faulty_count = scenario.faulty_count;
  report_.expected_safety = std::string(expect_name(scenario.expect.safety));
  report_.expected_liveness = std::string(expect_name(scenario.expect.liveness));
  report_.committed_blocks_by_proposer.assign(scenario.replica_count, 0);
  report_.expected_check = scenario.expect.check;
}

ReplicaConfig Simulation::Impl::replica_config(ReplicaIndex replica) const {
  ReplicaConfig config;
  config.index = replica;
  config.replica_count = scenario_.replica_count;
  config.faulty_max = scenario_.faulty_count;
  config.chain_id = scenario_.protocol.chain_id;
  config.batch_size = scenario_.protocol.batch_size;
  config.view_timeout = scenario_.protocol.view_timeout;
  config.timeout_multiplier = scenario_.protocol.timeout_multiplier;
  config.view_timeout_max = scenario_.protocol.view_timeout_max;
  config.vote_to_all = scenario_.protocol.vote_to_all;
  config.unsafe_skip_lock = scenario_.protocol.unsafe_skip_lock;
  config.block_retention = scenario_.protocol.block_retention;
  config.backoff_reset = scenario_.protocol.backoff_reset;
  config.leader_election = scenario_.protocol.leader_election;
  config.reputation_window = scenario_.protocol.reputation_window;
  config.new_view_to_leader = scenario_.protocol.new_view_to_leader;
  config.fetch_missed_proposal = scenario_.protocol.fetch_missed_proposal;
  config.leader_schedule = scenario_.protocol.leaders;
  return config;
}

void Simulation::Impl::start_replica(ReplicaIndex replica, bool restart) {
  if (!is_honest(replica)) {
    // A restarted adversary comes back as a fresh actor with the same behaviours.
    if (restart || actors_[replica] == nullptr) {
      for (const ByzantineSpec& spec : scenario_.byzantine)
        if (spec.replica == replica)
          actors_[replica] = std::make_unique<ByzantineActor>(replica_config(replica), *keys_, spec.behaviors,
                                                              options_.seed, client_endpoint(1), spec.params);
    }
    outbox_ = {};
    actors_[replica]->start(local_now(replica), outbox_);
    return apply_outbox(replica);
  }
  // A restarted Node has lost its memory; its store recovers what it made durable.
  nodes_[replica] = std::make_unique<Node>(replica_config(replica), keys_->signer(replica), keys_->verifier(),
                                           *stores_[replica], *hosts_[replica]);
  (void)nodes_[replica]->start(local_now(replica));
  check_stopped(replica);
}

// A Node whose storage failed has stopped itself; it counts as crashed.
void Simulation::Impl::check_stopped(ReplicaIndex replica) {
  if (crashed_[replica] || !nodes_[replica] || !nodes_[replica]->stopped()) return;
  crash(replica);
  report_.node_stops.push_back(NodeStopRow{replica, now_, *nodes_[replica]->stop_reason()});
  if (tracing()) trace(NodeStoppedRecord{replica, *nodes_[replica]->stop_reason()});
}

void Simulation::Impl::crash(ReplicaIndex replica) {
  crashed_[replica] = true;
  for (auto& generation : timer_generation_[replica]) ++generation;  // pending timers die with it
  timer_deadline_[replica] = {};
  disks_[replica]->crash();  // what was not synced is lost (or torn)
}

RunReport Simulation::Impl::run() {
  // A network fault (partition, cut, link, clog) at time 0 is in place
  // before the replicas start, so it meets their first sends.
  const auto network_fault_at_0 = [&](const Fault& fault) {
    return fault_filter(fault) != nullptr && !fault_at_view(fault) && fault_at(fault) == 0;
  };
  for (std::size_t f = 0; f < faults_.size(); ++f)
    if (network_fault_at_0(faults_[f])) queue_.push(0, Event{EventKind::fault_begin, 0, 0, f, nullptr});
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r)
    queue_.push(0, Event{EventKind::replica_start, r, r, 0, nullptr});
  for (std::size_t c = 0; c < clients_.size(); ++c) {
    const EndpointIndex endpoint = client_endpoint(clients_[c].id());
    const std::uint32_t initial =
        scenario_.clients.mode == ClientMode::closed ? scenario_.clients.outstanding_max : 1;
    for (std::uint32_t i = 0; i < initial; ++i)
      queue_.push(scenario_.clients.start, Event{EventKind::client_issue, endpoint, endpoint, c, nullptr});
  }
  for (std::size_t f = 0; f < faults_.size(); ++f) {
    const Fault& fault = faults_[f];
    if (fault_at_view(fault)) continue;  // on_view_entered starts it
    if (!network_fault_at_0(fault)) queue_.push(fault_at(fault), Event{EventKind::fault_begin, 0, 0, f, nullptr});
    if (auto until = fault_until(fault))
      queue_.push(*until, Event{EventKind::fault_end, 0, 0, f, nullptr});
  }

  while (!queue_.empty() && queue_.top().at <= scenario_.duration && !report_.safety_violation && !views_done_) {
    auto entry = queue_.pop();
    now_ = entry.at;
    ++event_index_;
    const Event& event = entry.payload;
    remember(event);
    trace_hash_.add_value(now_);
    trace_hash_.add_value(static_cast<std::uint8_t>(event.kind));
    trace_hash_.add_value(event.to);
    trace_hash_.add_value(event.from);
    trace_hash_.add_value(event.arg);
    if (event.bytes) trace_hash_.add(event.bytes->data(), event.bytes->size());
    if (tracing()) trace_event(event);
    dispatch(event);
  }
  report_.end_time = report_.safety_violation || views_done_ ? now_ : scenario_.duration;
  // A view-keyed fault that never began left no window.
  for (std::size_t f = faults_.size(); f-- > 0;)
    if (fault_at_view(faults_[f]) && !view_windows_.begun(f))
      report_.faults.erase(report_.faults.begin() + static_cast<std::ptrdiff_t>(f));
  report_.event_count = event_index_;

  // What the clients observed must be explainable by one sequential KV.
  const LinearizabilityResult linearizability = check_linearizability(history_);
  if (!linearizability.linearizable) {
    report_.linearizability = "violated";
    violate(Violation{"linearizability", 0, 0, linearizability.explanation, {}, {}});
  } else if (linearizability.exhausted) {
    report_.linearizability = "unknown";
  }

  if (report_.safety_violation) {
    report_.safety = Verdict::violated;
    report_.liveness = Verdict::unchecked;
  } else if (scenario_.expect.liveness == LivenessExpectation::unchecked) {
    report_.liveness = Verdict::unchecked;
  } else {
    report_.liveness_violation = liveness_.finish(report_.end_time, event_index_);
    if (!report_.liveness_violation) {
      for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
        if (crashed_[r] || !is_honest(r)) continue;
        const Height height = nodes_[r]->replica().committed_height();
        if (height < scenario_.expect.commit_height_min) {
          report_.liveness_violation = Violation{
              "commit_height_min", event_index_, report_.end_time,
              fmt::format("replica {} committed height {} < min_commits {}", r, height,
                          scenario_.expect.commit_height_min),
              {r}, {}};
          break;
        }
      }
    }
    report_.liveness = report_.liveness_violation ? Verdict::violated : Verdict::holds;
  }
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
    if (!is_honest(r)) continue;
    for (std::size_t d = 0; d < drop_reason_count; ++d)
      report_.replica_drops[d] += nodes_[r]->replica().drop_count(static_cast<DropReason>(d));
  }
  report_.decided_height = agreement_->decided_height();
  report_.requests_issued = requests_issued_;
  // An expected violation must also be the expected check's, when it names one.
  const bool safety_ok =
      (report_.safety == Verdict::holds) == (scenario_.expect.safety == SafetyExpectation::holds) &&
      (scenario_.expect.check.empty() || !report_.safety_violation ||
       report_.safety_violation->check == scenario_.expect.check);
  const bool liveness_ok =
      scenario_.expect.liveness == LivenessExpectation::unchecked ||
      (report_.liveness == Verdict::holds &&
       scenario_.expect.liveness == LivenessExpectation::holds) ||
      (report_.liveness == Verdict::violated &&
       scenario_.expect.liveness == LivenessExpectation::violated);
  report_.as_expected = safety_ok && liveness_ok;
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
    const SimDiskCounters& disk = disks_[r]->counters();
    StorageRow row{r, disk.syncs, disk.bytes_written, disk.crashes, disk.bit_flips, disk.torn_appends,
                   disk.full_rejections, disk.sync_delay_total, 0, 0, disks_[r]->stored_bytes(), 0};
    if (const Db* db = stores_[r]->db()) {
      const DbStats stats = db->stats();
      row.flushes = stats.flush_count;
      row.compactions = stats.compaction_count;
    }
    if (nodes_[r]) row.states_installed = nodes_[r]->states_installed();
    report_.storage.push_back(row);
  }
  report_.trace_hash = trace_hash_.finish();
  return std::move(report_);
}

// The record of one step, before it runs: a delivery says what it carries,
// a timer whether it still counts, a fault what it is.
void Simulation::Impl::trace_event(const Event& event) {
  EventRecord record{.kind = event.kind, .from = event.from, .to = event.to, .arg = event.arg};
  if (event.bytes) record.size_bytes = event.bytes->size();
  if (event.kind == EventKind::deliver) {
    record.message_id = event.message_id;
    record.copy = event.copy;
    record.instance = event.instance;
    record.to_instance = event.to_instance;
    auto decoded = decode_message(*event.bytes);
    record.label = decoded ? message_label(*decoded) : std::string("malformed");
    if (decoded) record.message = std::make_shared<const Message>(std::move(*decoded));
  } else if (event.kind == EventKind::timer) {
    record.stale = crashed_[event.to] || event.arg != timer_generation_[event.to][event.instance];
  } else if (event.kind == EventKind::fault_begin || event.kind == EventKind::fault_end) {
    record.fault_kind = report_.faults[event.arg].kind;
    record.fault_target = report_.faults[event.arg].target;
    std::visit(
        [&](const auto& f) {
          if constexpr (requires { f.replica; }) record.fault_replica = f.replica;
        },
        faults_[event.arg]);
  }
  trace(std::move(record));
}

void Simulation::Impl::dispatch(const Event& event) {
  switch (event.kind) {
    case EventKind::replica_start:
      return start_replica(event.to, false);
    case EventKind::deliver:
      return on_deliver(event);
    case EventKind::timer: {
      const ReplicaIndex r = event.to;
      if (crashed_[r] || event.arg != timer_generation_[r][event.instance]) return;
      timer_deadline_[r][event.instance].reset();
      if (!is_honest(r)) {
        outbox_ = {};
        actors_[r]->on_timer(event.instance, local_now(r), outbox_);
        return apply_outbox(r);
      }
      nodes_[r]->on_timer(TimerKind::view, local_now(r));
      return check_stopped(r);
    }
    case EventKind::client_issue: {
      const std::size_t c = event.arg;
      issue_request(c);
      if (scenario_.clients.mode == ClientMode::open) {
        const Duration gap = clients_[c].next_interarrival();
        queue_.push(now_ + gap, Event{EventKind::client_issue, event.to, event.to, c, nullptr});
      }
      return;
    }
    case EventKind::client_retry: {
      Client& client = clients_[event.to - scenario_.replica_count];
      if (auto request = client.retry(event.arg)) {
        broadcast_from_client(event.to, *request);
        queue_.push(now_ + scenario_.clients.request_timeout,
                    Event{EventKind::client_retry, event.to, event.to, event.arg, nullptr});
      }
      return;
    }
    case EventKind::fault_begin:
      return on_fault(event.arg, true);
    case EventKind::fault_end:
      return on_fault(event.arg, false);
  }
}

void Simulation::Impl::on_fault(std::size_t fault_index, bool begin) {
  const Fault& fault = faults_[fault_index];
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, CrashFault>) {
          if (!crashed_[f.replica]) crash(f.replica);
        } else if constexpr (std::is_same_v<T, RestartFault>) {
          if (!crashed_[f.replica]) return;
          // Memory is lost; the Node recovers what its disk kept, and that
          // must be a state the cluster decided.
          crashed_[f.replica] = false;
          close_crash_rows(f.replica);
          start_replica(f.replica, true);
          if (is_honest(f.replica) && !crashed_[f.replica]) {
            const Node& node = *nodes_[f.replica];
            for (auto& checker : checkers_)
              violate(checker->on_recover(f.replica, node.replica().committed_height(),
                                          node.replica().committed_hash(), node.state_machine().digest()));
          }
        } else if constexpr (std::is_same_v<T, PartitionFault>) {
          if (begin) {
            network_.set_partition(fault_index, f);
          } else {
            network_.clear_partition(fault_index);
          }
        } else if constexpr (std::is_same_v<T, CutFault>) {
          if (begin) {
            network_.set_cut(fault_index, f);
          } else {
            network_.clear_cut(fault_index);
          }
        } else if constexpr (std::is_same_v<T, LinkFault>) {
          if (begin) {
            network_.set_link_fault(fault_index, f);
          } else {
            network_.clear_link_fault(fault_index);
          }
        } else if constexpr (std::is_same_v<T, DiskFault>) {
          const auto flipped = apply_disk_fault(*disks_[f.replica], f, begin);
          if (tracing())
            for (const DiskCorruption& corruption : flipped)
              trace(DiskCorruptRecord{f.replica, corruption.path, corruption.offset});
        } else if constexpr (std::is_same_v<T, ClockFault>) {
          // The clock jumps or changes pace: each pending deadline moves.
          if (begin) {
            clocks_.set(fault_index, f);
          } else {
            clocks_.clear(fault_index, f.replica);
          }
          if (crashed_[f.replica]) return;
          for (std::uint8_t k = 0; k < timer_deadline_[f.replica].size(); ++k)
            if (const std::optional<Instant> deadline = timer_deadline_[f.replica][k]) arm_timer(f.replica, k, *deadline);
        } else if constexpr (std::is_same_v<T, ClogFault>) {
          // Held messages already know when they leave (VirtualNetwork::route),
          // except a view-keyed clog's: they leave now, each with a fresh latency.
          if (begin) {
            network_.set_clog(fault_index, f);
          } else {
            network_.clear_clog(fault_index);
            for (const Event& held : held_[fault_index])
              queue_.push(now_ + network_.release_delay(held.from, held.to), held);
            held_.erase(fault_index);
          }
        }
      },
      fault);
}

void Simulation::Impl::transmit(EndpointIndex from, EndpointIndex to, MessageType type,
                                const std::shared_ptr<const Bytes>& bytes, std::uint8_t from_instance,
                                Duration extra_delay, std::optional<View> view) {
  MessageCounters& counters = report_.messages[static_cast<std::size_t>(type) - 1];
  ++counters.sent;
  counters.bytes_sent += bytes->size();
  const MessageTag tag{type, view};
  const LinkOutcome outcome = network_.route(from, to, now_ + extra_delay, bytes->size(), tag);
  // The instances of `to` that hear it: one, unless `to` is a twin (a
  // client's request reaches a twin once; deliver_to_actor hands it to both).
  std::array<std::uint8_t, 2> heard{};
  std::size_t heard_count = 0;
  if (!outcome.lost) {
    const std::uint8_t count = is_replica(from) ? twins_->instance_count(to) : 1;
    for (std::uint8_t k = 0; k < count && heard_count < heard.size(); ++k)
      if (twins_->reaches(network_, from, from_instance, to, k, tag)) heard[heard_count++] = k;
  }
  const bool dropped = heard_count == 0;
  const std::uint64_t message_id = ++message_count_;
  if (tracing()) {
    const auto decoded = decode_message(*bytes);
    trace(SendRecord{from, to, type, message_id, bytes->size(),
                     dropped ? 0 : static_cast<std::uint32_t>(outcome.delays.size() * heard_count), extra_delay,
                     decoded ? message_label(*decoded) : std::string("malformed")});
  }
  if (dropped) {
    ++counters.dropped;
    return;
  }
  counters.duplicated += outcome.delays.size() - 1;
  BFTSIM_ASSERT(outcome.delays.size() <= 255);  // a copy number fits Event::copy
  std::uint8_t copy = 0;
  for (Duration delay : outcome.delays)
    for (std::size_t i = 0; i < heard_count; ++i) {
      Event event{EventKind::deliver, to,     from,     static_cast<std::uint64_t>(type), bytes, from_instance,
                  message_id,         copy++, outcome.sequence, heard[i],                         view};
      if (outcome.held_by_view_clog) {
        held_[*outcome.held_by_view_clog].push_back(std::move(event));
      } else {
        queue_.push(now_ + extra_delay + delay, std::move(event));
      }
    }
}


void Simulation::Impl::apply_outbox(ReplicaIndex replica) {
  for (auto& send : outbox_.sends)
    transmit(replica, send.to, send.type, std::make_shared<const Bytes>(std::move(send.bytes)), send.from_instance,
             send.delay, send.view.value_or(actors_[replica]->view(send.from_instance)));
  for (const auto& timer : outbox_.timers) {
    arm_timer(replica, timer.instance, timer.at);
  }
  outbox_ = {};
}

void Simulation::Impl::arm_timer(ReplicaIndex replica, std::uint8_t instance, Instant local_deadline) {
  const std::uint64_t generation = ++timer_generation_[replica][instance];
  timer_deadline_[replica][instance] = local_deadline;
  queue_.push(clocks_.real_time_of(replica, local_deadline, now_),
              Event{EventKind::timer, replica, replica, generation, nullptr, instance});
}

void Simulation::Impl::deliver_to_actor(const Event& event, const Message& message) {
  ByzantineActor& actor = *actors_[event.to];
  outbox_ = {};
  if (!is_replica(event.from)) {
    if (const auto* request = std::get_if<ClientRequest>(&message))
      for (std::uint8_t k = 0; k < actor.instance_count(); ++k)
        actor.on_client_request(k, *request, local_now(event.to), outbox_);
  } else {
    // Twins: transmit chose the instance (reaches()).
    BFTSIM_ASSERT(event.to_instance < actor.instance_count());
    actor.on_message(event.to_instance, event.from, message, local_now(event.to), outbox_);
  }
  apply_outbox(event.to);
}

void Simulation::Impl::on_deliver(const Event& event) {
  MessageCounters& counters = report_.messages[event.arg - 1];
  if ((is_replica(event.to) && crashed_[event.to]) ||
      network_.dropped_in_flight(event.from, event.to, event.sequence,
                                 MessageTag{static_cast<MessageType>(event.arg), event.view}, event.instance,
                                 event.to_instance)) {
    ++counters.dropped;
    return;
  }
  auto decoded = decode_message(*event.bytes);
  if (!decoded) {
    ++counters.malformed;
    return;
  }
  ++counters.delivered;
  if (is_replica(event.to) && !is_honest(event.to)) return deliver_to_actor(event, *decoded);
  if (is_replica(event.to)) {
    const ReplicaIndex r = event.to;
    if (is_replica(event.from)) {
      nodes_[r]->on_message(event.from, *decoded, local_now(r));
    } else if (const auto* request = std::get_if<ClientRequest>(&*decoded)) {
      nodes_[r]->on_client_request(*request, local_now(r));
    }
    return check_stopped(r);  // clients send nothing else to replicas
  }
  const auto* reply = std::get_if<ClientReply>(&*decoded);
  if (reply == nullptr || !is_replica(event.from)) return;
  const std::size_t c = event.to - scenario_.replica_count;
  if (auto done = clients_[c].on_reply(event.from, *reply, now_)) {
    HistoryOp& op = history_[history_index_.at({done->client, done->number})];
    op.completed_at = done->completed_at;
    op.result = done->result;
    report_.requests.push_back(std::move(*done));
    if (scenario_.clients.mode == ClientMode::closed) issue_request(c);
  }
}

void Simulation::Impl::issue_request(std::size_t client_index) {
  if (now_ > scenario_.duration) return;
  if (scenario_.clients.op_count_max != 0 && requests_issued_ >= scenario_.clients.op_count_max)
    return;
  Client& client = clients_[client_index];
  if (client.outstanding_count() >= open_loop_outstanding_max) return;
  ++requests_issued_;
  const ClientRequest request = client.issue(now_);
  for (auto& checker : checkers_) violate(checker->on_issue(request));
  history_index_.emplace(std::make_pair(request.client, request.number), history_.size());
  history_.push_back(HistoryOp{history_.size(), request.client, request.number, request.op, now_, std::nullopt,
                               std::nullopt});
  const EndpointIndex endpoint = client_endpoint(client.id());
  broadcast_from_client(endpoint, request);
  queue_.push(now_ + scenario_.clients.request_timeout,
              Event{EventKind::client_retry, endpoint, endpoint, request.number, nullptr});
}

void Simulation::Impl::broadcast_from_client(EndpointIndex from, const ClientRequest& request) {
  auto bytes = std::make_shared<const Bytes>(encode_message(Message{request}));
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r)
    transmit(from, r, MessageType::client_request, bytes);
}

void Simulation::Impl::remember(const Event& event) {
  recent_events_.push_back({event_index_, now_, event.kind, event.from, event.to, event.arg});
  if (recent_events_.size() > 256) recent_events_.pop_front();
}

// Records the first safety violation, stamped with this event and the last
// events that touched its replicas.
void Simulation::Impl::violate(std::optional<Violation> violation) {
  if (!violation || report_.safety_violation) return;
  violation->event_index = event_index_;
  violation->at = now_;
  for (auto it = recent_events_.rbegin(); it != recent_events_.rend() && violation->context.size() < 12; ++it) {
    const bool touches = violation->replicas.empty() ||
                         std::any_of(violation->replicas.begin(), violation->replicas.end(),
                                     [&](ReplicaIndex r) { return it->from == r || it->to == r; });
    if (!touches) continue;
    const bool message = it->kind == EventKind::deliver;
    violation->context.push_back(fmt::format(
        "event {} t={}ns {} {}->{}{}", it->index, it->at, event_kind_name(it->kind), it->from, it->to,
        message ? fmt::format(" {}", message_type_name(static_cast<MessageType>(it->arg))) : std::string()));
  }
  report_.safety_violation = std::move(violation);
}

// No honest replica votes for two blocks in one view.
void Simulation::Impl::check_honest_send(ReplicaIndex replica, const Message& message) {
  if (const auto* vote = std::get_if<Vote>(&message))
    for (auto& checker : checkers_) violate(checker->on_vote(replica, *vote));
}

void Simulation::Impl::on_commit(ReplicaIndex replica, const CommittedBlock& commit) {
  const Height decided_before = agreement_->decided_height();
  const CommitObservation observation{replica,          commit.height,        commit.block_hash,
                                      commit.block->parent_hash, commit.state_digest, commit.block->batch,
                                      event_index_,     now_};
  for (auto& checker : checkers_) violate(checker->on_commit(observation));
  CommitRow row{replica, commit.height, commit.block->view, commit.block_hash,
                commit.block->proposer, commit.block->batch.size(), std::nullopt, now_};
  if (auto it = proposed_at_.find(commit.block->view); it != proposed_at_.end())
    row.proposed_at = it->second;
  report_.commits.push_back(row);
  if (tracing()) trace(CommitRecord{replica, commit.height, commit.block->view, commit.block_hash.short_hex(),
                                     commit.block->parent_hash.short_hex()});
  if (agreement_->decided_height() > decided_before) {
    report_.committed_op_count += commit.block->batch.size();
    if (commit.block->proposer < report_.committed_blocks_by_proposer.size())
      ++report_.committed_blocks_by_proposer[commit.block->proposer];
    liveness_.on_progress(now_);
    last_progress_ = now_;
    for (auto& change : report_.view_changes)
      if (change.first_proposal && !change.first_commit) change.first_commit = now_;
  }
}

// What was wrong when `view` first timed out at honest `replica` (view_change_cause.h).
ViewChangeCause Simulation::Impl::view_change_cause(ReplicaIndex replica, View view) const {
  const ReplicaIndex leader = nodes_[replica]->replica().leader_of(view);
  ViewChangeFacts facts;
  facts.leader_crashed = crashed_[leader] || (nodes_[leader] && nodes_[leader]->stopped());
  for (const ByzantineSpec& spec : scenario_.byzantine)
    if (spec.replica == leader) facts.leader_behaviors = spec.behaviors;
  facts.partition_active = network_.partition_active();
  facts.leader_disk_slow = disks_[leader]->slow_latency().has_value();
  facts.lossy = network_.lossy();
  return classify_view_change(facts);
}

void Simulation::Impl::on_note(ReplicaIndex replica, const NoteEffect& note) {
  if (tracing()) trace(NoteRecord{replica, note.kind, note.view});
  switch (note.kind) {
    case NoteKind::proposal_sent:
      proposed_at_.emplace(note.view, now_);
      for (auto& change : report_.view_changes)
        if (change.tc_formed && !change.first_proposal && note.view > change.failed_view)
          change.first_proposal = now_;
      return;
    case NoteKind::timeout_sent:
      if (!view_change_row_.contains(note.view)) {
        view_change_row_.emplace(note.view, report_.view_changes.size());
        report_.view_changes.push_back(
            ViewChangeRow{note.view, last_progress_, now_, {}, {}, {}, view_change_cause(replica, note.view)});
      }
      return;
    case NoteKind::tc_formed:
      if (auto it = view_change_row_.find(note.view); it != view_change_row_.end()) {
        auto& change = report_.view_changes[it->second];
        if (!change.tc_formed) change.tc_formed = now_;
      }
      return;
    case NoteKind::view_entered_by_qc:
    case NoteKind::view_entered_by_tc:
      return on_view_entered(note.view);
    case NoteKind::qc_formed:
      return;
  }
}

void Simulation::Impl::on_view_entered(View view) {
  for (const ViewWindows::Transition& transition : view_windows_.on_view_entered(view))
    view_fault(transition.fault_id, transition.begin);
  if (scenario_.duration_views && view >= *scenario_.duration_views) views_done_ = true;
}

// A network fault switches at once, so the sends of the step that entered the
// view already see it; a crash or restart comes right after this event, once
// the replica that entered the view has applied its effects.
void Simulation::Impl::view_fault(std::size_t fault_index, bool begin) {
  FaultRow& row = report_.faults[fault_index];  // fault_rows: one row per fault, in fault id order
  if (begin) row.start = now_;
  else row.end = now_;
  liveness_.extend_gst(now_);
  const Fault& fault = faults_[fault_index];
  if (std::holds_alternative<CrashFault>(fault) || std::holds_alternative<RestartFault>(fault)) {
    queue_.push(now_, Event{EventKind::fault_begin, 0, 0, fault_index, nullptr});
    return;
  }
  on_fault(fault_index, begin);
}

Simulation::Simulation(const Scenario& scenario, SimulationOptions options)
    : impl_(std::make_unique<Impl>(scenario, options)) {}
Simulation::~Simulation() = default;
RunReport Simulation::run() { return impl_->run(); }

}  // namespace bftsim
