// NodeServer: bft-node's event loop around one core Node. It implements
// NodeHost with real sockets (PeerNetwork, ClientDoor), a steady wall clock
// (Instant = ns since the process started) and asio timers, and keeps the
// Node's LSM on the POSIX file system.
// Durability: the store only appends (LsmNodeStoreOptions::host_syncs);
// after each Persist the server asks its SyncThread to sync the WAL through
// that write (sync_thread.h), and the loop goes on. Until that sync is done,
// every message the Node sends is held, in order: a vote never leaves
// before the safety state that records it is durable, and nothing the Node
// did after it leaves first. A reply waits for a sync that covers its
// commit (the next Persist's, or one asked for after a quiet 10 ms), so a
// client never holds an answer that a kill -9 of every replica could take
// back. NodeServerOptions::sync_on_thread = false syncs inside the loop
// instead (bft-node --storage-sync loop, the way before the sync thread).
// Threading: one io_context thread, plus the sync thread and the LSM's.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/node/lsm_node_store.h"
#include "core/node/node.h"
#include "core/storage/posix_file_system.h"
#include "runner/client_service.h"
#include "runner/cluster_config.h"
#include "runner/net_counters.h"
#include "runner/stage_trace.h"
#include "runner/sync_counting_file_system.h"
#include "runner/sync_thread.h"

namespace bftsim::runner {

class PeerNetwork;
class ClientDoor;
class NotifyingStore;

struct NodeServerOptions {
  std::string data_dir;
  std::chrono::milliseconds status_interval{3000};  // 0: no status line
  // The file system to keep the data in; null: the POSIX one (a test seam:
  // tests/runner/durable_reply_test.cpp watches syncs through it).
  FileSystem* file_system = nullptr;
  // Sockets already bound and listening, to use instead of binding the
  // configured ports; -1: bind them (a test seam: the tests bind port 0,
  // so no other process can take a port between choosing and binding it).
  int peer_listen_socket = -1;
  int client_listen_socket = -1;
  // The LSM's flushes and compactions on its background thread; false: inside
  // the loop handler whose write filled the memtable (bft-node --storage-flush).
  bool storage_background_work = true;
  // The WAL syncs on a thread of their own; false: in the loop handler that
  // persisted (bft-node --storage-sync).
  bool sync_on_thread = true;
  // Added to every file sync (bft-node --storage-sync-delay): a slower disk.
  std::chrono::nanoseconds sync_delay{0};
};

class NodeServer final : public NodeHost, public ClientService {
 public:
  NodeServer(asio::io_context& io, ClusterConfig cluster, ReplicaIndex self, const Ed25519Seed& seed,
             NodeServerOptions options);
  ~NodeServer() override;

  // Opens the store, recovers, binds both ports and starts dialing.
  Status start();
  // Syncs the store and closes every connection; the io_context then runs dry.
  void stop(const std::string& why);
  // Set when the Node stopped on a storage failure (the process exits 1).
  const std::optional<std::string>& failure() const { return failure_; }

  // NodeHost
  void send(ReplicaIndex to, const Message& message) override;
  void broadcast(const Message& message) override;
  void reply(const ClientReply& reply) override;
  void set_timer(TimerKind timer, Instant at) override;
  void committed(const CommittedBlock& commit) override;
  void state_installed(const CommittedBlock& state) override;
  void note(const NoteEffect& note) override;

  // ClientService
  void submit_client_request(const ClientRequest& request, const std::weak_ptr<Stream>& reply_to) override;
  void submit_operation(Operation op, std::function<void(const OpResult&)> done) override;
  std::string info_text() const override;

 private:
  struct DoorRequest {
    ClientRequest request;
    // One per operation (a batch's in order).
    std::vector<std::function<void(const OpResult&)>> done;
    Instant sent_at = 0;
  };

  Instant now() const;
  // A loop handler's start, and its end: with BFT_TRACE, a handler that ran
  // over handler_log_ns of wall time is logged (stage_trace.h).
  struct HandlerMark {
    std::int64_t wall = 0, cpu = 0, sync_ns = 0, store_ns = 0, run_wait = 0;
    std::uint64_t syncs = 0, flushes = 0, compactions = 0, stall_ns = 0;
  };
  HandlerMark handler_begin() const;
  void handler_end(const char* kind, const HandlerMark& begin);
  void on_peer_message(ReplicaIndex from, Message message);
  void after_input();
  // After a persist (the store's hook): sync through it, on the sync thread
  // or here. The sync's end, on the loop: release what it made durable.
  void request_sync();
  void on_synced(std::uint64_t mark, const Status& status);
  void flush_replies();
  bool sends_held() const { return persist_mark_ > durable_mark_; }
  // To every other replica's link.
  void send_to_all(std::span<const std::uint8_t> frame);
  void deliver(const ClientReply& reply);
  void send_door_request(const DoorRequest& pending);
  void start_door_queued();
  void arm_status_timer();
  void arm_retry_timer();
  std::string status_line();
  void check_stopped();

  asio::io_context& io_;
  ClusterConfig cluster_;
  ReplicaIndex self_;
  NodeServerOptions options_;
  std::chrono::steady_clock::time_point started_at_;
  PosixFileSystem posix_fs_;
  SyncCountingFileSystem fs_;  // over options_.file_system, or posix_fs_
  std::unique_ptr<LsmNodeStore> lsm_store_;
  std::unique_ptr<NotifyingStore> store_;
  std::unique_ptr<Node> node_;
  NetCounters counters_;
  std::unique_ptr<PeerNetwork> peers_;
  std::unique_ptr<ClientDoor> door_;
  asio::steady_timer view_timer_;
  asio::steady_timer fetch_timer_;  // TimerKind::fetch
  asio::steady_timer sync_timer_;
  asio::steady_timer status_timer_;
  asio::steady_timer retry_timer_;
  std::uint64_t view_timer_generation_ = 0;
  std::uint64_t fetch_timer_generation_ = 0;
  bool stopping_ = false;
  std::optional<std::string> failure_;

  // Write marks (Db::write_mark): of the last Persist, the highest a sync
  // was asked for, the highest known durable.
  std::uint64_t persist_mark_ = 0;
  std::uint64_t requested_mark_ = 0;
  std::uint64_t durable_mark_ = 0;
  std::unique_ptr<SyncThread> sync_thread_;  // null: syncs in the loop
  // Frames sent after a Persist that is not yet durable, in order, with that
  // Persist's mark; `to` is the replica, or all for a broadcast.
  struct HeldFrame {
    std::uint64_t mark;
    std::optional<ReplicaIndex> to;
    std::vector<std::uint8_t> frame;
  };
  std::deque<HeldFrame> held_frames_;
  std::uint64_t held_frame_count_ = 0;  // since start, for INFO
  // Replies waiting for the commit they report to be durable: the write
  // mark after that commit.
  struct DeferredReply {
    std::uint64_t mark;
    ClientReply reply;
  };
  std::vector<DeferredReply> deferred_replies_;
  std::map<ClientId, std::weak_ptr<Stream>> client_routes_;

  // The RESP door's own client: a key made at start, numbers from 1.
  std::unique_ptr<Ed25519Seed> door_seed_;
  ClientId door_client_id_ = 0;
  RequestNumber door_next_number_ = 1;
  std::map<RequestNumber, DoorRequest> door_pending_;
  std::deque<std::pair<Operation, std::function<void(const OpResult&)>>> door_queued_;
  bool door_flush_posted_ = false;

  // For the status line and INFO.
  std::uint64_t commit_count_ = 0;
  std::uint64_t op_count_ = 0;
  std::uint64_t last_status_commits_ = 0;
  std::uint64_t last_status_ops_ = 0;
  Instant last_status_at_ = 0;
  double commits_per_s_ = 0;
  double ops_per_s_ = 0;
  std::uint64_t states_installed_ = 0;
  // Syncs on the loop's own account: after a quiet 10 ms with replies waiting.
  std::uint64_t reply_syncs_ = 0;
  // Syncs completed for the loop (after persists, and the reply syncs).
  std::uint64_t loop_syncs_ = 0;
  SyncCounts last_status_syncs_;
  double file_syncs_per_commit_ = 0;

  // BFT_TRACE's file, or null (stage_trace.h); ns spent inside the store's calls.
  std::unique_ptr<StageTrace> trace_;
  std::int64_t store_ns_ = 0;
};

}  // namespace bftsim::runner
