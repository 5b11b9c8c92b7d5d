// Quorum arithmetic and certificate checks. With n replicas of which at most
// f are faulty (n >= 3f+1), a quorum is the smallest set any two of which
// share an honest replica: floor((n+f)/2)+1, which is 2f+1 when n = 3f+1.
// Certificate checks verify every signature against the claimed signer; a
// signer listed twice or outside the cluster makes the certificate invalid.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/protocol/messages.h"
#include "core/crypto/keys.h"

namespace bftsim {

// Requires: replica_count >= 3*faulty_max + 1.
std::uint32_t quorum_size(std::uint32_t replica_count, std::uint32_t faulty_max);

// The genesis QC: view 0 over the genesis block, no signatures.
bool is_genesis_qc(const QuorumCert& qc, const Hash32& genesis_hash);

// True iff qc is the genesis QC, or carries >= quorum distinct, strictly
// increasing, in-range signers each with a valid vote signature over
// (chain_id, qc.view, qc.block_hash).
bool verify_qc(const QuorumCert& qc, const Verifier& verifier, std::string_view chain_id,
               std::uint32_t quorum, const Hash32& genesis_hash);

// True iff tc carries >= quorum distinct valid timeout signatures for tc.view
// and tc.high_qc.view is the highest high_qc_view they signed. It does not
// check tc.high_qc itself: verify_tc does, or the caller with its QC cache.
bool verify_tc_timeouts(const TimeoutCert& tc, const Verifier& verifier,
                        std::string_view chain_id, std::uint32_t quorum);

// verify_tc_timeouts and verify_qc(tc.high_qc).
bool verify_tc(const TimeoutCert& tc, const Verifier& verifier, std::string_view chain_id,
               std::uint32_t quorum, const Hash32& genesis_hash);

}  // namespace bftsim
