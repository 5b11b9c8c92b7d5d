// Helpers shared by the runner tests that open real loopback sockets: a
// deterministic Ed25519 seed per replica and TCP ports on 127.0.0.1 held
// from bind to use.
#pragma once

#include <array>
#include <cstdint>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "core/crypto/ed25519.h"

namespace bftsim::runner::testing {

// A seed whose 32 bytes are all `fill`.
inline Ed25519Seed seed_of(std::uint8_t fill) {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(fill);
  return Ed25519Seed(bytes);
}

// A port on 127.0.0.1 the kernel chose (bind to port 0), held from the bind
// until the test is done with it, so no other process can take it meanwhile
// (closing a socket and binding its port again races other tests). While
// held and not listening, a connection to it is refused.
class HeldPort {
 public:
  HeldPort() : acceptor_(io_) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = acceptor_.local_endpoint().port();
  }
  std::uint16_t port() const { return port_; }
  // Starts listening and hands the socket over (PeerNetwork::start,
  // ClientDoor::start, NodeServerOptions); the receiver owns it.
  int listen_and_release() {
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.release();
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace bftsim::runner::testing
