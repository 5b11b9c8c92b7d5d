// The peer handshake of bft-node (docs/runner_protocol.md). The dialer sends
// Hello (chain id, its index, the index it wants, a fresh nonce); the
// acceptor answers Challenge (its own fresh nonce and its signature over both
// nonces); the dialer verifies it and sends Proof (its signature over both
// nonces). Each side thereby signs a nonce the other just chose, so a
// recorded handshake cannot be replayed and a peer without the key of the
// index it claims never gets a link. Each message is one frame (frame.h).
// Pure functions; the sockets live in peer_link.h.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/ed25519.h"
#include "core/types/ids.h"
#include "core/types/result.h"

namespace bftsim::runner {

using Nonce = std::array<std::uint8_t, 32>;
Nonce random_nonce();

struct PeerHello {
  std::string chain_id;
  ReplicaIndex from = 0;  // the dialer
  ReplicaIndex to = 0;    // the acceptor it means to reach
  Nonce nonce{};
};

struct PeerChallenge {
  Nonce nonce{};
  Signature signature;  // the acceptor's, over handshake_bytes(accept, ...)
};

struct PeerProof {
  Signature signature;  // the dialer's, over handshake_bytes(dial, ...)
};

enum class HandshakeRole : std::uint8_t { accept = 1, dial = 2 };

// "bftsim/handshake/v1", u16 chain length, chain, u8 role, u32 from, u32 to,
// dialer nonce, acceptor nonce.
std::vector<std::uint8_t> handshake_bytes(HandshakeRole role, const std::string& chain_id,
                                          ReplicaIndex from, ReplicaIndex to, const Nonce& dial_nonce,
                                          const Nonce& accept_nonce);

std::vector<std::uint8_t> encode_hello(const PeerHello& hello);
std::vector<std::uint8_t> encode_challenge(const PeerChallenge& challenge);
std::vector<std::uint8_t> encode_proof(const PeerProof& proof);
// Strict: the exact size and kind byte, else ErrorCode::malformed.
Result<PeerHello> decode_hello(std::span<const std::uint8_t> bytes);
Result<PeerChallenge> decode_challenge(std::span<const std::uint8_t> bytes);
Result<PeerProof> decode_proof(std::span<const std::uint8_t> bytes);

}  // namespace bftsim::runner
