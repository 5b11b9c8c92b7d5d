// VerdictCache: a Verifier that remembers the verdicts of another. Whether a
// signature verifies is a pure function of (signer, message bytes, signature)
// for one KeyRing, so one run's replicas can share the verdicts: each distinct
// signature is checked once per run instead of once per replica that sees it
// (a QC's signatures reach every replica). Every answer is the inner
// Verifier's, so nothing the replicas do changes. A key is compared in full
// (its 64-bit hash only finds the slot); the cache forgets everything when it
// holds entry_count_max verdicts, which bounds its memory. Not thread-safe:
// one per simulation run (Simulation's nodes share it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/crypto/keys.h"

namespace bftsim {

class VerdictCache final : public Verifier {
 public:
  static constexpr std::size_t entry_count_max = 1 << 20;

  explicit VerdictCache(std::shared_ptr<const Verifier> inner) : inner_(std::move(inner)) {}
  std::uint32_t replica_count() const override { return inner_->replica_count(); }
  bool verify(ReplicaIndex signer, std::span<const std::uint8_t> message, const Signature& signature) const override;

  // How many verify() calls the inner Verifier answered, and how many the cache did.
  std::uint64_t miss_count() const { return miss_count_; }
  std::uint64_t hit_count() const { return hit_count_; }

 private:
  struct Entry {
    ReplicaIndex signer;
    Signature signature;
    std::vector<std::uint8_t> message;
    bool verdict;
  };
  std::shared_ptr<const Verifier> inner_;
  mutable std::unordered_map<std::uint64_t, Entry> entries_;
  mutable std::uint64_t miss_count_ = 0;
  mutable std::uint64_t hit_count_ = 0;
};

}  // namespace bftsim
