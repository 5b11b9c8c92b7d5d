// Peer links: dialing, accepting, the handshake and message frames (peer_network.h).
#include "runner/peer_network.h"

#include <algorithm>
#include <chrono>

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include "core/codec/frame.h"
#include "core/protocol/codec.h"
#include "runner/handshake.h"
#include "runner/stream.h"

namespace bftsim::runner {
namespace {

constexpr auto handshake_timeout = std::chrono::seconds(3);
constexpr int backoff_ms_min = 100;
constexpr int backoff_ms_max = 5000;
constexpr std::size_t peer_write_queue_bytes_max = 256u * 1024u * 1024u;

std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out;
  append_frame(out, payload);
  return out;
}

}  // namespace

struct PeerNetwork::Outgoing {
  explicit Outgoing(asio::io_context& io, ReplicaIndex peer_index)
      : peer(peer_index), retry_timer(io), handshake_timer(io) {}
  enum class State { idle, connecting, await_challenge, up };
  ReplicaIndex peer;
  State state = State::idle;
  std::shared_ptr<Stream> stream;
  // A connect in progress, closed by stop() and by a failure: an unreachable
  // peer's connect would otherwise hold a shutdown for minutes.
  std::shared_ptr<asio::ip::tcp::socket> connecting;
  FrameDecoder decoder;
  Nonce nonce{};
  int backoff_ms = backoff_ms_min;
  std::uint64_t generation = 0;  // callbacks of an earlier attempt see a newer generation and stop
  asio::steady_timer retry_timer;
  asio::steady_timer handshake_timer;
};

struct PeerNetwork::Incoming {
  explicit Incoming(asio::io_context& io) : handshake_timer(io) {}
  enum class State { await_hello, await_proof, up };
  State state = State::await_hello;
  std::shared_ptr<Stream> stream;
  FrameDecoder decoder;
  PeerHello hello;
  Nonce nonce{};
  asio::steady_timer handshake_timer;
};

PeerNetwork::PeerNetwork(asio::io_context& io, const ClusterConfig& cluster, ReplicaIndex self,
                         const Ed25519Seed& seed, NetCounters& counters, OnMessage on_message)
    : io_(io),
      cluster_(cluster),
      self_(self),
      seed_(std::make_unique<Ed25519Seed>(seed)),
      counters_(counters),
      on_message_(std::move(on_message)),
      acceptor_(io) {
  for (ReplicaIndex peer = 0; peer < cluster_.replica_count(); ++peer)
    outgoing_.push_back(peer == self_ ? nullptr : std::make_unique<Outgoing>(io_, peer));
}

PeerNetwork::~PeerNetwork() { stop(); }

Status PeerNetwork::start(int listen_socket) {
  const ReplicaAddress& me = cluster_.replicas[self_];
  asio::error_code ec;
  if (listen_socket >= 0) {
    acceptor_.assign(asio::ip::tcp::v4(), listen_socket, ec);
    if (ec) return make_error(ErrorCode::io_error, fmt::format("cannot use the peer socket given: {}", ec.message()));
    accept_next();
    for (ReplicaIndex peer = 0; peer < cluster_.replica_count(); ++peer)
      if (peer != self_) dial(peer);
    return {};
  }
  asio::ip::tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(me.host, std::to_string(me.port), ec);
  if (ec || endpoints.empty())
    return make_error(ErrorCode::io_error, fmt::format("cannot resolve {}: {}", me.host, ec.message()));
  const asio::ip::tcp::endpoint endpoint = *endpoints.begin();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorCode::io_error,
                      fmt::format("cannot listen for peers on {}:{}: {}", me.host, me.port, ec.message()));
  accept_next();
  for (ReplicaIndex peer = 0; peer < cluster_.replica_count(); ++peer)
    if (peer != self_) dial(peer);
  return {};
}

void PeerNetwork::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (auto& link : outgoing_) {
    if (!link) continue;
    link->retry_timer.cancel();
    link->handshake_timer.cancel();
    if (link->connecting) link->connecting->close(ignored);
    if (link->stream) link->stream->close("shutting down");
  }
  auto incoming = incoming_;
  for (const auto& link : incoming) {
    link->handshake_timer.cancel();
    link->stream->close("shutting down");
  }
  incoming_.clear();
}

void PeerNetwork::send(ReplicaIndex to, std::span<const std::uint8_t> frame) {
  Outgoing* link = to < outgoing_.size() ? outgoing_[to].get() : nullptr;
  if (link == nullptr || link->state != Outgoing::State::up) {
    ++counters_.peer_messages_dropped;
    return;
  }
  ++counters_.peer_frames_sent;
  link->stream->write(frame);
}

std::uint32_t PeerNetwork::outgoing_up_count() const {
  return static_cast<std::uint32_t>(std::count_if(outgoing_.begin(), outgoing_.end(), [](const auto& link) {
    return link && link->state == Outgoing::State::up;
  }));
}

std::uint32_t PeerNetwork::incoming_up_count() const {
  return static_cast<std::uint32_t>(std::count_if(incoming_.begin(), incoming_.end(), [](const auto& link) {
    return link->state == Incoming::State::up;
  }));
}

void PeerNetwork::count_frame_error(const Error& error) {
  if (error.message.rfind("frame length", 0) == 0)
    ++counters_.peer_oversized_frames;
  else
    ++counters_.peer_malformed_frames;
}

// ---- dialing ----

void PeerNetwork::dial(ReplicaIndex peer) {
  if (stopped_) return;
  Outgoing& link = *outgoing_[peer];
  const std::uint64_t generation = ++link.generation;
  link.state = Outgoing::State::connecting;
  link.decoder = FrameDecoder();
  const ReplicaAddress& address = cluster_.replicas[peer];
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec) return dial_failed(peer, fmt::format("cannot resolve {}: {}", address.host, ec.message()));
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  link.connecting = socket;
  asio::async_connect(*socket, endpoints,
                      [this, peer, generation, socket](const asio::error_code& error, const auto&) {
                        if (stopped_ || outgoing_[peer]->generation != generation) return;
                        Outgoing& link = *outgoing_[peer];
                        link.connecting.reset();
                        if (error) return dial_failed(peer, error.message());
                        link.stream = std::make_shared<Stream>(std::move(*socket), peer_write_queue_bytes_max);
                        link.stream->start(Stream::Handlers{
                            [this, peer, generation](std::span<const std::uint8_t> bytes) {
                              if (outgoing_[peer]->generation == generation) on_dial_data(*outgoing_[peer], bytes);
                            },
                            [this, peer, generation](const std::string& why) {
                              if (!stopped_ && outgoing_[peer]->generation == generation) dial_failed(peer, why);
                            }});
                        link.state = Outgoing::State::await_challenge;
                        link.nonce = random_nonce();
                        link.stream->write(framed(encode_hello(PeerHello{cluster_.chain_id, self_, peer, link.nonce})));
                        link.handshake_timer.expires_after(handshake_timeout);
                        link.handshake_timer.async_wait([this, peer, generation](const asio::error_code& timer_error) {
                          Outgoing& current = *outgoing_[peer];
                          if (timer_error || stopped_ || current.generation != generation ||
                              current.state != Outgoing::State::await_challenge)
                            return;
                          ++counters_.peer_handshake_timeouts;
                          dial_failed(peer, "no handshake challenge within 3 s");
                        });
                      });
}

void PeerNetwork::dial_failed(ReplicaIndex peer, const std::string& why) {
  Outgoing& link = *outgoing_[peer];
  const bool was_up = link.state == Outgoing::State::up;
  const std::uint64_t generation = ++link.generation;  // the old attempt's callbacks stop here
  link.state = Outgoing::State::idle;
  link.handshake_timer.cancel();
  asio::error_code ignored;
  if (link.connecting) link.connecting->close(ignored);
  link.connecting.reset();
  if (link.stream) link.stream->close(why);
  link.stream.reset();
  if (was_up) fmt::print(stderr, "bft-node {}: link to replica {} down: {}\n", self_, peer, why);
  if (stopped_) return;
  link.retry_timer.expires_after(std::chrono::milliseconds(link.backoff_ms));
  link.backoff_ms = std::min(link.backoff_ms * 2, backoff_ms_max);
  link.retry_timer.async_wait([this, peer, generation](const asio::error_code& error) {
    if (!error && !stopped_ && outgoing_[peer]->generation == generation) dial(peer);
  });
}

void PeerNetwork::on_dial_data(Outgoing& link, std::span<const std::uint8_t> bytes) {
  link.decoder.feed(bytes);
  const ReplicaIndex peer = link.peer;
  while (link.stream && link.stream->is_open()) {
    auto frame = link.decoder.next();
    if (!frame) {
      count_frame_error(frame.error());
      return dial_failed(peer, frame.error().message);
    }
    if (!*frame) return;
    if (link.state != Outgoing::State::await_challenge) {
      ++counters_.peer_malformed_frames;
      return dial_failed(peer, "a frame on a send-only link");
    }
    auto challenge = decode_challenge(**frame);
    const bool valid =
        challenge &&
        ed25519_verify(cluster_.replicas[peer].public_key,
                       handshake_bytes(HandshakeRole::accept, cluster_.chain_id, self_, peer, link.nonce,
                                       challenge->nonce),
                       challenge->signature);
    if (!valid) {
      ++counters_.peer_handshake_failures;
      fmt::print(stderr, "bft-node {}: replica {} at {} failed the handshake (not its key)\n", self_, peer,
                 link.stream->remote());
      return dial_failed(peer, "handshake challenge does not verify");
    }
    PeerProof proof{ed25519_sign(*seed_, handshake_bytes(HandshakeRole::dial, cluster_.chain_id, self_, peer,
                                                         link.nonce, challenge->nonce))};
    link.stream->write(framed(encode_proof(proof)));
    link.state = Outgoing::State::up;
    link.backoff_ms = backoff_ms_min;
    link.handshake_timer.cancel();
    ++counters_.peer_links_up;
    fmt::print(stderr, "bft-node {}: link to replica {} up\n", self_, peer);
  }
}

// ---- accepting ----

void PeerNetwork::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      auto link = std::make_shared<Incoming>(io_);
      link->stream = std::make_shared<Stream>(std::move(socket), peer_write_queue_bytes_max);
      incoming_.insert(link);
      std::weak_ptr<Incoming> weak = link;
      link->stream->start(Stream::Handlers{
          [this, weak](std::span<const std::uint8_t> bytes) {
            if (auto locked = weak.lock()) on_incoming_data(locked, bytes);
          },
          [this, weak](const std::string&) {
            // Erased later: the stream is still inside this call.
            asio::post(io_, [this, weak] {
              if (auto locked = weak.lock()) {
                locked->handshake_timer.cancel();
                incoming_.erase(locked);
              }
            });
          }});
      link->handshake_timer.expires_after(handshake_timeout);
      link->handshake_timer.async_wait([this, weak](const asio::error_code& error) {
        auto locked = weak.lock();
        if (error || !locked || locked->state == Incoming::State::up) return;
        ++counters_.peer_handshake_timeouts;
        locked->stream->close("no handshake within 3 s");
      });
    }
    accept_next();
  });
}

void PeerNetwork::on_incoming_data(const std::shared_ptr<Incoming>& link, std::span<const std::uint8_t> bytes) {
  link->decoder.feed(bytes);
  while (link->stream->is_open()) {
    auto frame = link->decoder.next();
    if (!frame) {
      count_frame_error(frame.error());
      fmt::print(stderr, "bft-node {}: closing peer link from {}: {}\n", self_, link->stream->remote(),
                 frame.error().message);
      return link->stream->close(frame.error().message);
    }
    if (!*frame) return;
    const std::vector<std::uint8_t>& payload = **frame;
    if (link->state == Incoming::State::up) {
      auto message = decode_message(payload);
      if (!message) {
        ++counters_.peer_malformed_frames;
        fmt::print(stderr, "bft-node {}: closing peer link from replica {}: {}\n", self_, link->hello.from,
                   message.error().message);
        return link->stream->close(message.error().message);
      }
      on_message_(link->hello.from, std::move(*message));
      continue;
    }
    if (link->state == Incoming::State::await_hello) {
      auto hello = decode_hello(payload);
      std::string problem;
      if (!hello)
        problem = hello.error().message;
      else if (hello->chain_id != cluster_.chain_id)
        problem = fmt::format("chain '{}' is not ours", hello->chain_id);
      else if (hello->to != self_)
        problem = fmt::format("it wants replica {}, this is {}", hello->to, self_);
      else if (hello->from >= cluster_.replica_count() || hello->from == self_)
        problem = fmt::format("it claims to be replica {}", hello->from);
      if (!problem.empty()) {
        ++counters_.peer_handshake_failures;
        fmt::print(stderr, "bft-node {}: rejected a peer from {}: {}\n", self_, link->stream->remote(), problem);
        return link->stream->close(problem);
      }
      link->hello = *hello;
      link->nonce = random_nonce();
      PeerChallenge challenge{link->nonce,
                              ed25519_sign(*seed_, handshake_bytes(HandshakeRole::accept, cluster_.chain_id,
                                                                   hello->from, self_, hello->nonce, link->nonce))};
      link->stream->write(framed(encode_challenge(challenge)));
      link->state = Incoming::State::await_proof;
      continue;
    }
    auto proof = decode_proof(payload);
    const ReplicaIndex from = link->hello.from;
    if (!proof || !ed25519_verify(cluster_.replicas[from].public_key,
                                  handshake_bytes(HandshakeRole::dial, cluster_.chain_id, from, self_,
                                                  link->hello.nonce, link->nonce),
                                  proof->signature)) {
      ++counters_.peer_handshake_failures;
      fmt::print(stderr, "bft-node {}: rejected a peer from {} claiming replica {}: wrong key\n", self_,
                 link->stream->remote(), from);
      return link->stream->close("handshake proof does not verify");
    }
    link->state = Incoming::State::up;
    link->handshake_timer.cancel();
    ++counters_.peer_links_up;
    // A peer that reconnected replaces its older link.
    if (auto old = incoming_by_peer_[from].lock(); old && old != link) old->stream->close("replaced by a newer link");
    incoming_by_peer_[from] = link;
  }
}

}  // namespace bftsim::runner
