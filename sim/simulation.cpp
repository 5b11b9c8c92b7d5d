// One simulation run (simulation.h): construction, replica start and crash,
// the event loop, dispatch of each event, and the trace record of each step.
// The rest of Simulation::Impl lives beside it (simulation_impl.h lists the files).
#include "sim/simulation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/types/assert.h"
#include "sim/check/certificate_checker.h"
#include "sim/check/integrity_checker.h"
#include "sim/check/vote_checker.h"
#include "sim/net/fault_schedule.h"
#include "sim/simulation_impl.h"

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
      verifier_(scenario.crypto == CryptoKind::ed25519 || scenario.replica_count >= verdict_cache_fast_min
                    ? std::make_shared<VerdictCache>(keys_->verifier())
                    : keys_->verifier()),
      crashed_(scenario.replica_count, false),
      timer_generation_(scenario.replica_count, {0, 0}),
      timer_deadline_(scenario.replica_count),
      clocks_(scenario.replica_count),
      view_windows_(faults_),
      event_rate_(scenario.event_rate_max.value_or(event_rate_max_default(scenario.replica_count))),
      liveness_(global_stabilization_time(faults_), scenario.expect.within) {
  BFTSIM_ASSERT(scenario.replica_count >= 3 * scenario.faulty_count + 1);
  checkers_.push_back(std::make_unique<IntegrityChecker>());
  auto agreement = std::make_unique<AgreementChecker>(scenario.replica_count);
  agreement_ = agreement.get();
  checkers_.push_back(std::move(agreement));
  checkers_.push_back(std::make_unique<VoteChecker>());
  // The checker asks the run's verdicts too: a verdict is a pure function of
  // (signer, bytes, signature), so it gets the KeyRing's answer either way,
  // and a QC's signatures, which the leader verified as votes, are not
  // verified a second time (the Ed25519 demo: 30% of its CPU).
  checkers_.push_back(std::make_unique<CertificateChecker>(verifier_, scenario.protocol.chain_id,
                                                           scenario.replica_count, scenario.faulty_count));
  nodes_.resize(scenario.replica_count);
  disk_busy_until_.assign(scenario.replica_count, 0);
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r) {
    disks_.push_back(std::make_unique<SimDisk>(SimDisk::disk_stream(options.seed, r)));
    if (scenario.storage.engine == StorageEngine::memory) {
      stores_.push_back(std::make_unique<MemoryNodeStore>());
      lsm_stores_.push_back(nullptr);
      continue;
    }
    LsmNodeStoreOptions store_options;
    store_options.unsafe_skip_sync = scenario.storage.unsafe_skip_sync;
    auto store = std::make_unique<LsmNodeStore>(*disks_[r], "node", store_options);
    lsm_stores_.push_back(store.get());
    stores_.push_back(std::move(store));
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
  report_.expected_cut_off = scenario.expect.cut_off;
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
  config.fetch_retry = scenario_.protocol.fetch_retry;
  config.propose_before_sync = scenario_.protocol.propose_before_sync;
  config.commit_rule = scenario_.protocol.commit_rule;
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
  nodes_[replica] = std::make_unique<Node>(replica_config(replica), keys_->signer(replica), verifier_,
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
    if (event_rate_.exceeded_after(now_)) {
      // An event storm: stop before this event runs (it is not counted, traced or hashed).
      report_.cut_off = CutOff{event_index_, now_, event_rate_.window_start(), event_rate_window,
                               event_rate_.window_events(),
                               scenario_.event_rate_max.value_or(event_rate_max_default(scenario_.replica_count))};
      break;
    }
    ++event_index_;
    const Event& event = entry.payload;
    remember(event);
    trace_hash_.add_event(now_, event);
    if (tracing()) trace_event(event);
    dispatch(event);
  }
  return finish();
}

// The record of one step, before it runs: a delivery says what it carries,
// a timer whether it still counts, a fault what it is.
void Simulation::Impl::trace_event(const Event& event) {
  EventRecord record{.kind = event.kind, .from = event.from, .to = event.to, .arg = event.arg};
  if (event.wire) record.size_bytes = event.wire->size();
  if (event.kind == EventKind::deliver) {
    record.message_id = event.message_id;
    record.copy = event.copy;
    record.instance = event.instance;
    record.to_instance = event.to_instance;
    const std::shared_ptr<const SharedMessage>& decoded = event.wire->decoded();
    record.label = decoded ? message_label(decoded->message()) : std::string("malformed");
    if (decoded) record.message = std::shared_ptr<const Message>(decoded, &decoded->message());
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
      nodes_[r]->on_timer(static_cast<TimerKind>(event.instance), local_now(r));
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

Simulation::Simulation(const Scenario& scenario, SimulationOptions options)
    : impl_(std::make_unique<Impl>(scenario, options)) {}
Simulation::~Simulation() = default;
RunReport Simulation::run() { return impl_->run(); }

}  // namespace bftsim

