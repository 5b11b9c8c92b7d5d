// CertificateChecker ("certificate"): every certificate an honest replica
// sends (a proposal's justify QC and TC, a timeout's high QC and last TC, a
// NEW-VIEW's high QC and TC) was really signed by a quorum. A replica acts on
// the certificates it accepted, so one it sends shows what it accepted: a QC
// needs ceil((n+f+1)/2) distinct replicas' valid vote signatures for its
// view and block (genesis: view 0, no signatures); a TC as many valid
// timeout signatures for its view, none claiming a QC from its view or later,
// and a high QC that is the highest they claim. The checker verifies with the
// cluster's keys itself, never through core/consensus/, so a replica that
// counts a quorum wrong, skips a signature check, counts a signer twice or
// credits a vote to a replica that did not sign it is caught here at the
// first certificate it passes on, before it can fork the chain.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/crypto/keys.h"
#include "sim/check/checker.h"

namespace bftsim {

class CertificateChecker final : public Checker {
 public:
  // Requires: verifier != nullptr, replica_count >= 3 * faulty_count + 1.
  CertificateChecker(std::shared_ptr<const Verifier> verifier, std::string chain_id,
                     std::uint32_t replica_count, std::uint32_t faulty_count);

  std::uint32_t quorum() const { return quorum_; }
  std::optional<Violation> on_send(ReplicaIndex replica, const Message& message) override;

  // The problem with `qc` or `tc`, or nullopt when it is sound.
  std::optional<std::string> qc_problem(const QuorumCert& qc);
  std::optional<std::string> tc_problem(const TimeoutCert& tc);

 private:
  std::optional<Violation> judge(ReplicaIndex replica, std::string_view kind, View view,
                                 std::optional<std::string> problem) const;

  std::shared_ptr<const Verifier> verifier_;
  std::string chain_id_;
  std::uint32_t quorum_;
  Hash32 genesis_hash_;
  // Signatures verified once: (view, block, signer) votes and (view, signer,
  // high_qc_view) timeouts, with the signature that verified.
  std::set<std::tuple<View, Hash32, ReplicaIndex, Signature>> valid_votes_;
  std::set<std::tuple<View, ReplicaIndex, View, Signature>> valid_timeouts_;
  // The last QC found sound for each block: an honest replica sends the same
  // QC many times (in proposals, NEW-VIEWs, timeouts), and a QC equal to one
  // found sound is sound (its verdict is a function of its bytes), so it
  // skips the signature lookups and the vote bytes.
  struct HashKey {
    std::size_t operator()(const Hash32& hash) const {
      std::uint64_t word;
      std::memcpy(&word, hash.bytes.data(), sizeof word);
      return static_cast<std::size_t>(word);
    }
  };
  std::unordered_map<Hash32, QuorumCert, HashKey> sound_qcs_;
};

}  // namespace bftsim
