// Tests of forge_cert (sim/actors/byzantine_certs.cpp): for each kind of
// forged certificate, decode what the actor sent and check it is the lie the
// kind names (which signatures are real, how many signers, which high QC),
// and that a real correct Replica drops it (bad certificate) without moving.
#include "tests/sim/actors/byzantine_fixture.h"

namespace bftsim::byzantine_test::test_sim_actors_byzantine_certs_test {
namespace {

ByzantineParams cert_params(CertForgery cert) {
  ByzantineParams params;
  params.cert = cert;
  return params;
}

// The timeouts the actor sent, by recipient.
std::map<std::uint32_t, std::vector<Timeout>> timeouts_by_recipient(const ByzantineOutbox& out) {
  std::map<std::uint32_t, std::vector<Timeout>> result;
  for (const auto& [send, timeout] : sends_of<Timeout>(decode_all(out))) result[send.to].push_back(timeout);
  return result;
}

bool timeout_entry_signed(const Fixture& fixture, View view, const TimeoutSignature& entry) {
  return fixture.verifier->verify(entry.signer, signing::timeout_bytes(fixture.chain(), view, entry.high_qc_view),
                                  entry.signature);
}

// A correct replica 3 in view 1, after leader 1's view-1 proposal, given `timeout`
// from the actor (2): drops it as a bad certificate and stays in view 1.
void check_correct_replica_drops(const Fixture& fixture, const Timeout& timeout) {
  Replica judge(testing::make_replica_config(fixture.options, 3), fixture.keys->signer(3), fixture.verifier);
  Effects effects;
  judge.start(0, effects);
  judge.on_message(1, fixture.view1_proposal(), 0, effects);
  const auto before = judge.drop_count(DropReason::bad_certificate);
  judge.on_message(2, timeout, 1, effects);
  CHECK(judge.drop_count(DropReason::bad_certificate) == before + 1);
  CHECK(judge.view() == 1);
  CHECK(judge.safety_state().high_qc.view == 0);
}

TEST_CASE("byzantine certs: forge_cert qc_signature certifies the view's block with only its own signature real") {
  // Goal: a QC a replica that skips the signature check would take. Method:
  // the actor (2) gets leader 1's view-1 block; it sends every other replica
  // a timeout of view 2 claiming a QC of view 1 for that block with a
  // quorum of distinct signers, only its own signature valid.
  Fixture fixture(2, {B::forge_cert}, CryptoKind::fast, false, cert_params(CertForgery::qc_signature));
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  out = {};
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  const Hash32 b1 = block_hash(fixture.view1_block());
  const auto sent = timeouts_by_recipient(out);
  REQUIRE(sent.size() == 3);
  for (const auto& [to, timeouts] : sent) {
    REQUIRE(timeouts.size() == 1);
    const Timeout& forged = timeouts[0];
    CHECK(forged.view == 2);
    CHECK(forged.sender == 2);
    CHECK(fixture.timeout_signed(forged));
    CHECK(forged.high_qc.view == 1);
    CHECK(forged.high_qc.block_hash == b1);
    CHECK(forged.high_qc.signatures.size() == fixture.quorum());
    std::set<ReplicaIndex> signers;
    std::size_t valid = 0;
    for (const auto& entry : forged.high_qc.signatures) {
      signers.insert(entry.signer);
      if (fixture.vote_signed_by(entry.signer, Vote{1, b1, entry.signer, entry.signature})) {
        ++valid;
        CHECK(entry.signer == 2);
      }
    }
    CHECK(signers.size() == fixture.quorum());
    CHECK(valid == 1);
    CHECK(!fixture.qc_valid(forged.high_qc));
  }
  check_correct_replica_drops(fixture, sent.at(3)[0]);
  // Once per view: the same proposal again forges nothing more.
  ByzantineOutbox again;
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, again);
  CHECK(sends_of<Timeout>(decode_all(again)).empty());
}

TEST_CASE("byzantine certs: forge_cert qc_duplicate lists its own vote a quorum of times, which the decoder refuses") {
  Fixture fixture(2, {B::forge_cert}, CryptoKind::fast, false, cert_params(CertForgery::qc_duplicate));
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  out = {};
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  std::size_t timeouts = 0;
  for (const auto& send : out.sends) {
    if (send.type != MessageType::timeout) continue;
    ++timeouts;
    CHECK(!decode_message(send.bytes).has_value());  // one canonical form: signers strictly increasing
  }
  CHECK(timeouts == 3);
  CHECK(fixture.actor.forged_count() == 1);
}

TEST_CASE("byzantine certs: forge_cert tc_signature sends a TC of its view with only its own timeout signed") {
  Fixture fixture(2, {B::forge_cert}, CryptoKind::fast, false, cert_params(CertForgery::tc_signature));
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  out = {};
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);  // the actor is in view 1
  const auto sent = timeouts_by_recipient(out);
  REQUIRE(sent.size() == 3);
  for (const auto& [to, timeouts] : sent) {
    REQUIRE(timeouts.size() == 1);
    const Timeout& forged = timeouts[0];
    CHECK(forged.view == 2);
    CHECK(fixture.timeout_signed(forged));
    REQUIRE(forged.last_tc.has_value());
    const TimeoutCert& tc = *forged.last_tc;
    CHECK(tc.view == 1);
    CHECK(tc.high_qc == genesis_qc());
    CHECK(tc.signatures.size() == fixture.quorum());
    std::set<ReplicaIndex> signers;
    std::size_t valid = 0;
    for (const auto& entry : tc.signatures) {
      signers.insert(entry.signer);
      CHECK(entry.high_qc_view == 0);
      valid += timeout_entry_signed(fixture, 1, entry) ? 1 : 0;
    }
    CHECK(signers.size() == fixture.quorum());
    CHECK(valid == 1);
    CHECK(!verify_tc(tc, *fixture.verifier, fixture.chain(), fixture.quorum(), BlockTree::genesis_hash()));
  }
  check_correct_replica_drops(fixture, sent.at(3)[0]);
}

TEST_CASE("byzantine certs: forge_cert tc_short sends a TC of real timeouts, one short of a quorum") {
  // The actor (2) gets replica 0's timeout of view 1: with its own, quorum-1
  // (2 of 3) real timeouts make the TC it sends at once.
  Fixture fixture(2, {B::forge_cert}, CryptoKind::fast, false, cert_params(CertForgery::tc_short));
  ByzantineOutbox out;
  fixture.actor.start(0, out);
  fixture.actor.on_message(0, 1, fixture.view1_proposal(), 0, out);
  out = {};
  fixture.actor.on_message(0, 0, Timeout{1, 0, genesis_qc(), std::nullopt, fixture.forger.sign_timeout(0, 1, 0)}, 1,
                           out);
  const auto sent = timeouts_by_recipient(out);
  REQUIRE(sent.size() == 3);
  for (const auto& [to, timeouts] : sent) {
    REQUIRE(timeouts.size() == 1);
    const Timeout& forged = timeouts[0];
    CHECK(forged.view == 2);
    REQUIRE(forged.last_tc.has_value());
    const TimeoutCert& tc = *forged.last_tc;
    CHECK(tc.view == 1);
    REQUIRE(tc.signatures.size() == fixture.quorum() - 1);
    CHECK(tc.signatures[0].signer == 0);
    CHECK(tc.signatures[1].signer == 2);
    for (const auto& entry : tc.signatures) CHECK(timeout_entry_signed(fixture, 1, entry));
    CHECK(tc.high_qc == genesis_qc());
  }
  check_correct_replica_drops(fixture, sent.at(3)[0]);
}

TEST_CASE("byzantine certs: forge_cert tc_high_qc sends a TC whose high QC is below the highest its timeouts claim") {
  // The actor (2) leads view 2 on QC(1) (drive_to_view2_proposal); replicas
  // 0 and 1 time out of view 2 claiming QC(1). The TC it sends has a quorum
  // of real timeouts (its own claims view 1 too), but carries the genesis QC.
  Fixture fixture(2, {B::forge_cert}, CryptoKind::fast, false, cert_params(CertForgery::tc_high_qc));
  ByzantineOutbox out;
  fixture.drive_to_view2_proposal(out);
  REQUIRE(fixture.actor.instance(0).view() == 2);
  const QuorumCert qc1 = fixture.actor.instance(0).safety_state().high_qc;
  REQUIRE(qc1.view == 1);
  out = {};
  fixture.actor.on_message(0, 0, Timeout{2, 0, qc1, std::nullopt, fixture.forger.sign_timeout(0, 2, 1)}, 5, out);
  CHECK(timeouts_by_recipient(out).empty());  // one timeout is not enough for this lie
  fixture.actor.on_message(0, 1, Timeout{2, 1, qc1, std::nullopt, fixture.forger.sign_timeout(1, 2, 1)}, 5, out);
  std::vector<Timeout> forged_all;
  for (const auto& [to, timeouts] : timeouts_by_recipient(out))
    for (const Timeout& timeout : timeouts)
      if (timeout.last_tc) forged_all.push_back(timeout);
  REQUIRE(forged_all.size() == 3);
  const Timeout& forged = forged_all[0];
  CHECK(forged.view == 3);
  CHECK(fixture.timeout_signed(forged));
  const TimeoutCert& tc = *forged.last_tc;
  CHECK(tc.view == 2);
  REQUIRE(tc.signatures.size() == fixture.quorum());
  for (const auto& entry : tc.signatures) {
    CHECK(entry.high_qc_view == 1);
    CHECK(timeout_entry_signed(fixture, 2, entry));
  }
  CHECK(tc.high_qc == genesis_qc());
  CHECK(!verify_tc(tc, *fixture.verifier, fixture.chain(), fixture.quorum(), BlockTree::genesis_hash()));
  // Control: the same timeouts with the highest QC make a TC a correct replica takes.
  TimeoutCert honest = tc;
  honest.high_qc = qc1;
  CHECK(verify_tc(honest, *fixture.verifier, fixture.chain(), fixture.quorum(), BlockTree::genesis_hash()));
  check_correct_replica_drops(fixture, forged);
}

}  // namespace
}  // namespace bftsim::byzantine_test::test_sim_actors_byzantine_certs_test
