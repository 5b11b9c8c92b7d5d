// Simulation::Impl's traffic: a send becomes deliveries on the virtual
// network (loss, duplication, partitions, twins, view-keyed clogs), a delivery
// reaches a Node, a Byzantine actor (whose outbox is sent here) or a client;
// timers are armed on each replica's own clock; clients issue and retry requests.
#include <array>
#include <optional>
#include <string>

#include "core/types/assert.h"
#include "sim/simulation_impl.h"

namespace bftsim {

void Simulation::Impl::transmit(EndpointIndex from, EndpointIndex to, MessageType type,
                                const std::shared_ptr<const WireMessage>& wire, std::uint8_t from_instance,
                                Duration extra_delay, std::optional<View> view) {
  MessageCounters& counters = report_.messages[static_cast<std::size_t>(type) - 1];
  ++counters.sent;
  counters.bytes_sent += wire->size();
  const MessageTag tag{type, view};
  const LinkOutcome outcome = network_.route(from, to, now_ + extra_delay, wire->size(), tag);
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
    const auto& decoded = wire->decoded();
    trace(SendRecord{from, to, type, message_id, wire->size(),
                     dropped ? 0 : static_cast<std::uint32_t>(outcome.delays.size() * heard_count), extra_delay,
                     decoded ? message_label(decoded->message()) : std::string("malformed")});
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
      Event event{EventKind::deliver, to,     from,     static_cast<std::uint64_t>(type), wire, from_instance,
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
    transmit(replica, send.to, send.type, std::make_shared<const WireMessage>(std::move(send.bytes)), send.from_instance,
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
  const std::shared_ptr<const SharedMessage>& shared = event.wire->decoded();
  if (shared == nullptr) {
    ++counters.malformed;
    return;
  }
  ++counters.delivered;
  const Message* decoded = &shared->message();
  if (is_replica(event.to) && !is_honest(event.to)) return deliver_to_actor(event, *decoded);
  if (is_replica(event.to)) {
    const ReplicaIndex r = event.to;
    if (is_replica(event.from)) {
      nodes_[r]->on_message(event.from, shared, local_now(r));
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
  auto wire = std::make_shared<const WireMessage>(encode_message(Message{request}));
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r)
    transmit(from, r, MessageType::client_request, wire);
}

}  // namespace bftsim
