// bft-client's connections and the f+1 rule over them (cluster_client.h).
#include "runner/cluster_client.h"

#include <asio/connect.hpp>
#include <fmt/format.h>

#include "core/protocol/codec.h"
#include "runner/client_door.h"
#include "runner/stream.h"

namespace bftsim::runner {
namespace {
constexpr auto redial_delay = std::chrono::milliseconds(200);
constexpr auto tick_interval = std::chrono::milliseconds(50);
}  // namespace

struct ClusterClient::Connection {
  explicit Connection(asio::io_context& io) : redial_timer(io) {}
  std::shared_ptr<Stream> stream;
  // A connect in progress, closed by close(): an unreachable host's connect
  // would otherwise keep the io_context running for minutes.
  std::shared_ptr<asio::ip::tcp::socket> connecting;
  FrameDecoder decoder;
  bool up = false;
  std::uint64_t generation = 0;
  asio::steady_timer redial_timer;
};

ClusterClient::ClusterClient(asio::io_context& io, const ClusterConfig& cluster, ClusterClientOptions options)
    : io_(io), cluster_(cluster), options_(options), tick_timer_(io) {
  for (std::uint32_t i = 0; i < cluster_.replica_count(); ++i) connections_.push_back(std::make_unique<Connection>(io_));
}

ClusterClient::~ClusterClient() { close(); }

void ClusterClient::connect() {
  for (ReplicaIndex replica = 0; replica < cluster_.replica_count(); ++replica) dial(replica);
  tick();
}

void ClusterClient::close() {
  if (closed_) return;
  closed_ = true;
  tick_timer_.cancel();
  for (auto& connection : connections_) {
    connection->redial_timer.cancel();
    asio::error_code ignored;
    if (connection->connecting) connection->connecting->close(ignored);
    if (connection->stream) connection->stream->close("client done");
  }
}

std::uint32_t ClusterClient::connected_count() const {
  std::uint32_t count = 0;
  for (const auto& connection : connections_) count += connection->up ? 1 : 0;
  return count;
}

void ClusterClient::dial(ReplicaIndex replica) {
  if (closed_) return;
  Connection& connection = *connections_[replica];
  const std::uint64_t generation = ++connection.generation;
  connection.up = false;
  connection.decoder = FrameDecoder();
  const ReplicaAddress& address = cluster_.replicas[replica];
  asio::ip::tcp::resolver resolver(io_);
  asio::error_code ec;
  auto endpoints = resolver.resolve(address.host, std::to_string(address.client_port), ec);
  auto retry = [this, replica, generation] {
    Connection& current = *connections_[replica];
    if (closed_ || current.generation != generation) return;
    ++current.generation;
    current.up = false;
    current.redial_timer.expires_after(redial_delay);
    const std::uint64_t next = current.generation;
    current.redial_timer.async_wait([this, replica, next](const asio::error_code& error) {
      if (!error && !closed_ && connections_[replica]->generation == next) dial(replica);
    });
  };
  if (ec) return retry();
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  connection.connecting = socket;
  asio::async_connect(*socket, endpoints, [this, replica, generation, socket, retry](const asio::error_code& error,
                                                                                    const auto&) {
    Connection& current = *connections_[replica];
    if (closed_ || current.generation != generation) return;
    current.connecting.reset();
    if (error) return retry();
    current.stream = std::make_shared<Stream>(std::move(*socket), 256u * 1024u * 1024u);
    current.stream->start(Stream::Handlers{
        [this, replica, generation](std::span<const std::uint8_t> bytes) {
          if (connections_[replica]->generation == generation) on_data(replica, bytes);
        },
        [retry](const std::string&) { retry(); }});
    current.stream->write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(client_protocol_magic), 4));
    current.up = true;
    // Whatever is pending goes to the replica that just came (back).
    for (auto& [key, pending] : pending_) current.stream->write(pending.frame);
  });
}

void ClusterClient::submit(const ClientRequest& request, Done done) {
  const std::size_t batch_ops = request.op.type == OpType::batch ? request.op.ops.size() : 0;
  Pending pending{request, {}, ReplyQuorum(cluster_.faulty, batch_ops), std::move(done), {}, {}};
  append_frame(pending.frame, encode_message(request));
  const auto now = std::chrono::steady_clock::now();
  pending.deadline = now + options_.timeout;
  pending.next_retry = now + options_.retry_interval;
  for (auto& connection : connections_)
    if (connection->up) connection->stream->write(pending.frame);
  pending_.insert_or_assign(Key{request.client, request.number}, std::move(pending));
}

void ClusterClient::on_data(ReplicaIndex replica, std::span<const std::uint8_t> bytes) {
  Connection& connection = *connections_[replica];
  connection.decoder.feed(bytes);
  while (true) {
    auto frame = connection.decoder.next();
    if (!frame) {
      fmt::print(stderr, "bft-client: replica {} sent a bad frame ({}); reconnecting\n", replica, frame.error().message);
      return connection.stream->close(frame.error().message);
    }
    if (!*frame) return;
    auto message = decode_message(**frame);
    const ClientReply* reply = message ? std::get_if<ClientReply>(&*message) : nullptr;
    if (reply == nullptr) {
      fmt::print(stderr, "bft-client: replica {} sent something other than a reply; reconnecting\n", replica);
      return connection.stream->close("not a reply");
    }
    auto it = pending_.find(Key{reply->client, reply->number});
    if (it == pending_.end()) continue;  // answered already, or not ours
    if (auto agreed = it->second.quorum.add(replica, *reply)) finish(it, std::move(agreed));
  }
}

void ClusterClient::finish(std::map<Key, Pending>::iterator it, std::optional<ClientReply> agreed) {
  RequestOutcome outcome;
  outcome.reply = std::move(agreed);
  outcome.replies_seen = it->second.quorum.reply_count();
  outcome.disagreement = it->second.quorum.disagreement();
  Done done = std::move(it->second.done);
  pending_.erase(it);
  done(outcome);
}

void ClusterClient::tick() {
  if (closed_) return;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto current = it++;
    Pending& pending = current->second;
    if (now >= pending.deadline) {
      finish(current, std::nullopt);
      continue;
    }
    if (now >= pending.next_retry) {
      pending.next_retry = now + options_.retry_interval;
      for (auto& connection : connections_)
        if (connection->up) connection->stream->write(pending.frame);
    }
  }
  tick_timer_.expires_after(tick_interval);
  tick_timer_.async_wait([this](const asio::error_code& error) {
    if (!error) tick();
  });
}

}  // namespace bftsim::runner
