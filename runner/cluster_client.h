// ClusterClient: bft-client's side of the client protocol. It keeps one
// connection to every replica's client port (opened with "BFTC", redialed
// after 200 ms when it drops), sends each signed request to all of them,
// resends it every `retry_interval` until answered, and completes it once
// faulty+1 replicas agree (ReplyQuorum) or `timeout` passes. Many logical
// clients (each its own key) may share one ClusterClient.
// Threading: the io_context's thread. Callbacks run on it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/codec/frame.h"
#include "core/protocol/messages.h"
#include "runner/cluster_config.h"
#include "runner/reply_quorum.h"

namespace bftsim::runner {

class Stream;

struct ClusterClientOptions {
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds retry_interval{1'000};
};

struct RequestOutcome {
  std::optional<ClientReply> reply;  // the agreed reply; none on timeout
  std::size_t replies_seen = 0;
  bool disagreement = false;         // replicas answered differently
};

class ClusterClient {
 public:
  using Done = std::function<void(const RequestOutcome&)>;

  ClusterClient(asio::io_context& io, const ClusterConfig& cluster, ClusterClientOptions options);
  ~ClusterClient();
  void connect();
  void close();
  // Requires: request is signed (client_auth.h) and not already pending.
  void submit(const ClientRequest& request, Done done);
  std::size_t pending_count() const { return pending_.size(); }
  std::uint32_t connected_count() const;

 private:
  struct Connection;
  struct Pending {
    ClientRequest request;
    std::vector<std::uint8_t> frame;
    ReplyQuorum quorum;
    Done done;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point next_retry;
  };
  using Key = std::pair<ClientId, RequestNumber>;

  void dial(ReplicaIndex replica);
  void on_data(ReplicaIndex replica, std::span<const std::uint8_t> bytes);
  void finish(std::map<Key, Pending>::iterator it, std::optional<ClientReply> agreed);
  void tick();

  asio::io_context& io_;
  const ClusterConfig& cluster_;
  ClusterClientOptions options_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::map<Key, Pending> pending_;
  asio::steady_timer tick_timer_;
  bool closed_ = false;
};

}  // namespace bftsim::runner
