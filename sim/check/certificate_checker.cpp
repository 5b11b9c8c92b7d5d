// CertificateChecker: certificate_checker.h says what a sound certificate is.
#include "sim/check/certificate_checker.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/protocol/codec.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"

namespace bftsim {

CertificateChecker::CertificateChecker(std::shared_ptr<const Verifier> verifier, std::string chain_id,
                                       std::uint32_t replica_count, std::uint32_t faulty_count)
    : verifier_(std::move(verifier)),
      chain_id_(std::move(chain_id)),
      // Two quorums must share f+1 replicas: 2q - n >= f + 1.
      quorum_((replica_count + faulty_count + 2) / 2),
      genesis_hash_(block_hash(Block{})) {
  BFTSIM_ASSERT(verifier_ != nullptr);
  BFTSIM_ASSERT(replica_count >= 3 * faulty_count + 1);
}

std::optional<std::string> CertificateChecker::qc_problem(const QuorumCert& qc) {
  if (qc.view == 0) {
    if (qc.block_hash == genesis_hash_ && qc.signatures.empty()) return std::nullopt;
    return fmt::format("a view-0 QC for block {} with {} signatures is not the genesis QC", qc.block_hash.short_hex(),
                       qc.signatures.size());
  }
  const auto sound = sound_qcs_.find(qc.block_hash);
  if (sound != sound_qcs_.end() && sound->second == qc) return std::nullopt;
  std::set<ReplicaIndex> signers;
  const auto bytes = signing::vote_bytes(chain_id_, qc.view, qc.block_hash);
  for (const auto& entry : qc.signatures) {
    const auto key = std::make_tuple(qc.view, qc.block_hash, entry.signer, entry.signature);
    if (!valid_votes_.contains(key)) {
      if (!verifier_->verify(entry.signer, bytes, entry.signature)) continue;
      valid_votes_.insert(key);
    }
    signers.insert(entry.signer);
  }
  if (signers.size() >= quorum_) {
    sound_qcs_.insert_or_assign(qc.block_hash, qc);
    return std::nullopt;
  }
  return fmt::format("the QC of view {} for block {} lists {} signatures but only {} distinct replicas signed it, "
                     "short of the quorum of {}",
                     qc.view, qc.block_hash.short_hex(), qc.signatures.size(), signers.size(), quorum_);
}

std::optional<std::string> CertificateChecker::tc_problem(const TimeoutCert& tc) {
  std::set<ReplicaIndex> signers;
  View highest = 0;
  for (const auto& entry : tc.signatures) {
    if (entry.high_qc_view >= tc.view)
      return fmt::format("the TC of view {} holds a timeout claiming a QC of view {}", tc.view, entry.high_qc_view);
    highest = std::max(highest, entry.high_qc_view);
    const auto key = std::make_tuple(tc.view, entry.signer, entry.high_qc_view, entry.signature);
    if (!valid_timeouts_.contains(key)) {
      const auto bytes = signing::timeout_bytes(chain_id_, tc.view, entry.high_qc_view);
      if (!verifier_->verify(entry.signer, bytes, entry.signature)) continue;
      valid_timeouts_.insert(key);
    }
    signers.insert(entry.signer);
  }
  if (signers.size() < quorum_)
    return fmt::format("the TC of view {} lists {} timeouts but only {} distinct replicas signed one, short of the "
                       "quorum of {}",
                       tc.view, tc.signatures.size(), signers.size(), quorum_);
  if (tc.high_qc.view != highest)
    return fmt::format("the TC of view {} carries a QC of view {} but its timeouts claim view {}", tc.view,
                       tc.high_qc.view, highest);
  if (auto problem = qc_problem(tc.high_qc)) return fmt::format("in the TC of view {}: {}", tc.view, *problem);
  return std::nullopt;
}

std::optional<Violation> CertificateChecker::judge(ReplicaIndex replica, std::string_view kind, View view,
                                                   std::optional<std::string> problem) const {
  if (!problem) return std::nullopt;
  return Violation{"certificate", 0, 0,
                   fmt::format("honest replica {} sent a {} of view {}: {}", replica, kind, view, *problem),
                   {replica}, {}};
}

std::optional<Violation> CertificateChecker::on_send(ReplicaIndex replica, const Message& message) {
  if (const auto* proposal = std::get_if<Proposal>(&message)) {
    const View view = proposal->block.view;
    if (auto violation = judge(replica, "proposal", view, qc_problem(proposal->block.justify))) return violation;
    if (proposal->timeout_cert) return judge(replica, "proposal", view, tc_problem(*proposal->timeout_cert));
  } else if (const auto* timeout = std::get_if<Timeout>(&message)) {
    if (auto violation = judge(replica, "timeout", timeout->view, qc_problem(timeout->high_qc))) return violation;
    if (timeout->last_tc) return judge(replica, "timeout", timeout->view, tc_problem(*timeout->last_tc));
  } else if (const auto* new_view = std::get_if<NewView>(&message)) {
    if (auto violation = judge(replica, "NEW-VIEW", new_view->view, qc_problem(new_view->high_qc))) return violation;
    if (new_view->last_tc) return judge(replica, "NEW-VIEW", new_view->view, tc_problem(*new_view->last_tc));
  }
  return std::nullopt;
}

}  // namespace bftsim
