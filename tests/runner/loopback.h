// Helpers shared by the runner tests that open real loopback sockets: a
// deterministic Ed25519 seed per replica and a free TCP port on 127.0.0.1.
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

// A port the kernel had free a moment ago (bound and released).
inline std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace bftsim::runner::testing
