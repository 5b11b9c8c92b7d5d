// Tests of the peer handshake's bytes (runner/handshake.h): the messages
// round-trip and reject wrong sizes, and a signature made for one role,
// direction or nonce never verifies for another, so a recorded handshake
// cannot be replayed and an acceptor's signature cannot stand for a dialer's.
#include <doctest/doctest.h>

#include "runner/handshake.h"

namespace bftsim::runner::test_runner_handshake_test {

TEST_CASE("handshake: messages round-trip and reject other sizes") {
  PeerHello hello{"chain", 2, 3, random_nonce()};
  auto decoded = decode_hello(encode_hello(hello));
  REQUIRE(decoded);
  CHECK(decoded->chain_id == "chain");
  CHECK(decoded->from == 2);
  CHECK(decoded->to == 3);
  CHECK(decoded->nonce == hello.nonce);
  auto bytes = encode_hello(hello);
  bytes.push_back(0);
  CHECK_FALSE(decode_hello(bytes));
  bytes.resize(10);
  CHECK_FALSE(decode_hello(bytes));
  PeerChallenge challenge{random_nonce(), {}};
  challenge.signature.bytes[5] = 9;
  auto challenge_back = decode_challenge(encode_challenge(challenge));
  REQUIRE(challenge_back);
  CHECK(challenge_back->nonce == challenge.nonce);
  CHECK(challenge_back->signature == challenge.signature);
  CHECK_FALSE(decode_challenge(encode_proof(PeerProof{})));  // wrong kind
  CHECK_FALSE(decode_proof(encode_challenge(challenge)));
  CHECK(decode_proof(encode_proof(PeerProof{})));
  CHECK(random_nonce() != random_nonce());
}

TEST_CASE("handshake: signed bytes bind role, chain, direction and both nonces") {
  const Nonce dial_nonce = random_nonce();
  const Nonce accept_nonce = random_nonce();
  std::array<std::uint8_t, 32> seed_bytes{};
  seed_bytes.fill(7);
  const Ed25519Seed seed(seed_bytes);
  const Ed25519PublicKey key = ed25519_public_key(seed);
  const auto bytes = handshake_bytes(HandshakeRole::accept, "c", 1, 2, dial_nonce, accept_nonce);
  const Signature signature = ed25519_sign(seed, bytes);
  CHECK(ed25519_verify(key, bytes, signature));
  CHECK_FALSE(ed25519_verify(key, handshake_bytes(HandshakeRole::dial, "c", 1, 2, dial_nonce, accept_nonce), signature));
  CHECK_FALSE(ed25519_verify(key, handshake_bytes(HandshakeRole::accept, "d", 1, 2, dial_nonce, accept_nonce), signature));
  CHECK_FALSE(ed25519_verify(key, handshake_bytes(HandshakeRole::accept, "c", 2, 1, dial_nonce, accept_nonce), signature));
  CHECK_FALSE(ed25519_verify(key, handshake_bytes(HandshakeRole::accept, "c", 1, 2, random_nonce(), accept_nonce), signature));
  CHECK_FALSE(ed25519_verify(key, handshake_bytes(HandshakeRole::accept, "c", 1, 2, dial_nonce, random_nonce()), signature));
}

}  // namespace bftsim::runner::test_runner_handshake_test
