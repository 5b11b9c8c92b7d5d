// bft-node's event loop around the core Node (node_server.h).
#include "runner/node_server.h"

#include <asio/post.hpp>
#include <fmt/format.h>

#include "core/codec/frame.h"
#include "core/protocol/client_auth.h"
#include "core/protocol/codec.h"
#include "core/storage/file_system.h"
#include "runner/client_door.h"
#include "runner/notifying_store.h"
#include "runner/peer_network.h"
#include "runner/stream.h"
#include "runner/thread_background.h"

namespace bftsim::runner {
namespace {

// The state machine applies a client's numbers at most request_window_max
// below its highest; the door keeps well inside that. Each request is a
// batch of the operations queued since the last one left (up to
// batch_ops_max and batch_door_bytes_max), signed once.
constexpr std::size_t door_outstanding_max = 64;
constexpr std::size_t batch_door_bytes_max = batch_size_bytes_max - 4096;
constexpr auto durable_reply_delay = std::chrono::milliseconds(10);
constexpr Duration door_retry_after = ns_per_s;

// The LSM's sizes for a replica under load (README, "Speed of the runner").
// Flushes and compactions run on the LSM's background thread: run inside a
// loop handler (no DbOptions::background, bft-node --storage-flush inline), a
// flush and the compactions after it (~95 ms median) came at the same
// height on every replica (they store the same blocks), so each stalled the
// whole cluster, and the p99 and p99.9 latencies were those stalls. In the
// background they cost no handler time but still CPU and disk on a small
// machine, so the sizes chosen then still pay: a larger memtable holds the
// blocks and client records that are overwritten or deleted soon, so far
// fewer bytes reach a table (with 4 MiB, a 300,000-write bench flushed 10
// times per node; with 16 MiB, once); a write stalls only if the next 16 MiB
// fill before the last flush ends, and two memtables (32 MiB) are in memory
// at most; the WAL limit must exceed the memtable or the log would trigger
// the flushes; larger tables and level 1 mean fewer files, so fewer syncs
// per compaction.
LsmNodeStoreOptions node_store_options(bool background_work) {
  LsmNodeStoreOptions options;
  options.db.background = background_work ? &thread_background() : nullptr;
  options.db.memtable_size_bytes_max = 16u << 20;
  options.db.wal_size_bytes_max = 64u << 20;
  options.db.table_size_bytes_target = 8u << 20;
  options.db.level1_size_bytes_max = 40u << 20;
  options.host_syncs = true;  // NodeServer::request_sync
  return options;
}

std::vector<std::uint8_t> framed_message(const Message& message) {
  std::vector<std::uint8_t> out;
  append_frame(out, encode_message(message));
  return out;
}

}  // namespace

NodeServer::NodeServer(asio::io_context& io, ClusterConfig cluster, ReplicaIndex self, const Ed25519Seed& seed,
                       NodeServerOptions options)
    : io_(io),
      cluster_(std::move(cluster)),
      self_(self),
      options_(std::move(options)),
      started_at_(std::chrono::steady_clock::now()),
      fs_(options_.file_system ? *options_.file_system : posix_fs_, options_.sync_delay),
      view_timer_(io),
      fetch_timer_(io),
      sync_timer_(io),
      status_timer_(io),
      retry_timer_(io),
      door_seed_(std::make_unique<Ed25519Seed>(random_ed25519_seed())) {
  door_client_id_ = client_id_of(ed25519_public_key(*door_seed_));
  lsm_store_ = std::make_unique<LsmNodeStore>(fs_, options_.data_dir,
                                              node_store_options(options_.storage_background_work));
  store_ = std::make_unique<NotifyingStore>(*lsm_store_, [this] {
    persist_mark_ = lsm_store_->db()->write_mark();
    request_sync();
  }, store_ns_);
  if (options_.sync_on_thread)
    sync_thread_ = std::make_unique<SyncThread>(
        io_, [this](std::uint64_t mark, const Status& status) { on_synced(mark, status); });
  trace_ = StageTrace::from_environment(fmt::format("node-{}", self_));
  node_ = std::make_unique<Node>(cluster_.replica_config(self_), make_ed25519_signer(self_, seed),
                                 make_ed25519_verifier(cluster_.public_keys()), *store_, *this);
  peers_ = std::make_unique<PeerNetwork>(io_, cluster_, self_, seed, counters_,
                                         [this](ReplicaIndex from, Message message) {
                                           on_peer_message(from, std::move(message));
                                         });
  door_ = std::make_unique<ClientDoor>(io_, *this, counters_);
}

NodeServer::~NodeServer() = default;

Instant NodeServer::now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started_at_)
      .count();
}

Status NodeServer::start() {
  if (auto status = fs_.create_dir(options_.data_dir); !status) return status;
  if (auto status = node_->start(now()); !status) return status;
  if (auto status = peers_->start(options_.peer_listen_socket); !status) return status;
  const ReplicaAddress& me = cluster_.replicas[self_];
  if (auto status = door_->start(me.host, me.client_port, options_.client_listen_socket); !status) return status;
  fmt::print(stderr, "bft-node {}: started: peers on {}:{}, clients on {}:{}, data in {}, recovered height {}\n",
             self_, me.host, me.port, me.host, me.client_port, options_.data_dir,
             node_->replica().committed_height());
  last_status_at_ = now();
  arm_status_timer();
  arm_retry_timer();
  after_input();
  return {};
}

void NodeServer::stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  // Make every executed commit durable before going (a clean shutdown loses
  // nothing); not after a failed sync, whose retry may falsely succeed.
  if (sync_thread_) sync_thread_->stop();
  if (!node_->stopped() && !failure_) {
    Status status = lsm_store_->persist_safety(node_->replica().safety_state());
    if (status) status = lsm_store_->sync();
    if (!status) fmt::print(stderr, "bft-node {}: final sync failed: {}\n", self_, status.error().message);
  }
  fmt::print(stderr, "bft-node {}: stopping ({}) at view {} height {}\n", self_, why, node_->replica().view(),
             node_->replica().committed_height());
  asio::error_code ignored;
  view_timer_.cancel();
  fetch_timer_.cancel();
  sync_timer_.cancel();
  status_timer_.cancel();
  retry_timer_.cancel();
  peers_->stop();
  door_->stop();
}

// ---- inputs ----

void NodeServer::on_peer_message(ReplicaIndex from, Message message) {
  if (stopping_) return;
  const HandlerMark mark = handler_begin();
  if (trace_)
    if (const auto* proposal = std::get_if<Proposal>(&message))
      trace_->line("p {} {} {}", proposal->block.view, proposal->block.height, mark.wall);
  // A request a peer relays (its RESP door's) is signed by its client; the
  // replica checks that, so the relay cannot forge one.
  if (auto* request = std::get_if<ClientRequest>(&message))
    node_->on_client_request(*request, now());
  else
    node_->on_message(from, message, now());
  after_input();
  handler_end(message_type_name(message_type(message)), mark);
}

void NodeServer::submit_client_request(const ClientRequest& request, const std::weak_ptr<Stream>& reply_to) {
  if (stopping_) return;
  const HandlerMark mark = handler_begin();
  if (trace_) trace_->line("r {} {} {}", request.client, request.number, mark.wall);
  client_routes_[request.client] = reply_to;
  node_->on_client_request(request, now());
  after_input();
  handler_end("client_request", mark);
}

void NodeServer::submit_operation(Operation op, std::function<void(const OpResult&)> done) {
  if (stopping_) return;
  door_queued_.emplace_back(std::move(op), std::move(done));
  // Send at the end of this turn of the loop, so the commands that arrived
  // together (pipelined, or from several connections) share one request.
  if (door_flush_posted_) return;
  door_flush_posted_ = true;
  asio::post(io_, [this] {
    door_flush_posted_ = false;
    if (stopping_) return;
    start_door_queued();
    after_input();
  });
}

void NodeServer::start_door_queued() {
  while (!door_queued_.empty() && door_pending_.size() < door_outstanding_max) {
    DoorRequest pending;
    Operation batch{OpType::batch, {}, {}, {}, {}};
    std::size_t batch_bytes = 0;
    while (!door_queued_.empty() && batch.ops.size() < batch_ops_max) {
      const std::size_t op_bytes = encode_operation(door_queued_.front().first).size();
      if (!batch.ops.empty() && batch_bytes + op_bytes > batch_door_bytes_max) break;
      batch_bytes += op_bytes;
      auto [op, done] = std::move(door_queued_.front());
      door_queued_.pop_front();
      batch.ops.push_back(std::move(op));
      pending.done.push_back(std::move(done));
    }
    pending.request.number = door_next_number_++;
    // A lone operation goes as itself.
    pending.request.op = batch.ops.size() == 1 ? std::move(batch.ops.front()) : std::move(batch);
    sign_client_request(pending.request, *door_seed_, cluster_.chain_id);
    pending.sent_at = now();
    send_door_request(pending);
    door_pending_.emplace(pending.request.number, std::move(pending));
  }
}

void NodeServer::send_door_request(const DoorRequest& pending) {
  send_to_all(framed_message(pending.request));
  node_->on_client_request(pending.request, now());
}

void NodeServer::after_input() {
  check_stopped();
  if (stopping_ || deferred_replies_.empty() || deferred_replies_.back().mark <= requested_mark_) return;
  // No sync asked for covers these replies' commits (no Persist came with
  // this input): ask for one after a quiet while, so a quiet cluster still
  // answers.
  sync_timer_.expires_after(durable_reply_delay);
  sync_timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopping_ || node_->stopped() || deferred_replies_.empty() ||
        deferred_replies_.back().mark <= requested_mark_)
      return;
    ++reply_syncs_;
    const HandlerMark mark = handler_begin();
    request_sync();
    handler_end("reply_sync", mark);
  });
}

void NodeServer::request_sync() {
  Db::SyncTarget target = lsm_store_->db()->sync_target();
  if (target.mark <= requested_mark_) return;
  requested_mark_ = target.mark;
  if (sync_thread_) return sync_thread_->request(std::move(target));
  const Status status = target.sync();
  on_synced(target.mark, status);
}

void NodeServer::on_synced(std::uint64_t mark, const Status& status) {
  if (stopping_) return;
  if (!status) {
    // What waited on this sync never leaves: the process stops (exit 1).
    failure_ = fmt::format("storage failed while syncing the log: {}: {}", error_code_name(status.error().code),
                           status.error().message);
    fmt::print(stderr, "bft-node {}: {}\n", self_, *failure_);
    return stop("storage failure");
  }
  ++loop_syncs_;
  durable_mark_ = std::max(durable_mark_, mark);
  while (!held_frames_.empty() && held_frames_.front().mark <= durable_mark_) {
    const HeldFrame& held = held_frames_.front();
    if (held.to) {
      peers_->send(*held.to, held.frame);
    } else {
      send_to_all(held.frame);
    }
    held_frames_.pop_front();
  }
  flush_replies();
  // In the loop (no sync thread) this runs inside the input's handler,
  // which calls after_input() itself.
  if (sync_thread_) after_input();
}

void NodeServer::check_stopped() {
  if (!node_->stopped() || failure_) return;
  failure_ = *node_->stop_reason();
  fmt::print(stderr, "bft-node {}: {}\n", self_, *failure_);
  stop("storage failure");
}

// ---- NodeHost ----

void NodeServer::send(ReplicaIndex to, const Message& message) {
  if (stopping_) return;
  if (!sends_held()) return peers_->send(to, framed_message(message));
  held_frames_.push_back(HeldFrame{persist_mark_, to, framed_message(message)});
  ++held_frame_count_;
}

void NodeServer::broadcast(const Message& message) {
  if (stopping_) return;
  std::vector<std::uint8_t> frame = framed_message(message);
  if (sends_held()) {
    held_frames_.push_back(HeldFrame{persist_mark_, std::nullopt, std::move(frame)});
    ++held_frame_count_;
    return;
  }
  send_to_all(frame);
}

void NodeServer::send_to_all(std::span<const std::uint8_t> frame) {
  for (ReplicaIndex peer = 0; peer < cluster_.replica_count(); ++peer)
    if (peer != self_) peers_->send(peer, frame);
}

// The commit's record is in the log by now (Node::commit records, then replies).
void NodeServer::reply(const ClientReply& reply) {
  if (stopping_) return;
  deferred_replies_.push_back(DeferredReply{lsm_store_->db()->write_mark(), reply});
}

void NodeServer::flush_replies() {
  // Marks only grow along the list: the durable ones are a prefix.
  std::size_t durable = 0;
  while (durable < deferred_replies_.size() && deferred_replies_[durable].mark <= durable_mark_) ++durable;
  if (durable == 0) return;
  std::vector<ClientReply> ready;
  ready.reserve(durable);
  for (std::size_t i = 0; i < durable; ++i) ready.push_back(std::move(deferred_replies_[i].reply));
  deferred_replies_.erase(deferred_replies_.begin(), deferred_replies_.begin() + static_cast<std::ptrdiff_t>(durable));
  if (trace_) {
    Height top = 0;
    for (const ClientReply& reply : ready) top = std::max(top, reply.height);
    trace_->line("y {} {} {}", trace_clock_ns(), ready.size(), top);
  }
  for (const ClientReply& reply : ready) deliver(reply);
  if (!door_queued_.empty()) asio::post(io_, [this] {
    if (stopping_) return;
    start_door_queued();
    after_input();
  });
}

void NodeServer::deliver(const ClientReply& reply) {
  if (reply.client == door_client_id_) {
    auto found = door_pending_.find(reply.number);
    if (found == door_pending_.end()) return;  // answered already
    auto done = std::move(found->second.done);
    const bool batch = found->second.request.op.type == OpType::batch;
    door_pending_.erase(found);
    if (!batch) return done.front()(reply.result);
    // Our own replica's reply: one result per operation.
    for (std::size_t i = 0; i < done.size(); ++i)
      done[i](i < reply.result.results.size() ? reply.result.results[i] : OpResult{ResultStatus::not_found, std::nullopt});
    return;
  }
  auto route = client_routes_.find(reply.client);
  if (route == client_routes_.end()) return;  // a client of another replica
  auto stream = route->second.lock();
  if (!stream || !stream->is_open()) {
    client_routes_.erase(route);
    return;
  }
  stream->write(framed_message(reply));
}

void NodeServer::set_timer(TimerKind timer, Instant at) {
  const bool view = timer == TimerKind::view;
  asio::steady_timer& armed = view ? view_timer_ : fetch_timer_;
  std::uint64_t& generations = view ? view_timer_generation_ : fetch_timer_generation_;
  const std::uint64_t generation = ++generations;
  armed.expires_at(started_at_ + std::chrono::nanoseconds(at));
  armed.async_wait([this, timer, generation, &generations](const asio::error_code& error) {
    if (error || stopping_ || generation != generations) return;
    const HandlerMark mark = handler_begin();
    node_->on_timer(timer, now());
    after_input();
    handler_end(timer == TimerKind::view ? "view_timer" : "fetch_timer", mark);
  });
}

void NodeServer::committed(const CommittedBlock& commit) {
  ++commit_count_;
  if (trace_) {
    trace_->line("C {} {} {} {}", commit.height, commit.block->view, trace_clock_ns(), commit.block->batch.size());
    for (const ClientRequest& request : commit.block->batch)
      trace_->line("q {} {} {}", request.client, request.number, commit.height);
  }
  for (const ClientRequest& request : commit.block->batch)
    op_count_ += request.op.type == OpType::batch ? request.op.ops.size() : 1;
}

void NodeServer::state_installed(const CommittedBlock& state) {
  ++states_installed_;
  fmt::print(stderr, "bft-node {}: installed a state transferred from peers at height {}\n", self_, state.height);
}

// ---- status ----

void NodeServer::arm_retry_timer() {
  retry_timer_.expires_after(std::chrono::milliseconds(500));
  retry_timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopping_) return;
    // A door request not yet answered (a leader crashed with it, a peer link
    // was down): send it again; the state machine applies it at most once.
    const Instant current = now();
    for (auto& [number, pending] : door_pending_) {
      if (current - pending.sent_at < door_retry_after) continue;
      pending.sent_at = current;
      send_door_request(pending);
    }
    after_input();
    arm_retry_timer();
  });
}

void NodeServer::arm_status_timer() {
  if (options_.status_interval.count() == 0) return;
  status_timer_.expires_after(options_.status_interval);
  status_timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopping_) return;
    fmt::print(stderr, "{}\n", status_line());
    arm_status_timer();
  });
}

std::string NodeServer::status_line() {
  const Instant current = now();
  const double seconds = static_cast<double>(current - last_status_at_) / 1e9;
  if (seconds > 0) {
    commits_per_s_ = static_cast<double>(commit_count_ - last_status_commits_) / seconds;
    ops_per_s_ = static_cast<double>(op_count_ - last_status_ops_) / seconds;
  }
  const std::uint64_t commits = commit_count_ - last_status_commits_;
  const SyncCounts syncs = fs_.counts();
  if (commits > 0)
    file_syncs_per_commit_ =
        static_cast<double>(syncs.file_syncs - last_status_syncs_.file_syncs) / static_cast<double>(commits);
  last_status_syncs_ = syncs;
  last_status_at_ = current;
  last_status_commits_ = commit_count_;
  last_status_ops_ = op_count_;
  const Replica& replica = node_->replica();
  return fmt::format(
      "bft-node {}: view {} height {} commits/s {:.1f} ops/s {:.0f} syncs/commit {:.2f} peers out {}/{} in {}/{} "
      "mempool {} rejected: handshake {} malformed {} oversized {} resp {}",
      self_, replica.view(), replica.committed_height(), commits_per_s_, ops_per_s_, file_syncs_per_commit_,
      peers_->outgoing_up_count(),
      cluster_.replica_count() - 1, peers_->incoming_up_count(), cluster_.replica_count() - 1,
      replica.mempool_size(), counters_.peer_handshake_failures + counters_.peer_handshake_timeouts,
      counters_.peer_malformed_frames + counters_.client_malformed_frames,
      counters_.peer_oversized_frames + counters_.client_oversized_frames, counters_.resp_protocol_errors);
}

std::string NodeServer::info_text() const {
  const Replica& replica = node_->replica();
  std::string out = "# bftsim\r\n";
  auto line = [&out](const char* key, auto value) { out += fmt::format("{}:{}\r\n", key, value); };
  line("replica", self_);
  line("replicas", cluster_.replica_count());
  line("faulty", cluster_.faulty);
  line("chain_id", cluster_.chain_id);
  line("view", replica.view());
  line("leader", replica.leader_of(replica.view()));
  line("committed_height", replica.committed_height());
  line("commit_rule", commit_rule_name(cluster_.protocol.commit_rule));
  line("commits_per_s", fmt::format("{:.1f}", commits_per_s_));
  line("ops_per_s", fmt::format("{:.0f}", ops_per_s_));
  line("committed_ops", op_count_);
  // Since the process started: the blocks it committed and the syncs its
  // store issued (fdatasync of a file, fsync of a directory; the 10 ms reply
  // syncs are among the file syncs).
  line("committed_blocks", commit_count_);
  const SyncCounts syncs = fs_.counts();
  line("storage_file_syncs", syncs.file_syncs);
  line("storage_dir_syncs", syncs.dir_syncs);
  line("reply_syncs", reply_syncs_);
  // Where the WAL syncs run, how many the loop waited on, and the messages
  // held for one (sent after a Persist that was not yet durable).
  line("storage_sync", sync_thread_ ? "thread" : "loop");
  line("storage_sync_delay_us", options_.sync_delay.count() / 1000);
  line("log_syncs", loop_syncs_);
  line("held_frames", held_frames_.size());
  line("held_frames_total", held_frame_count_);
  if (const Db* db = lsm_store_->db()) {
    // The LSM's flushes and compactions, and the writes that waited for its
    // background thread (a full memtable while the last was being flushed).
    const DbStats stats = db->stats();
    line("storage_flushes", stats.flush_count);
    line("storage_compactions", stats.compaction_count);
    line("storage_stalls", stats.stall_count);
    line("storage_stall_ms", stats.stall_ns / 1'000'000);
  }
  line("mempool", replica.mempool_size());
  line("peers_out_up", peers_->outgoing_up_count());
  line("peers_in_up", peers_->incoming_up_count());
  line("states_installed", states_installed_);
  line("peer_links_up_total", counters_.peer_links_up);
  line("peer_handshake_failures", counters_.peer_handshake_failures);
  line("peer_handshake_timeouts", counters_.peer_handshake_timeouts);
  line("peer_malformed_frames", counters_.peer_malformed_frames);
  line("peer_oversized_frames", counters_.peer_oversized_frames);
  line("peer_messages_dropped", counters_.peer_messages_dropped);
  line("peer_frames_sent", counters_.peer_frames_sent);
  line("client_connections", counters_.client_connections);
  line("client_malformed_frames", counters_.client_malformed_frames);
  line("client_oversized_frames", counters_.client_oversized_frames);
  line("resp_protocol_errors", counters_.resp_protocol_errors);
  line("resp_commands", counters_.resp_commands);
  line("door_pending", door_pending_.size() + door_queued_.size());
  line("client_signatures_verified", replica.client_verification_count());
  for (std::size_t reason = 0; reason < drop_reason_count; ++reason)
    line(fmt::format("dropped_{}", drop_reason_name(static_cast<DropReason>(reason))).c_str(),
         replica.drop_count(static_cast<DropReason>(reason)));
  return out;
}

}  // namespace bftsim::runner
