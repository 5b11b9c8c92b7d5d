// The client port: protocol sniffing, bft-client sessions and RESP sessions (client_door.h).
#include "runner/client_door.h"

#include <cstring>
#include <deque>

#include <asio/post.hpp>
#include <fmt/format.h>

#include "core/codec/frame.h"
#include "core/protocol/codec.h"
#include "runner/resp_commands.h"
#include "runner/resp_reader.h"
#include "runner/stream.h"

namespace bftsim::runner {
namespace {

constexpr std::size_t client_write_queue_bytes_max = 64u * 1024u * 1024u;
// Replies a RESP connection may have outstanding (pipelined commands).
constexpr std::size_t resp_pending_max = 8192;

}  // namespace

class ClientDoor::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ClientDoor& door, std::shared_ptr<Stream> stream) : door_(door), stream_(std::move(stream)) {}

  void on_data(std::span<const std::uint8_t> bytes) {
    if (mode_ == Mode::sniffing) {
      sniffed_.insert(sniffed_.end(), bytes.begin(), bytes.end());
      if (sniffed_.empty()) return;
      if (sniffed_[0] != static_cast<std::uint8_t>(client_protocol_magic[0])) {
        mode_ = Mode::resp;
      } else if (sniffed_.size() < 4) {
        return;
      } else if (std::memcmp(sniffed_.data(), client_protocol_magic, 4) == 0) {
        mode_ = Mode::binary;
        sniffed_.erase(sniffed_.begin(), sniffed_.begin() + 4);
      } else {
        mode_ = Mode::resp;
      }
      std::vector<std::uint8_t> first;
      first.swap(sniffed_);
      return on_data(first);
    }
    if (mode_ == Mode::binary) return on_binary(bytes);
    on_resp(bytes);
  }

  void close(const std::string& why) { stream_->close(why); }

 private:
  enum class Mode { sniffing, binary, resp };

  void on_binary(std::span<const std::uint8_t> bytes) {
    decoder_.feed(bytes);
    while (stream_->is_open()) {
      auto frame = decoder_.next();
      if (!frame) {
        if (frame.error().message.rfind("frame length", 0) == 0)
          ++door_.counters_.client_oversized_frames;
        else
          ++door_.counters_.client_malformed_frames;
        return close(frame.error().message);
      }
      if (!*frame) return;
      auto message = decode_message(**frame);
      const ClientRequest* request = message ? std::get_if<ClientRequest>(&*message) : nullptr;
      if (request == nullptr) {
        ++door_.counters_.client_malformed_frames;
        return close(message ? "not a client request" : message.error().message);
      }
      door_.service_.submit_client_request(*request, stream_);
    }
  }

  void on_resp(std::span<const std::uint8_t> bytes) {
    reader_.feed(bytes);
    while (stream_->is_open()) {
      auto command = reader_.next();
      if (!command) {
        ++door_.counters_.resp_protocol_errors;
        stream_->write(as_bytes(resp::error(fmt::format("ERR Protocol error: {}", command.error().message))));
        return close(command.error().message);
      }
      if (!*command) return;
      if (replies_.size() >= resp_pending_max) {
        ++door_.counters_.resp_protocol_errors;
        return close("too many pipelined commands");
      }
      ++door_.counters_.resp_commands;
      run(**command);
    }
  }

  static std::span<const std::uint8_t> as_bytes(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
  }

  // Each command takes the next reply slot; slots leave in order.
  std::size_t take_slot() {
    replies_.emplace_back();
    return first_slot_ + replies_.size() - 1;
  }
  void fill(std::size_t slot, std::string text) {
    replies_.at(slot - first_slot_) = std::move(text);
    std::string out;
    while (!replies_.empty() && replies_.front()) {
      out += *replies_.front();
      replies_.pop_front();
      ++first_slot_;
    }
    if (!out.empty()) stream_->write(as_bytes(out));
  }

  void run(const std::vector<std::string>& args) {
    std::string name = args[0];
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::size_t slot = take_slot();
    if (name == "MULTI") {
      if (in_multi_) return fill(slot, resp::error("ERR MULTI calls can not be nested"));
      in_multi_ = true;
      queued_.clear();
      queue_failed_ = false;
      return fill(slot, resp::simple("OK"));
    }
    if (name == "DISCARD") {
      if (!in_multi_) return fill(slot, resp::error("ERR DISCARD without MULTI"));
      in_multi_ = false;
      return fill(slot, resp::simple("OK"));
    }
    if (name == "EXEC") {
      if (!in_multi_) return fill(slot, resp::error("ERR EXEC without MULTI"));
      in_multi_ = false;
      if (queue_failed_) return fill(slot, resp::error("EXECABORT Transaction discarded because of previous errors."));
      return execute(slot, plan_exec(queued_));
    }
    if (name == "INFO") return fill(slot, resp::bulk(door_.service_.info_text()));
    RespAction action = plan_command(args);
    if (in_multi_) {
      if (action.reply) {
        queue_failed_ = queue_failed_ || action.reply->starts_with("-");
        return fill(slot, action.reply->starts_with("-") ? *action.reply : resp::error("ERR bftsim: command not allowed in MULTI"));
      }
      queued_.push_back(std::move(*action.plan));
      return fill(slot, resp::simple("QUEUED"));
    }
    execute(slot, std::move(action));
  }

  void execute(std::size_t slot, RespAction action) {
    if (action.reply) return fill(slot, std::move(*action.reply));
    struct Pending {
      RespPlan plan;
      std::vector<OpResult> results;
      std::size_t remaining = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->plan = std::move(*action.plan);
    pending->results.resize(pending->plan.ops.size());
    pending->remaining = pending->plan.ops.size();
    std::weak_ptr<Session> weak = shared_from_this();
    for (std::size_t i = 0; i < pending->plan.ops.size(); ++i) {
      door_.service_.submit_operation(pending->plan.ops[i], [weak, pending, slot, i](const OpResult& result) {
        pending->results[i] = result;
        if (--pending->remaining != 0) return;
        if (auto session = weak.lock(); session && session->stream_->is_open())
          session->fill(slot, render_reply(pending->plan, pending->results));
      });
    }
  }

  ClientDoor& door_;
  std::shared_ptr<Stream> stream_;
  Mode mode_ = Mode::sniffing;
  std::vector<std::uint8_t> sniffed_;
  FrameDecoder decoder_;
  RespReader reader_;
  std::deque<std::optional<std::string>> replies_;
  std::size_t first_slot_ = 0;
  bool in_multi_ = false;
  bool queue_failed_ = false;
  std::vector<RespPlan> queued_;
};

ClientDoor::ClientDoor(asio::io_context& io, ClientService& service, NetCounters& counters)
    : io_(io), service_(service), counters_(counters), acceptor_(io) {}

ClientDoor::~ClientDoor() { stop(); }

Status ClientDoor::start(const std::string& host, std::uint16_t port, int listen_socket) {
  asio::error_code ec;
  if (listen_socket >= 0) {
    acceptor_.assign(asio::ip::tcp::v4(), listen_socket, ec);
    if (ec) return make_error(ErrorCode::io_error, fmt::format("cannot use the client socket given: {}", ec.message()));
    accept_next();
    return {};
  }
  asio::ip::tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec || endpoints.empty())
    return make_error(ErrorCode::io_error, fmt::format("cannot resolve {}: {}", host, ec.message()));
  const asio::ip::tcp::endpoint endpoint = *endpoints.begin();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorCode::io_error, fmt::format("cannot listen for clients on {}:{}: {}", host, port, ec.message()));
  accept_next();
  return {};
}

void ClientDoor::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  auto sessions = sessions_;
  for (const auto& session : sessions) session->close("shutting down");
  sessions_.clear();
}

void ClientDoor::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      ++counters_.client_connections;
      auto stream = std::make_shared<Stream>(std::move(socket), client_write_queue_bytes_max);
      auto session = std::make_shared<Session>(*this, stream);
      sessions_.insert(session);
      std::weak_ptr<Session> weak = session;
      stream->start(Stream::Handlers{
          [weak](std::span<const std::uint8_t> bytes) {
            if (auto locked = weak.lock()) locked->on_data(bytes);
          },
          [this, weak](const std::string&) {
            asio::post(io_, [this, weak] {
              if (auto locked = weak.lock()) sessions_.erase(locked);
            });
          }});
    }
    accept_next();
  });
}

}  // namespace bftsim::runner
