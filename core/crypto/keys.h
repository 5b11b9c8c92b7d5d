// Signing and verifying for a cluster. Keys derive deterministically from
// (run seed, replica index), so a scenario and seed always give the same keys.
// Two kinds: ed25519 (libsodium, what bft-node uses) and fast, a
// simulator-only keyed BLAKE2b MAC: a node that lacks a replica's key still
// cannot produce that replica's signature, but verifying needs every key, so
// only the simulator (which holds them all in one KeyRing) can use it.
// Ownership: a KeyRing hands out Signers (one replica's secret) and one shared
// Verifier (public side); both stay valid without the KeyRing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/crypto/signature.h"
#include "core/types/ids.h"
#include "core/types/result.h"

namespace bftsim {

enum class CryptoKind : std::uint8_t { ed25519, fast };

// "ed25519" / "fast".
const char* crypto_kind_name(CryptoKind kind);
Result<CryptoKind> parse_crypto_kind(std::string_view name);

// One replica's secret key.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual ReplicaIndex index() const = 0;
  virtual Signature sign(std::span<const std::uint8_t> message) const = 0;
};

// The cluster's public side.
class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual std::uint32_t replica_count() const = 0;
  // True iff `signature` is replica `signer`'s signature of `message`;
  // false (never an assert) for a signer outside 0..replica_count-1.
  virtual bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
                      const Signature& signature) const = 0;
};

class KeyRing {
 public:
  virtual ~KeyRing() = default;
  // Requires: 1 <= replica_count <= replica_count_max.
  static std::unique_ptr<KeyRing> create(CryptoKind kind, std::uint64_t seed,
                                         std::uint32_t replica_count);
  virtual CryptoKind kind() const = 0;
  virtual std::unique_ptr<Signer> signer(ReplicaIndex index) const = 0;
  virtual std::shared_ptr<const Verifier> verifier() const = 0;
};

}  // namespace bftsim
