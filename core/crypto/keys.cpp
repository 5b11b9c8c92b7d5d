// Key derivation, signing and verifying for both CryptoKinds (keys.h), over
// libsodium. Both kinds are deterministic: the same (seed, index, message)
// always gives the same signature bytes.
#include "core/crypto/keys.h"

#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto/blake2b.h"
#include "core/crypto/sodium_init.h"

#include "core/types/assert.h"

namespace bftsim {
namespace {

using detail::ensure_sodium;

// blake2b_256(tag || u64 LE seed || u32 LE index), the 32-byte key seed.
std::array<std::uint8_t, 32> derive_seed(std::string_view tag, std::uint64_t seed, ReplicaIndex index) {
  std::vector<std::uint8_t> input(tag.begin(), tag.end());
  for (int i = 0; i < 8; ++i) input.push_back(static_cast<std::uint8_t>(seed >> (8 * i)));
  for (int i = 0; i < 4; ++i) input.push_back(static_cast<std::uint8_t>(index >> (8 * i)));
  return blake2b_256(input).bytes;
}

// ---- ed25519 ----

static_assert(crypto_sign_BYTES == sizeof(Signature{}.bytes));
static_assert(crypto_sign_SEEDBYTES == 32);

using PublicKey = std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES>;
using SecretKey = std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES>;

class Ed25519Signer final : public Signer {
 public:
  Ed25519Signer(ReplicaIndex index, const SecretKey& secret_key) : index_(index), secret_key_(secret_key) {}
  ~Ed25519Signer() override { sodium_memzero(secret_key_.data(), secret_key_.size()); }
  ReplicaIndex index() const override { return index_; }
  Signature sign(std::span<const std::uint8_t> message) const override {
    Signature signature;
    int rc = crypto_sign_detached(signature.bytes.data(), nullptr, message.data(), message.size(),
                                  secret_key_.data());
    BFTSIM_ASSERT(rc == 0);
    return signature;
  }

 private:
  ReplicaIndex index_;
  SecretKey secret_key_;
};

class Ed25519Verifier final : public Verifier {
 public:
  explicit Ed25519Verifier(std::vector<PublicKey> public_keys) : public_keys_(std::move(public_keys)) {}
  std::uint32_t replica_count() const override { return static_cast<std::uint32_t>(public_keys_.size()); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
              const Signature& signature) const override {
    if (signer >= public_keys_.size()) return false;
    return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                       public_keys_[signer].data()) == 0;
  }

 private:
  std::vector<PublicKey> public_keys_;
};

class Ed25519KeyRing final : public KeyRing {
 public:
  Ed25519KeyRing(std::uint64_t seed, std::uint32_t replica_count) {
    std::vector<PublicKey> public_keys(replica_count);
    secret_keys_.resize(replica_count);
    for (ReplicaIndex index = 0; index < replica_count; ++index) {
      std::array<std::uint8_t, 32> key_seed = derive_seed("bftsim/key/v1", seed, index);
      int rc = crypto_sign_seed_keypair(public_keys[index].data(), secret_keys_[index].data(), key_seed.data());
      BFTSIM_ASSERT(rc == 0);
      sodium_memzero(key_seed.data(), key_seed.size());
    }
    verifier_ = std::make_shared<const Ed25519Verifier>(std::move(public_keys));
  }
  ~Ed25519KeyRing() override {
    for (SecretKey& key : secret_keys_) sodium_memzero(key.data(), key.size());
  }
  CryptoKind kind() const override { return CryptoKind::ed25519; }
  std::unique_ptr<Signer> signer(ReplicaIndex index) const override {
    BFTSIM_ASSERT(index < secret_keys_.size());
    return std::make_unique<Ed25519Signer>(index, secret_keys_[index]);
  }
  std::shared_ptr<const Verifier> verifier() const override { return verifier_; }

 private:
  std::vector<SecretKey> secret_keys_;
  std::shared_ptr<const Verifier> verifier_;
};

// ---- fast: keyed BLAKE2b-256 in the first half of the Signature ----

using MacKey = std::array<std::uint8_t, 32>;
static_assert(crypto_generichash_KEYBYTES_MIN <= 32 && 32 <= crypto_generichash_KEYBYTES_MAX);

void fast_mac(const MacKey& key, std::span<const std::uint8_t> message, std::uint8_t* out32) {
  int rc = crypto_generichash(out32, 32, message.data(), message.size(), key.data(), key.size());
  BFTSIM_ASSERT(rc == 0);
}

class FastSigner final : public Signer {
 public:
  FastSigner(ReplicaIndex index, const MacKey& key) : index_(index), key_(key) {}
  ~FastSigner() override { sodium_memzero(key_.data(), key_.size()); }
  ReplicaIndex index() const override { return index_; }
  Signature sign(std::span<const std::uint8_t> message) const override {
    Signature signature;  // the last 32 bytes stay zero
    fast_mac(key_, message, signature.bytes.data());
    return signature;
  }

 private:
  ReplicaIndex index_;
  MacKey key_;
};

class FastVerifier final : public Verifier {
 public:
  explicit FastVerifier(std::vector<MacKey> keys) : keys_(std::move(keys)) {}
  ~FastVerifier() override {
    for (MacKey& key : keys_) sodium_memzero(key.data(), key.size());
  }
  std::uint32_t replica_count() const override { return static_cast<std::uint32_t>(keys_.size()); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
              const Signature& signature) const override {
    if (signer >= keys_.size()) return false;
    if (!sodium_is_zero(signature.bytes.data() + 32, 32)) return false;
    std::array<std::uint8_t, 32> expected{};
    fast_mac(keys_[signer], message, expected.data());
    return sodium_memcmp(expected.data(), signature.bytes.data(), 32) == 0;
  }

 private:
  std::vector<MacKey> keys_;
};

class FastKeyRing final : public KeyRing {
 public:
  FastKeyRing(std::uint64_t seed, std::uint32_t replica_count) {
    keys_.reserve(replica_count);
    for (ReplicaIndex index = 0; index < replica_count; ++index)
      keys_.push_back(derive_seed("bftsim/fastkey/v1", seed, index));
    verifier_ = std::make_shared<const FastVerifier>(keys_);
  }
  ~FastKeyRing() override {
    for (MacKey& key : keys_) sodium_memzero(key.data(), key.size());
  }
  CryptoKind kind() const override { return CryptoKind::fast; }
  std::unique_ptr<Signer> signer(ReplicaIndex index) const override {
    BFTSIM_ASSERT(index < keys_.size());
    return std::make_unique<FastSigner>(index, keys_[index]);
  }
  std::shared_ptr<const Verifier> verifier() const override { return verifier_; }

 private:
  std::vector<MacKey> keys_;
  std::shared_ptr<const Verifier> verifier_;
};

}  // namespace

const char* crypto_kind_name(CryptoKind kind) {
  switch (kind) {
    case CryptoKind::ed25519: return "ed25519";
    case CryptoKind::fast: return "fast";
  }
  return "unknown";
}

Result<CryptoKind> parse_crypto_kind(std::string_view name) {
  if (name == "ed25519") return CryptoKind::ed25519;
  if (name == "fast") return CryptoKind::fast;
  return make_error(ErrorCode::invalid_argument,
                    "unknown crypto kind '" + std::string(name) + "' (expected ed25519 or fast)");
}

std::unique_ptr<KeyRing> KeyRing::create(CryptoKind kind, std::uint64_t seed, std::uint32_t replica_count) {
  BFTSIM_ASSERT(replica_count >= 1);
  BFTSIM_ASSERT(replica_count <= replica_count_max);
  ensure_sodium();
  switch (kind) {
    case CryptoKind::ed25519: return std::make_unique<Ed25519KeyRing>(seed, replica_count);
    case CryptoKind::fast: return std::make_unique<FastKeyRing>(seed, replica_count);
  }
  BFTSIM_ASSERT(false);  // every CryptoKind is a case above
  return nullptr;
}

}  // namespace bftsim
