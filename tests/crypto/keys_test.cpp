// Tests of key derivation, signing and verifying (core/crypto/keys.h) for
// both CryptoKinds, including known answers computed outside this code base
// (Python hashlib and the `cryptography` package).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/crypto/blake2b.h"
#include "core/crypto/keys.h"

namespace bftsim::test_crypto_keys_test {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t byte : bytes) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0xf]);
  }
  return out;
}

constexpr CryptoKind all_kinds[] = {CryptoKind::ed25519, CryptoKind::fast};

}  // namespace

TEST_CASE("keys: blake2b_256 matches the reference vectors") {
  // Goal: the hash is unkeyed BLAKE2b with a 32-byte digest. Method: compare
  // with Python hashlib.blake2b(digest_size=32) of "" and "abc".
  CHECK(blake2b_256({}).hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  CHECK(blake2b_256(bytes_of("abc")).hex() == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_CASE("keys: crypto kind names parse and print") {
  // Goal: the two names round-trip and anything else is invalid_argument.
  // Method: parse, print, and parse a bad name.
  for (CryptoKind kind : all_kinds) {
    Result<CryptoKind> parsed = parse_crypto_kind(crypto_kind_name(kind));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == kind);
  }
  CHECK(std::string(crypto_kind_name(CryptoKind::ed25519)) == "ed25519");
  CHECK(std::string(crypto_kind_name(CryptoKind::fast)) == "fast");
  Result<CryptoKind> bad = parse_crypto_kind("rsa");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message.find("rsa") != std::string::npos);
}

TEST_CASE("keys: signatures verify, and every tampering fails") {
  // Goal: a signature verifies only for its signer, message and bytes.
  // Method: for both kinds, sign with each replica and try wrong signers,
  // out-of-range signers, a flipped message bit and flipped signature bits.
  const std::vector<std::uint8_t> message = bytes_of("a block hash, say");
  for (CryptoKind kind : all_kinds) {
    INFO("kind " << crypto_kind_name(kind));
    std::unique_ptr<KeyRing> ring = KeyRing::create(kind, 42, 4);
    CHECK(ring->kind() == kind);
    std::shared_ptr<const Verifier> verifier = ring->verifier();
    CHECK(verifier->replica_count() == 4);
    for (ReplicaIndex index = 0; index < 4; ++index) {
      std::unique_ptr<Signer> signer = ring->signer(index);
      CHECK(signer->index() == index);
      Signature signature = signer->sign(message);
      CHECK(verifier->verify(index, message, signature));
      CHECK(!verifier->verify((index + 1) % 4, message, signature));
      CHECK(!verifier->verify(4, message, signature));
      CHECK(!verifier->verify(0xffff'ffff, message, signature));
      std::vector<std::uint8_t> flipped_message = message;
      flipped_message[index] ^= 0x01;
      CHECK(!verifier->verify(index, flipped_message, signature));
      for (std::size_t position : {0, 31, 32, 63}) {
        Signature flipped = signature;
        flipped.bytes[position] ^= 0x80;
        CHECK(!verifier->verify(index, message, flipped));
      }
    }
    Signature empty_signature = ring->signer(2)->sign({});
    CHECK(verifier->verify(2, {}, empty_signature));
    CHECK(!verifier->verify(2, {}, Signature{}));
  }
}

TEST_CASE("keys: keys derive from the seed alone") {
  // Goal: same seed, same keys; another seed, other keys. Method: compare
  // signatures (deterministic for both kinds) across KeyRings, and verify
  // one ring's signature with the other ring's verifier.
  const std::vector<std::uint8_t> message = bytes_of("determinism");
  for (CryptoKind kind : all_kinds) {
    INFO("kind " << crypto_kind_name(kind));
    std::unique_ptr<KeyRing> first = KeyRing::create(kind, 7, 3);
    std::unique_ptr<KeyRing> second = KeyRing::create(kind, 7, 3);
    std::unique_ptr<KeyRing> other = KeyRing::create(kind, 8, 3);
    for (ReplicaIndex index = 0; index < 3; ++index) {
      Signature signature = first->signer(index)->sign(message);
      CHECK(second->signer(index)->sign(message) == signature);
      CHECK(second->verifier()->verify(index, message, signature));
      CHECK(other->signer(index)->sign(message) != signature);
      CHECK(!other->verifier()->verify(index, message, signature));
    }
    // The signer outlives its KeyRing, and so does the verifier.
    std::unique_ptr<Signer> signer = first->signer(1);
    std::shared_ptr<const Verifier> verifier = first->verifier();
    first.reset();
    CHECK(verifier->verify(1, message, signer->sign(message)));
  }
}

TEST_CASE("keys: derivation matches the documented recipe") {
  // Goal: keys are exactly as keys.h and docs/wire_format.md say. Method:
  // known answers for seed 7, replica 1, message "hello", computed in Python:
  // fast = keyed blake2b-256 under blake2b_256("bftsim/fastkey/v1"||u64 7||u32 1);
  // ed25519 = the RFC 8032 signature under seed blake2b_256("bftsim/key/v1"||...).
  const std::vector<std::uint8_t> message = bytes_of("hello");
  Signature fast = KeyRing::create(CryptoKind::fast, 7, 2)->signer(1)->sign(message);
  CHECK(hex(std::span(fast.bytes).first(32)) == "fac4a97e53c38ad2217174e0243383452503b3b34a65512eb701ffc94c1417f5");
  CHECK(hex(std::span(fast.bytes).last(32)) == std::string(64, '0'));
  Signature ed = KeyRing::create(CryptoKind::ed25519, 7, 2)->signer(1)->sign(message);
  CHECK(hex(ed.bytes) ==
        "f79267925beea27f3bce498c71517e16a5546a55573056bbc4b6d370dccb3193"
        "2d5e5157fb70ef57a9d1506c2475267551a9e3cf92a81ec9b67b4cb943a53009");
}

TEST_CASE("keys: a fast signature needs the signer's own key") {
  // Goal: replica 2's Signer cannot make replica 1's signature, though one
  // Verifier holds every MAC key. Method: sign the same message with each
  // and cross-verify.
  const std::vector<std::uint8_t> message = bytes_of("vote for block 5");
  std::unique_ptr<KeyRing> ring = KeyRing::create(CryptoKind::fast, 1, 4);
  Signature by_one = ring->signer(1)->sign(message);
  Signature by_two = ring->signer(2)->sign(message);
  CHECK(by_one != by_two);
  CHECK(!ring->verifier()->verify(1, message, by_two));
  CHECK(!ring->verifier()->verify(2, message, by_one));
  CHECK(ring->verifier()->verify(1, message, by_one));
}

}  // namespace bftsim::test_crypto_keys_test
