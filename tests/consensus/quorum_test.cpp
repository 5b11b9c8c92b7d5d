// Tests of quorum arithmetic and certificate checks (core/consensus/quorum.h):
// quorum sizes, QC and TC verification against forged, short, reordered and
// misdirected signature sets.
#include "core/consensus/quorum.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/crypto/keys.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_quorum_test {
namespace {

using testing::Forger;
using testing::test_chain_id;

Hash32 some_hash(std::uint8_t fill) {
  Hash32 hash;
  hash.bytes.fill(fill);
  return hash;
}

struct Fixture {
  static constexpr std::uint32_t n = 4;
  static constexpr std::uint32_t quorum = 3;
  std::unique_ptr<KeyRing> keys = KeyRing::create(CryptoKind::fast, 11, n);
  std::shared_ptr<const Verifier> verifier = keys->verifier();
  Forger forger{*keys, n};

  bool qc_ok(const QuorumCert& qc) const {
    return verify_qc(qc, *verifier, test_chain_id, quorum, BlockTree::genesis_hash());
  }
  bool tc_ok(const TimeoutCert& tc) const {
    return verify_tc(tc, *verifier, test_chain_id, quorum, BlockTree::genesis_hash());
  }
  bool tc_timeouts_ok(const TimeoutCert& tc) const {
    return verify_tc_timeouts(tc, *verifier, test_chain_id, quorum);
  }
};

TEST_CASE("quorum_size: 2f+1 at n=3f+1 and floor((n+f)/2)+1 otherwise") {
  // Goal: the quorum size for typical n with the largest f they tolerate.
  // Method: compare against hand-computed values.
  CHECK(quorum_size(1, 0) == 1);
  CHECK(quorum_size(4, 1) == 3);
  CHECK(quorum_size(5, 1) == 4);
  CHECK(quorum_size(7, 2) == 5);
  CHECK(quorum_size(10, 3) == 7);
  CHECK(quorum_size(100, 33) == 67);
}

TEST_CASE("quorum_size: any two quorums share an honest replica, and honest replicas form one") {
  // Goal: the defining properties of a quorum for every n <= 100 and f <= (n-1)/3.
  // Method: two quorums overlap in >= f+1 replicas; n-f replicas reach a quorum.
  for (std::uint32_t n = 1; n <= 100; ++n) {
    for (std::uint32_t f = 0; 3 * f + 1 <= n; ++f) {
      const std::uint32_t q = quorum_size(n, f);
      CAPTURE(n);
      CAPTURE(f);
      CHECK(2 * q >= n + f + 1);  // |Q1 ∩ Q2| >= 2q - n >= f + 1
      CHECK(q <= n - f);          // liveness with f silent replicas
    }
  }
}

TEST_CASE("verify_qc: exactly a quorum of valid signatures is accepted, one fewer is not") {
  // Goal: the threshold is quorum, not more or less. Method: QCs with 3 and 2 of 4 signers, and all 4.
  Fixture fx;
  const Hash32 hash = some_hash(0xab);
  CHECK(fx.qc_ok(fx.forger.qc(5, hash, {0, 1, 3})));
  CHECK(fx.qc_ok(fx.forger.qc(5, hash, {0, 1, 2, 3})));
  CHECK_FALSE(fx.qc_ok(fx.forger.qc(5, hash, {1, 3})));
  CHECK_FALSE(fx.qc_ok(fx.forger.qc(5, hash, {})));
}

TEST_CASE("verify_qc: malformed signer lists are rejected") {
  // Goal: duplicated, unsorted and out-of-range signers invalidate a QC.
  // Method: start from a valid QC and break its signer list one way at a time.
  Fixture fx;
  const Hash32 hash = some_hash(0x11);
  const QuorumCert valid = fx.forger.qc(3, hash, {0, 1, 2});
  REQUIRE(fx.qc_ok(valid));

  SUBCASE("duplicated signer") {
    QuorumCert qc = fx.forger.qc(3, hash, {0, 1, 1});
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("duplicated signer padding a short QC to quorum") {
    QuorumCert qc = fx.forger.qc(3, hash, {0, 1});
    qc.signatures.edit().push_back(qc.signatures.back());
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("unsorted signers") {
    QuorumCert qc = valid;
    std::swap(qc.signatures.edit()[0], qc.signatures.edit()[2]);
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("out-of-range signer") {
    QuorumCert qc = valid;
    qc.signatures.edit().push_back({Fixture::n, qc.signatures.back().signature});
    CHECK_FALSE(fx.qc_ok(qc));
  }
}

TEST_CASE("verify_qc: any bad or misdirected signature rejects the QC") {
  // Goal: every signature is checked, over exactly (chain id, view, hash).
  // Method: one flipped byte; signatures made for another view, hash or chain id.
  Fixture fx;
  const Hash32 hash = some_hash(0x22);
  const QuorumCert valid = fx.forger.qc(9, hash, {1, 2, 3});
  REQUIRE(fx.qc_ok(valid));

  SUBCASE("one bad signature among quorum") {
    QuorumCert qc = valid;
    qc.signatures.edit()[1].signature.bytes[5] ^= 0x01;
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("one bad signature beyond quorum still rejects") {
    QuorumCert qc = fx.forger.qc(9, hash, {0, 1, 2, 3});
    qc.signatures.edit()[0].signature.bytes[0] ^= 0x80;
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("signatures made for another view") {
    QuorumCert qc = fx.forger.qc(8, hash, {1, 2, 3});
    qc.view = 9;
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("signatures made for another hash") {
    QuorumCert qc = fx.forger.qc(9, some_hash(0x23), {1, 2, 3});
    qc.block_hash = hash;
    CHECK_FALSE(fx.qc_ok(qc));
  }
  SUBCASE("signatures made for another chain id") {
    Forger other_chain(*fx.keys, Fixture::n, "another-chain");
    const QuorumCert qc = other_chain.qc(9, hash, {1, 2, 3});
    CHECK_FALSE(fx.qc_ok(qc));
    CHECK(verify_qc(qc, *fx.verifier, "another-chain", Fixture::quorum,
                    BlockTree::genesis_hash()));
  }
  SUBCASE("another replica's signature under a signer's name") {
    QuorumCert qc = valid;
    qc.signatures.edit()[0].signature = fx.forger.sign_vote(0, 9, hash);  // slot of signer 1
    CHECK_FALSE(fx.qc_ok(qc));
  }
}

TEST_CASE("verify_qc: the genesis QC is valid without signatures, and only it") {
  // Goal: view 0 means the genesis QC exactly. Method: genesis QC, then view 0 with another hash or signatures.
  Fixture fx;
  const QuorumCert genesis{0, BlockTree::genesis_hash(), {}};
  CHECK(is_genesis_qc(genesis, BlockTree::genesis_hash()));
  CHECK(fx.qc_ok(genesis));

  const QuorumCert wrong_hash{0, some_hash(0x33), {}};
  CHECK_FALSE(is_genesis_qc(wrong_hash, BlockTree::genesis_hash()));
  CHECK_FALSE(fx.qc_ok(wrong_hash));

  const QuorumCert signed_genesis = fx.forger.qc(0, BlockTree::genesis_hash(), {0, 1, 2});
  CHECK_FALSE(is_genesis_qc(signed_genesis, BlockTree::genesis_hash()));
  CHECK_FALSE(fx.qc_ok(signed_genesis));

  // A signature-less QC for any later view is not a genesis QC.
  CHECK_FALSE(fx.qc_ok(QuorumCert{1, BlockTree::genesis_hash(), {}}));
}

TEST_CASE("verify_tc: a valid TC and its failure modes") {
  // Goal: TC checks: quorum of distinct valid timeouts, high_qc matches the highest signed view.
  // Method: forge a TC whose signers report different high QC views, then break it.
  Fixture fx;
  const Hash32 hash = some_hash(0x44);
  const QuorumCert qc4 = fx.forger.qc(4, hash, {0, 1, 2});
  const View view = 6;
  // Signer 0 holds QC 2, signer 1 QC 4 (the highest), signer 3 QC 3.
  auto make_tc = [&](std::vector<std::pair<ReplicaIndex, View>> entries, QuorumCert high_qc) {
    TimeoutCert tc{view, {}, std::move(high_qc)};
    for (const auto& [signer, high_view] : entries)
      tc.signatures.edit().push_back({signer, high_view, fx.forger.sign_timeout(signer, view, high_view)});
    return tc;
  };
  const TimeoutCert valid = make_tc({{0, 2}, {1, 4}, {3, 3}}, qc4);
  CHECK(fx.tc_timeouts_ok(valid));
  CHECK(fx.tc_ok(valid));

  SUBCASE("too few signers") {
    const TimeoutCert tc = make_tc({{0, 2}, {1, 4}}, qc4);
    CHECK_FALSE(fx.tc_timeouts_ok(tc));
    CHECK_FALSE(fx.tc_ok(tc));
  }
  SUBCASE("duplicated signer") {
    const TimeoutCert tc = make_tc({{0, 2}, {1, 4}, {1, 4}}, qc4);
    CHECK_FALSE(fx.tc_ok(tc));
  }
  SUBCASE("high_qc is not the highest signed view") {
    const QuorumCert qc3 = fx.forger.qc(3, hash, {0, 1, 2});
    const TimeoutCert tc = make_tc({{0, 2}, {1, 4}, {3, 3}}, qc3);
    CHECK_FALSE(fx.tc_timeouts_ok(tc));
    CHECK_FALSE(fx.tc_ok(tc));
  }
  SUBCASE("a signed high_qc_view at or above the TC's view") {
    const QuorumCert qc6 = fx.forger.qc(6, hash, {0, 1, 2});
    const TimeoutCert tc = make_tc({{0, 2}, {1, 6}, {3, 3}}, qc6);
    CHECK_FALSE(fx.tc_timeouts_ok(tc));
    CHECK_FALSE(fx.tc_ok(tc));
  }
  SUBCASE("a signed high_qc_view edited after signing") {
    TimeoutCert tc = valid;
    tc.signatures.edit()[0].high_qc_view = 4;  // signer 0 signed 2
    CHECK_FALSE(fx.tc_timeouts_ok(tc));
  }
  SUBCASE("timeouts signed for another view") {
    TimeoutCert tc = valid;
    tc.view = 7;
    CHECK_FALSE(fx.tc_timeouts_ok(tc));
  }
  SUBCASE("an invalid high_qc fails verify_tc but not verify_tc_timeouts") {
    TimeoutCert tc = valid;
    tc.high_qc.signatures.edit().pop_back();  // 2 of 4 signers
    CHECK(fx.tc_timeouts_ok(tc));
    CHECK_FALSE(fx.tc_ok(tc));
  }
  SUBCASE("view 0 has no TC") {
    const TimeoutCert tc =
        fx.forger.tc(0, {0, 1, 2}, QuorumCert{0, BlockTree::genesis_hash(), {}});
    CHECK_FALSE(fx.tc_ok(tc));
  }
}

TEST_CASE("verify_tc: a TC over the genesis QC") {
  // Goal: a TC for view 1 whose signers hold only the genesis QC is valid.
  // Method: Forger::tc with the genesis QC; with ed25519 keys too.
  for (CryptoKind kind : {CryptoKind::fast, CryptoKind::ed25519}) {
    auto keys = KeyRing::create(kind, 3, 4);
    Forger forger(*keys, 4);
    const QuorumCert genesis{0, BlockTree::genesis_hash(), {}};
    const TimeoutCert tc = forger.tc(1, {1, 2, 3}, genesis);
    CHECK(verify_tc(tc, *keys->verifier(), test_chain_id, 3, BlockTree::genesis_hash()));
    TimeoutCert short_tc = tc;
    short_tc.signatures.edit().erase(short_tc.signatures.edit().begin());
    CHECK_FALSE(verify_tc(short_tc, *keys->verifier(), test_chain_id, 3,
                          BlockTree::genesis_hash()));
  }
}

}  // namespace
}  // namespace bftsim::test_consensus_quorum_test
