// Ed25519 keys outside a KeyRing (ed25519.h), over libsodium.
#include "core/crypto/ed25519.h"

#include <fmt/format.h>

#include "core/crypto/sodium_init.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

using detail::ensure_sodium;
using SecretKey = std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES>;

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SEEDBYTES == 32);

void expand(const Ed25519Seed& seed, Ed25519PublicKey& public_key, SecretKey& secret_key) {
  ensure_sodium();
  int rc = crypto_sign_seed_keypair(public_key.bytes.data(), secret_key.data(), seed.bytes().data());
  BFTSIM_ASSERT(rc == 0);
}

class SeedSigner final : public Signer {
 public:
  SeedSigner(ReplicaIndex index, const Ed25519Seed& seed) : index_(index) {
    Ed25519PublicKey ignored;
    expand(seed, ignored, secret_key_);
  }
  ~SeedSigner() override { sodium_memzero(secret_key_.data(), secret_key_.size()); }
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
  SecretKey secret_key_{};
};

class PublicKeyVerifier final : public Verifier {
 public:
  explicit PublicKeyVerifier(std::vector<Ed25519PublicKey> keys) : keys_(std::move(keys)) {}
  std::uint32_t replica_count() const override { return static_cast<std::uint32_t>(keys_.size()); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
              const Signature& signature) const override {
    if (signer >= keys_.size()) return false;
    return ed25519_verify(keys_[signer], message, signature);
  }

 private:
  std::vector<Ed25519PublicKey> keys_;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Ed25519Seed::~Ed25519Seed() { sodium_memzero(bytes_.data(), bytes_.size()); }

Ed25519Seed random_ed25519_seed() {
  ensure_sodium();
  std::array<std::uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  Ed25519Seed seed(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return seed;
}

Ed25519PublicKey ed25519_public_key(const Ed25519Seed& seed) {
  Ed25519PublicKey public_key;
  SecretKey secret_key{};
  expand(seed, public_key, secret_key);
  sodium_memzero(secret_key.data(), secret_key.size());
  return public_key;
}

Signature ed25519_sign(const Ed25519Seed& seed, std::span<const std::uint8_t> message) {
  return SeedSigner(0, seed).sign(message);
}

bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                     key.bytes.data()) == 0;
}

std::unique_ptr<Signer> make_ed25519_signer(ReplicaIndex index, const Ed25519Seed& seed) {
  return std::make_unique<SeedSigner>(index, seed);
}

std::shared_ptr<const Verifier> make_ed25519_verifier(std::vector<Ed25519PublicKey> public_keys) {
  BFTSIM_ASSERT(!public_keys.empty());
  BFTSIM_ASSERT(public_keys.size() <= replica_count_max);
  return std::make_shared<const PublicKeyVerifier>(std::move(public_keys));
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0xf]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view text, std::size_t size_bytes) {
  if (text.size() != size_bytes * 2)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("expected {} hex digits ({} bytes), got {} characters",
                                  size_bytes * 2, size_bytes, text.size()));
  std::vector<std::uint8_t> out(size_bytes);
  for (std::size_t i = 0; i < size_bytes; ++i) {
    int high = hex_digit(text[2 * i]);
    int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("not a hex digit at position {}", high < 0 ? 2 * i : 2 * i + 1));
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return out;
}

}  // namespace bftsim
