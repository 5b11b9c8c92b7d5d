#include "core/consensus/quorum.h"

#include "core/consensus/signature_list_verdicts.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"

namespace bftsim {

std::uint32_t quorum_size(std::uint32_t replica_count, std::uint32_t faulty_max) {
  BFTSIM_ASSERT(replica_count >= 3 * faulty_max + 1);
  return (replica_count + faulty_max) / 2 + 1;
}

bool is_genesis_qc(const QuorumCert& qc, const Hash32& genesis_hash) {
  return qc.view == 0 && qc.block_hash == genesis_hash && qc.signatures.empty();
}

namespace {
template <typename Entry>
bool signers_valid(const std::vector<Entry>& entries, std::uint32_t replica_count) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].signer >= replica_count) return false;
    if (i > 0 && entries[i].signer <= entries[i - 1].signer) return false;
  }
  return true;
}
}  // namespace

bool verify_qc(const QuorumCert& qc, const Verifier& verifier, std::string_view chain_id,
               std::uint32_t quorum, const Hash32& genesis_hash) {
  if (qc.view == 0) return is_genesis_qc(qc, genesis_hash);
  if (qc.signatures.size() < quorum) return false;
  const auto bytes = signing::vote_bytes(chain_id, qc.view, qc.block_hash);
  const auto* lists = dynamic_cast<const SignatureListVerdicts*>(&verifier);
  // A remembered list passed the signer check below (only such lists are
  // remembered, for this verifier's replica count): recall first, so a
  // replica of n = 1,000 does not walk 667 signers the run already checked.
  if (lists != nullptr)
    if (auto verdict = lists->recall(bytes, qc.signatures)) return *verdict;
  if (!signers_valid(qc.signatures.vector(), verifier.replica_count())) return false;
  bool verdict = true;
  for (const auto& entry : qc.signatures) {
    if (!verifier.verify(entry.signer, bytes, entry.signature)) {
      verdict = false;
      break;
    }
  }
  if (lists != nullptr) lists->remember(bytes, qc.signatures, verdict);
  return verdict;
}

bool verify_tc_timeouts(const TimeoutCert& tc, const Verifier& verifier,
                        std::string_view chain_id, std::uint32_t quorum) {
  if (tc.view == 0) return false;
  if (tc.signatures.size() < quorum) return false;
  if (!signers_valid(tc.signatures.vector(), verifier.replica_count())) return false;
  View highest = 0;
  for (const auto& entry : tc.signatures) {
    if (entry.high_qc_view >= tc.view) return false;  // a QC from the future is impossible
    highest = std::max(highest, entry.high_qc_view);
  }
  if (tc.high_qc.view != highest) return false;
  for (const auto& entry : tc.signatures) {
    const auto bytes = signing::timeout_bytes(chain_id, tc.view, entry.high_qc_view);
    if (!verifier.verify(entry.signer, bytes, entry.signature)) return false;
  }
  return true;
}

bool verify_tc(const TimeoutCert& tc, const Verifier& verifier, std::string_view chain_id,
               std::uint32_t quorum, const Hash32& genesis_hash) {
  return verify_tc_timeouts(tc, verifier, chain_id, quorum) &&
         verify_qc(tc.high_qc, verifier, chain_id, quorum, genesis_hash);
}

}  // namespace bftsim
