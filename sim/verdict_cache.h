// VerdictCache: a Verifier that remembers the verdicts of another. Whether a
// signature verifies is a pure function of (signer, message bytes, signature)
// for one KeyRing, so one run's replicas can share the verdicts: each distinct
// signature is checked once per run instead of once per replica that sees it
// (a QC's signatures reach every replica). Every answer is the inner
// Verifier's, so nothing the replicas do changes. A key is compared in full
// (its 64-bit hash only finds the slot); the cache forgets everything when it
// holds entry_count_max verdicts, which bounds its memory. It also remembers
// whole signature lists (a QC's, core/consensus/signature_list_verdicts.h):
// verify_qc then costs one lookup per replica instead of one per signature;
// those forget everything past list_signature_count_max stored signatures. A
// stored list is the QC's own immutable buffer (SharedList), not a copy, and
// a list asked by that buffer's address is found without hashing or
// comparing its signatures: while the cache holds the buffer it cannot change
// (an edit copies a shared buffer) or be freed and its address reused.
// Not thread-safe: one per simulation run (Simulation's nodes and its
// certificate checker share it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/consensus/signature_list_verdicts.h"
#include "core/crypto/keys.h"

namespace bftsim {

class VerdictCache final : public Verifier, public SignatureListVerdicts {
 public:
  static constexpr std::size_t entry_count_max = 1 << 20;
  static constexpr std::size_t list_signature_count_max = 1 << 18;

  explicit VerdictCache(std::shared_ptr<const Verifier> inner) : inner_(std::move(inner)) {}
  std::uint32_t replica_count() const override { return inner_->replica_count(); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message, const Signature& signature) const override;

  std::optional<bool> recall(std::span<const std::uint8_t> message,
                             const SharedList<SignerSignature>& signatures) const override;
  void remember(std::span<const std::uint8_t> message, const SharedList<SignerSignature>& signatures,
                bool verdict) const override;

  // How many verify() calls the inner Verifier answered, and how many the cache did.
  std::uint64_t miss_count() const { return miss_count_; }
  std::uint64_t hit_count() const { return hit_count_; }

 private:
  // A message up to inline_message_max bytes (a vote's or a timeout's
  // signed bytes) is kept in the entry, so a lookup touches one cache line
  // run instead of chasing a second allocation; longer ones in `long_message`.
  static constexpr std::size_t inline_message_max = 96;
  struct Entry {
    ReplicaIndex signer;
    bool verdict;
    std::uint8_t inline_size;  // 0 when the message is in long_message (or empty)
    Signature signature;
    std::array<std::uint8_t, inline_message_max> inline_message;
    std::vector<std::uint8_t> long_message;
    bool holds(std::span<const std::uint8_t> message) const;
  };
  struct ListEntry {
    std::vector<std::uint8_t> message;
    SharedList<SignerSignature> signatures;  // holds the buffer: it stays as it is
    bool verdict;
  };
  const ListEntry* find_list(std::span<const std::uint8_t> message, const SharedList<SignerSignature>& signatures) const;
  std::shared_ptr<const Verifier> inner_;
  mutable std::unordered_map<std::uint64_t, Entry> entries_;
  mutable std::unordered_map<std::uint64_t, ListEntry> lists_;
  // A stored list's buffer address -> its key in lists_.
  mutable std::unordered_map<const SignerSignature*, std::uint64_t> list_buffers_;
  mutable std::size_t list_signature_count_ = 0;
  mutable std::uint64_t miss_count_ = 0;
  mutable std::uint64_t hit_count_ = 0;
};

}  // namespace bftsim
