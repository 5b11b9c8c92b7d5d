// What bft-node counts about its connections: every rejected peer or client
// connection increments one of these, so a test (and the status line) can
// see that bad input was refused rather than silently ignored. Plain values,
// updated on the event loop's thread only.
#pragma once

#include <cstdint>

namespace bftsim::runner {

struct NetCounters {
  std::uint64_t peer_links_up = 0;           // handshakes completed, both directions
  std::uint64_t peer_malformed_frames = 0;   // a frame that does not decode as a message
  std::uint64_t peer_oversized_frames = 0;   // a zero or over-limit frame length
  std::uint64_t peer_handshake_failures = 0; // wrong chain, wrong index, wrong key, bad bytes
  std::uint64_t peer_handshake_timeouts = 0;
  std::uint64_t peer_messages_dropped = 0;   // to a peer with no link up
  std::uint64_t peer_frames_sent = 0;        // handed to a link that is up
  std::uint64_t client_connections = 0;
  std::uint64_t client_malformed_frames = 0; // bft-client protocol: bad frame or not a request
  std::uint64_t client_oversized_frames = 0;
  std::uint64_t resp_protocol_errors = 0;    // RESP bytes hiredis cannot parse, or not a command
  std::uint64_t resp_commands = 0;
};

}  // namespace bftsim::runner
