// VerdictCache: every answer is the inner Verifier's; a repeated (signer,
// message, signature) is answered from the cache, anything that differs in
// one byte goes to the inner Verifier.
#include "sim/verdict_cache.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace bftsim {
namespace {

// Counts its calls; verdicts from a real fast KeyRing.
class CountingVerifier final : public Verifier {
 public:
  explicit CountingVerifier(std::shared_ptr<const Verifier> inner) : inner_(std::move(inner)) {}
  std::uint32_t replica_count() const override { return inner_->replica_count(); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message, const Signature& signature) const override {
    ++calls;
    return inner_->verify(signer, message, signature);
  }
  mutable int calls = 0;

 private:
  std::shared_ptr<const Verifier> inner_;
};

TEST_CASE("VerdictCache answers a repeated signature from the cache, with the inner verdict") {
  for (CryptoKind kind : {CryptoKind::fast, CryptoKind::ed25519}) {
    auto keys = KeyRing::create(kind, 7, 4);
    auto counting = std::make_shared<CountingVerifier>(keys->verifier());
    VerdictCache cache(counting);
    CHECK(cache.replica_count() == 4);
    const std::vector<std::uint8_t> message{1, 2, 3, 4, 5};
    const Signature good = keys->signer(2)->sign(message);

    CHECK(cache.verify(2, message, good));
    CHECK(cache.verify(2, message, good));
    CHECK(counting->calls == 1);
    CHECK(cache.hit_count() == 1);
    CHECK(cache.miss_count() == 1);

    // A false verdict is the inner one too, and cached as false.
    CHECK_FALSE(cache.verify(1, message, good));  // another signer
    CHECK_FALSE(cache.verify(1, message, good));
    CHECK(counting->calls == 2);

    // One byte of the message or the signature differs: asked again, and false.
    std::vector<std::uint8_t> other = message;
    other[4] ^= 1;
    CHECK_FALSE(cache.verify(2, other, good));
    Signature bent = good;
    bent.bytes[10] ^= 1;
    CHECK_FALSE(cache.verify(2, message, bent));
    CHECK(counting->calls == 4);
    // A prefix of the message is another message.
    CHECK_FALSE(cache.verify(2, std::span(message).first(4), good));
    CHECK(counting->calls == 5);
    // An out-of-range signer is false, never an assert.
    CHECK_FALSE(cache.verify(9, message, good));
    CHECK(cache.verify(2, message, good));
    CHECK(counting->calls == 6);
  }
}

}  // namespace
}  // namespace bftsim
