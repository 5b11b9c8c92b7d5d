// PeerNetwork: bft-node's links to the other replicas. For every other
// replica it dials one outgoing link, the only one it sends on, and
// reconnects with exponential backoff (100 ms doubling to 5 s) when it
// fails; it accepts incoming links, the only ones it reads messages from.
// Each link starts with the handshake of handshake.h within 3 s. Then each
// frame (frame.h) carries one encoded Message. A link that fails the
// handshake, sends a frame that does not decode, or a zero or over-limit
// length is closed and counted (NetCounters); nothing else is affected.
// Threading: the io_context's thread. Owned by the NodeServer, which
// outlives it and receives the messages.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "core/protocol/messages.h"
#include "runner/cluster_config.h"
#include "runner/net_counters.h"

namespace bftsim::runner {

class PeerNetwork {
 public:
  using OnMessage = std::function<void(ReplicaIndex from, Message message)>;

  PeerNetwork(asio::io_context& io, const ClusterConfig& cluster, ReplicaIndex self,
              const Ed25519Seed& seed, NetCounters& counters, OnMessage on_message);
  ~PeerNetwork();

  // Binds the peer port (an error names the address) and starts dialing.
  // listen_socket >= 0: a socket already bound and listening, used (and
  // owned from then on) instead of binding the configured port; tests bind
  // port 0 and hand it over, so no other process can take it in between.
  Status start(int listen_socket = -1);
  void stop();
  // `frame` is a whole frame (append_frame of an encoded message). Dropped
  // and counted when the link to `to` is not up.
  void send(ReplicaIndex to, std::span<const std::uint8_t> frame);
  std::uint32_t outgoing_up_count() const;
  std::uint32_t incoming_up_count() const;

 private:
  struct Outgoing;
  struct Incoming;
  void dial(ReplicaIndex peer);
  void on_dial_data(Outgoing& link, std::span<const std::uint8_t> bytes);
  void dial_failed(ReplicaIndex peer, const std::string& why);
  void accept_next();
  void on_incoming_data(const std::shared_ptr<Incoming>& link, std::span<const std::uint8_t> bytes);
  void count_frame_error(const Error& error);

  asio::io_context& io_;
  const ClusterConfig& cluster_;
  ReplicaIndex self_;
  std::unique_ptr<Ed25519Seed> seed_;
  NetCounters& counters_;
  OnMessage on_message_;
  asio::ip::tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<Outgoing>> outgoing_;     // by peer index; null for self
  std::set<std::shared_ptr<Incoming>> incoming_;        // every accepted link
  std::map<ReplicaIndex, std::weak_ptr<Incoming>> incoming_by_peer_;  // the authenticated ones
  bool stopped_ = false;
};

}  // namespace bftsim::runner
