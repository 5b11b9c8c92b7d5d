// Stream: one TCP connection on bft-node's (or bft-client's) event loop. It
// hands every chunk it reads to on_data, and queues writes, coalescing what
// was queued while a write was in flight into the next one. A queue past
// write_queue_bytes_max closes the connection (a peer that does not read
// must not grow our memory). on_close runs once, with the reason.
// Threading: the io_context's one thread. Ownership: shared; pending reads
// and writes keep it alive. Handlers must not own the Stream (no cycles).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>

namespace bftsim::runner {

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  struct Handlers {
    std::function<void(std::span<const std::uint8_t>)> on_data;
    std::function<void(const std::string& why)> on_close;
  };

  Stream(asio::ip::tcp::socket socket, std::size_t write_queue_bytes_max);
  void start(Handlers handlers);
  void write(std::span<const std::uint8_t> bytes);
  void close(const std::string& why);
  bool is_open() const { return open_; }
  std::size_t queued_bytes() const { return pending_.size() + in_flight_.size(); }
  const std::string& remote() const { return remote_; }

 private:
  void read_more();
  void write_more();

  asio::ip::tcp::socket socket_;
  std::size_t write_queue_bytes_max_;
  std::string remote_;
  std::array<std::uint8_t, 64 * 1024> read_buffer_{};
  std::vector<std::uint8_t> pending_;    // queued, not yet handed to the socket
  std::vector<std::uint8_t> in_flight_;  // the write in progress
  bool writing_ = false;
  bool open_ = true;
  Handlers handlers_;
};

}  // namespace bftsim::runner
