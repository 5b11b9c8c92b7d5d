// VerdictCache: every answer is the inner Verifier's; a repeated (signer,
// message, signature) is answered from the cache, anything that differs in
// one byte goes to the inner Verifier; a QC's signature list seen whole is
// answered from memory, any other list is checked.
#include "sim/verdict_cache.h"

#include "core/consensus/block_tree.h"
#include "core/consensus/quorum.h"
#include "core/protocol/signing.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace bftsim::test_sim_verdict_cache_test {
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

TEST_CASE("VerdictCache answers a QC's whole signature list from memory, with the one-by-one verdict") {
  auto keys = KeyRing::create(CryptoKind::fast, 7, 4);
  auto counting = std::make_shared<CountingVerifier>(keys->verifier());
  VerdictCache cache(counting);
  const Hash32 genesis = BlockTree::genesis_hash();
  QuorumCert qc{5, genesis, {}};
  qc.block_hash.bytes[0] ^= 1;
  const auto bytes = signing::vote_bytes("c", qc.view, qc.block_hash);
  for (ReplicaIndex r : {0u, 1u, 3u}) qc.signatures.edit().push_back({r, keys->signer(r)->sign(bytes)});

  CHECK(verify_qc(qc, cache, "c", 3, genesis));
  CHECK(counting->calls == 3);
  CHECK(verify_qc(qc, cache, "c", 3, genesis));  // the list again: no signature checked
  CHECK(counting->calls == 3);
  CHECK(cache.recall(bytes, qc.signatures) == std::optional<bool>(true));

  // Another chain id signs other bytes: checked again (from the per-signature
  // cache, which also sees the message), and false.
  CHECK_FALSE(verify_qc(qc, cache, "d", 3, genesis));
  CHECK(counting->calls == 4);
  CHECK_FALSE(verify_qc(qc, cache, "d", 3, genesis));
  CHECK(counting->calls == 4);

  // One bent signature: a new list, false, and remembered as false.
  QuorumCert bent = qc;
  bent.signatures.edit()[2].signature.bytes[3] ^= 1;
  CHECK_FALSE(verify_qc(bent, cache, "c", 3, genesis));
  CHECK(counting->calls == 5);  // the first two came from the per-signature cache
  CHECK(cache.recall(bytes, bent.signatures) == std::optional<bool>(false));
  CHECK_FALSE(verify_qc(bent, cache, "c", 3, genesis));
  CHECK(counting->calls == 5);

  // A signer swapped for another with the same signature bytes is another list.
  QuorumCert swapped = qc;
  swapped.signatures.edit()[2].signer = 2;
  CHECK_FALSE(verify_qc(swapped, cache, "c", 3, genesis));
  CHECK(counting->calls == 6);
  // A prefix of the list is another list (and short of the quorum here).
  CHECK_FALSE(cache.recall(bytes, SharedList<SignerSignature>(std::vector<SignerSignature>(
                                      qc.signatures.begin(), qc.signatures.begin() + 2)))
                   .has_value());
  // The same signatures in a buffer of their own: found by comparing them.
  const SharedList<SignerSignature> copy(qc.signatures.vector());
  CHECK(copy.vector().data() != qc.signatures.vector().data());
  CHECK(cache.recall(bytes, copy) == std::optional<bool>(true));
  // The cache holds qc's buffer: an edit of qc copies it, and the edited
  // list is not the stored one.
  qc.signatures.edit()[0].signature.bytes[0] ^= 1;
  CHECK_FALSE(cache.recall(bytes, qc.signatures).has_value());
  CHECK_FALSE(verify_qc(qc, cache, "c", 3, genesis));
}

}  // namespace
}  // namespace bftsim::test_sim_verdict_cache_test
