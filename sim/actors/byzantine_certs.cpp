// forge_cert (byzantine.h, CertForgery in byzantine_behavior.h): certificates
// a correct replica must refuse, each carried by a timeout of the view after
// the one it certifies. A replica that accepts one (it skips a signature
// check, counts a signer twice, takes a TC one timeout short or one whose
// high QC is not the highest claimed) moves to that view and passes the
// certificate on in its NEW-VIEW, proposal or timeout, where the certificate
// check (sim/check/certificate_checker.h) sees it. A correct replica drops
// the whole timeout (bad certificate), so the attack costs it nothing.
#include <algorithm>

#include "core/consensus/block_tree.h"
#include "core/consensus/quorum.h"
#include "core/protocol/codec.h"
#include "core/protocol/signing.h"
#include "sim/actors/byzantine.h"

namespace bftsim {

namespace {

constexpr View seen_timeout_views_kept = 8;

}  // namespace

// This replica and the lowest other indices: `count` distinct signers, sorted.
std::vector<ReplicaIndex> ByzantineActor::signers_with_self(std::uint32_t count) const {
  std::vector<ReplicaIndex> signers{config_.index};
  for (ReplicaIndex r = 0; r < config_.replica_count && signers.size() < count; ++r)
    if (r != config_.index) signers.push_back(r);
  std::sort(signers.begin(), signers.end());
  return signers;
}

Signature ByzantineActor::made_up_signature() {
  Signature signature;
  Rng& stream = rng(ByzantineBehavior::forge_cert);
  for (auto& byte : signature.bytes) byte = static_cast<std::uint8_t>(stream.next_u64());
  return signature;
}

void ByzantineActor::send_forged_timeout(std::uint8_t instance, View view, const QuorumCert& high_qc,
                                         std::optional<TimeoutCert> tc, ByzantineOutbox& out) {
  Timeout timeout{view, config_.index, high_qc, std::move(tc), {}};
  timeout.signature = signer_->sign(signing::timeout_bytes(config_.chain_id, view, high_qc.view));
  for (ReplicaIndex to : others()) emit(instance, to, timeout, 0, out);
  ++forged_count_;
}

// qc_signature, qc_duplicate: on the proposal of the view it is in, a QC for
// that block (before its votes could form one) in a timeout of the next view.
void ByzantineActor::forge_qc(std::uint8_t instance, const Block& block, ByzantineOutbox& out) {
  const View view = instances_[instance]->view();
  if (block.view != view || view <= cert_forged_view_) return;
  cert_forged_view_ = view;
  const std::uint32_t quorum = quorum_size(config_.replica_count, config_.faulty_max);
  const Hash32 hash = block_hash(block);
  const Signature own = signer_->sign(signing::vote_bytes(config_.chain_id, view, hash));
  QuorumCert qc{view, hash, {}};
  if (params_.cert == CertForgery::qc_duplicate) {
    qc.signatures.edit().assign(quorum, SignerSignature{config_.index, own});
  } else {
    for (ReplicaIndex signer : signers_with_self(quorum))
      qc.signatures.edit().push_back({signer, signer == config_.index ? own : made_up_signature()});
  }
  send_forged_timeout(instance, view + 1, qc, std::nullopt, out);
}

// tc_signature: on entering a view, a TC for it of a quorum of timeouts of
// which only its own is signed, in a timeout of the next view.
void ByzantineActor::forge_tc_on_entry(std::uint8_t instance, ByzantineOutbox& out) {
  const View view = instances_[instance]->view();
  if (view <= cert_forged_view_) return;
  cert_forged_view_ = view;
  const QuorumCert& high_qc = instances_[instance]->safety_state().high_qc;
  TimeoutCert tc{view, {}, high_qc};
  for (ReplicaIndex signer : signers_with_self(quorum_size(config_.replica_count, config_.faulty_max))) {
    const Signature signature = signer == config_.index
                                    ? signer_->sign(signing::timeout_bytes(config_.chain_id, view, high_qc.view))
                                    : made_up_signature();
    tc.signatures.edit().push_back({signer, high_qc.view, signature});
  }
  send_forged_timeout(instance, view + 1, high_qc, std::move(tc), out);
}

// tc_short, tc_high_qc: a TC from the timeouts other replicas sent for a
// view, with its own added, as soon as there are enough for the lie.
void ByzantineActor::forge_tc_from_timeouts(std::uint8_t instance, ReplicaIndex from, const Timeout& timeout,
                                            ByzantineOutbox& out) {
  if (timeout.sender != from || from == config_.index || timeout.view + 1 < instances_[instance]->view()) return;
  auto& seen = seen_timeouts_[timeout.view];
  seen.emplace(from, timeout);
  while (seen_timeouts_.begin()->first + seen_timeout_views_kept < timeout.view)
    seen_timeouts_.erase(seen_timeouts_.begin());
  if (timeout.view <= cert_forged_view_) return;
  const std::uint32_t quorum = quorum_size(config_.replica_count, config_.faulty_max);
  const bool short_tc = params_.cert == CertForgery::tc_short;
  // tc_short: quorum-2 others and its own; tc_high_qc: quorum-1 others and its own.
  if (seen.size() != (short_tc ? quorum - 2 : quorum - 1)) return;
  const View view = timeout.view;
  const QuorumCert& own_qc = instances_[instance]->safety_state().high_qc;
  // The highest and lowest QC the entries carry.
  QuorumCert highest = own_qc;
  QuorumCert lowest = own_qc;
  for (const auto& [sender, seen_timeout] : seen) {
    if (seen_timeout.high_qc.view > highest.view) highest = seen_timeout.high_qc;
    if (seen_timeout.high_qc.view < lowest.view) lowest = seen_timeout.high_qc;
  }
  // Its own entry: its real high QC (tc_short), or the view before (tc_high_qc).
  View own_claim = own_qc.view;
  QuorumCert tc_qc = highest;
  if (!short_tc) {
    if (view < 2) return;  // nothing lower than the view before to carry
    own_claim = view - 1;
    tc_qc = lowest.view < own_claim ? lowest : QuorumCert{0, BlockTree::genesis_hash(), {}};
  }
  if (own_claim >= view) return;
  cert_forged_view_ = view;
  TimeoutCert tc{view, {}, tc_qc};
  auto& signatures = tc.signatures.edit();
  for (const auto& [sender, seen_timeout] : seen)
    signatures.push_back({sender, seen_timeout.high_qc.view, seen_timeout.signature});
  signatures.push_back(
      {config_.index, own_claim, signer_->sign(signing::timeout_bytes(config_.chain_id, view, own_claim))});
  std::sort(signatures.begin(), signatures.end(),
            [](const TimeoutSignature& a, const TimeoutSignature& b) { return a.signer < b.signer; });
  send_forged_timeout(instance, view + 1, tc_qc, std::move(tc), out);
}

void ByzantineActor::forge_certificates(std::uint8_t instance, ReplicaIndex from, const Message* message,
                                        ByzantineOutbox& out) {
  switch (params_.cert) {
    case CertForgery::qc_signature:
    case CertForgery::qc_duplicate:
      if (message != nullptr)
        if (const auto* proposal = std::get_if<Proposal>(message)) forge_qc(instance, proposal->block, out);
      break;
    case CertForgery::tc_signature:
      forge_tc_on_entry(instance, out);
      break;
    case CertForgery::tc_short:
    case CertForgery::tc_high_qc:
      if (message != nullptr)
        if (const auto* timeout = std::get_if<Timeout>(message)) forge_tc_from_timeouts(instance, from, *timeout, out);
      break;
  }
}

}  // namespace bftsim
