// Unit tests of the certificate checker: certificates signed by a quorum of
// real keys pass; one short, one with a bad or duplicated signature, one
// crediting a replica with another's signature, and TCs with the same faults
// or a high QC that is not the highest claimed are reported.
#include <doctest/doctest.h>

#include "core/protocol/codec.h"
#include "core/protocol/signing.h"
#include "sim/check/certificate_checker.h"

namespace bftsim::test_sim_check_certificate_checker_test {
namespace {

constexpr std::uint32_t replicas = 4;
constexpr std::uint32_t faulty = 1;

struct Cluster {
  std::unique_ptr<KeyRing> keys = KeyRing::create(CryptoKind::fast, 7, replicas);
  CertificateChecker checker{keys->verifier(), "bftsim", replicas, faulty};

  Hash32 block(std::uint8_t tag) const {
    Hash32 hash;
    hash.bytes.fill(tag);
    return hash;
  }
  SignerSignature vote(ReplicaIndex signer, View view, const Hash32& hash, ReplicaIndex key) const {
    return {signer, keys->signer(key)->sign(signing::vote_bytes("bftsim", view, hash))};
  }
  QuorumCert qc(View view, const Hash32& hash, std::vector<ReplicaIndex> signers) const {
    QuorumCert qc{view, hash, {}};
    for (ReplicaIndex s : signers) qc.signatures.edit().push_back(vote(s, view, hash, s));
    return qc;
  }
  TimeoutSignature timeout(ReplicaIndex signer, View view, View high_qc_view) const {
    return {signer, high_qc_view, keys->signer(signer)->sign(signing::timeout_bytes("bftsim", view, high_qc_view))};
  }
  Proposal proposal(QuorumCert justify) const {
    Proposal proposal;
    proposal.block.view = justify.view + 1;
    proposal.block.height = 2;
    proposal.block.parent_hash = justify.block_hash;
    proposal.block.justify = std::move(justify);
    return proposal;
  }
};

TEST_CASE("certificate checker: the quorum is 2f+1 of 3f+1 and ceil((n+f+1)/2) in general") {
  Cluster cluster;
  CHECK(cluster.checker.quorum() == 3);
  auto keys = KeyRing::create(CryptoKind::fast, 1, 7);
  CHECK(CertificateChecker(keys->verifier(), "bftsim", 7, 2).quorum() == 5);
  CHECK(CertificateChecker(keys->verifier(), "bftsim", 5, 1).quorum() == 4);
}

TEST_CASE("certificate checker: sound QCs and TCs pass") {
  Cluster cluster;
  const QuorumCert qc = cluster.qc(4, cluster.block(1), {0, 1, 3});
  CHECK_FALSE(cluster.checker.on_send(0, Message{cluster.proposal(qc)}));
  CHECK_FALSE(cluster.checker.on_send(0, Message{cluster.proposal(QuorumCert{0, block_hash(Block{}), {}})}));
  TimeoutCert tc{5, {cluster.timeout(0, 5, 4), cluster.timeout(1, 5, 2), cluster.timeout(2, 5, 4)}, qc};
  CHECK_FALSE(cluster.checker.on_send(1, Message{Timeout{6, 1, qc, tc, {}}}));
  CHECK_FALSE(cluster.checker.on_send(2, Message{NewView{6, qc, tc}}));
  // Votes are not certificates: the vote checker judges them.
  CHECK_FALSE(cluster.checker.on_send(2, Message{Vote{4, cluster.block(1), 2, {}}}));
}

TEST_CASE("certificate checker: a QC one signature short, forged, doubled or credited to another is reported") {
  Cluster cluster;
  const Hash32 hash = cluster.block(2);
  SUBCASE("short") {
    const auto violation = cluster.checker.on_send(1, Message{cluster.proposal(cluster.qc(3, hash, {0, 1}))});
    REQUIRE(violation);
    CHECK(violation->check == "certificate");
    CHECK(violation->replicas == std::vector<ReplicaIndex>{1});
    CHECK(violation->detail.find("only 2 distinct replicas") != std::string::npos);
  }
  SUBCASE("a signature that does not verify") {
    QuorumCert qc = cluster.qc(3, hash, {0, 1, 2});
    qc.signatures.edit()[2].signature.bytes[0] ^= 1;
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(qc)}));
  }
  SUBCASE("a signature for another block") {
    QuorumCert qc = cluster.qc(3, hash, {0, 1});
    qc.signatures.edit().push_back(cluster.vote(2, 3, cluster.block(9), 2));
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(qc)}));
  }
  SUBCASE("one signer twice") {
    QuorumCert qc = cluster.qc(3, hash, {0, 1, 1});
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(qc)}));
  }
  SUBCASE("replica 3's signature credited to replica 2") {
    QuorumCert qc = cluster.qc(3, hash, {0, 1});
    qc.signatures.edit().push_back(cluster.vote(2, 3, hash, 3));
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(qc)}));
  }
  SUBCASE("a view-0 QC that is not genesis") {
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(QuorumCert{0, hash, {}})}));
  }
  SUBCASE("in a timeout and a NEW-VIEW") {
    CHECK(cluster.checker.on_send(1, Message{Timeout{4, 1, cluster.qc(3, hash, {0, 1}), std::nullopt, {}}}));
    CHECK(cluster.checker.on_send(1, Message{NewView{4, cluster.qc(3, hash, {0, 1}), std::nullopt}}));
  }
}

// The checker remembers the last sound QC per block and passes an equal one
// without checking it again: a QC for the same block that differs (a
// signature dropped, forged, or another view) must still be judged afresh.
TEST_CASE("certificate checker: after a sound QC, a different QC for the same block is still judged") {
  Cluster cluster;
  const Hash32 hash = cluster.block(3);
  const QuorumCert sound = cluster.qc(5, hash, {0, 1, 2});
  REQUIRE_FALSE(cluster.checker.on_send(0, Message{cluster.proposal(sound)}));
  CHECK_FALSE(cluster.checker.on_send(1, Message{NewView{6, sound, std::nullopt}}));  // equal: sound
  SUBCASE("a signature fewer") {
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(cluster.qc(5, hash, {0, 1}))}));
  }
  SUBCASE("a forged signature") {
    QuorumCert forged = sound;
    forged.signatures.edit()[1].signature.bytes[0] ^= 1;
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(forged)}));
  }
  SUBCASE("the same signatures under another view") {
    QuorumCert moved = sound;
    moved.view = 6;
    CHECK(cluster.checker.on_send(1, Message{cluster.proposal(moved)}));
  }
}

TEST_CASE("certificate checker: a TC short, forged or hiding a higher QC is reported") {
  Cluster cluster;
  const QuorumCert qc = cluster.qc(4, cluster.block(1), {0, 1, 2});
  const QuorumCert older = cluster.qc(2, cluster.block(3), {0, 1, 2});
  TimeoutCert tc{5, {cluster.timeout(0, 5, 4), cluster.timeout(1, 5, 4), cluster.timeout(2, 5, 2)}, qc};
  CHECK_FALSE(cluster.checker.tc_problem(tc));
  SUBCASE("short") {
    tc.signatures.edit().pop_back();
    CHECK(cluster.checker.on_send(3, Message{NewView{6, qc, tc}}));
  }
  SUBCASE("forged") {
    tc.signatures.edit()[1].signature.bytes[5] ^= 1;
    CHECK(cluster.checker.on_send(3, Message{Timeout{6, 3, qc, tc, {}}}));
  }
  SUBCASE("its high QC is older than one its timeouts claim") {
    tc.high_qc = older;
    const auto problem = cluster.checker.tc_problem(tc);
    REQUIRE(problem);
    CHECK(problem->find("claim view 4") != std::string::npos);
  }
  SUBCASE("in a proposal") {
    tc.signatures.edit().pop_back();
    Proposal proposal = cluster.proposal(qc);
    proposal.block.view = 6;
    proposal.timeout_cert = tc;
    CHECK(cluster.checker.on_send(0, Message{proposal}));
  }
}

}  // namespace
}  // namespace bftsim::test_sim_check_certificate_checker_test
