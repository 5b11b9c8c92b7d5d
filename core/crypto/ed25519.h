// Ed25519 keys held outside a KeyRing: bft-node loads its secret key and the
// cluster's public keys from files, and clients sign their own requests.
// A secret key is kept as its 32-byte seed (what key files store); the
// 64-byte libsodium form is derived when signing. Pure functions over
// libsodium; values own their bytes; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/signature.h"
#include "core/types/result.h"

namespace bftsim {

struct Ed25519PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  auto operator<=>(const Ed25519PublicKey&) const = default;
};

// The 32-byte seed a key pair derives from. Zeroed when destroyed.
class Ed25519Seed {
 public:
  explicit Ed25519Seed(const std::array<std::uint8_t, 32>& bytes) : bytes_(bytes) {}
  Ed25519Seed(const Ed25519Seed&) = default;
  Ed25519Seed& operator=(const Ed25519Seed&) = default;
  ~Ed25519Seed();
  const std::array<std::uint8_t, 32>& bytes() const { return bytes_; }

 private:
  std::array<std::uint8_t, 32> bytes_;
};

// A fresh seed from the operating system's random source (libsodium's
// randombytes). For key generation in runner/ only: core/ never calls it.
Ed25519Seed random_ed25519_seed();

Ed25519PublicKey ed25519_public_key(const Ed25519Seed& seed);
Signature ed25519_sign(const Ed25519Seed& seed, std::span<const std::uint8_t> message);
bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    const Signature& signature);

// A replica's Signer from its seed, and the cluster's Verifier from every
// replica's public key (index i is replica i). Requires: public_keys non-empty.
std::unique_ptr<Signer> make_ed25519_signer(ReplicaIndex index, const Ed25519Seed& seed);
std::shared_ptr<const Verifier> make_ed25519_verifier(std::vector<Ed25519PublicKey> public_keys);

// Lowercase hex, and its strict inverse (exactly `size` bytes of [0-9a-fA-F]
// pairs, else invalid_argument naming what was wrong).
std::string to_hex(std::span<const std::uint8_t> bytes);
Result<std::vector<std::uint8_t>> from_hex(std::string_view text, std::size_t size_bytes);

}  // namespace bftsim
