#include "sim/check/agreement_checker.h"

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {

AgreementChecker::AgreementChecker(std::uint32_t replica_count)
    : height_of_(replica_count, 0), last_hash_of_(replica_count) {}

std::optional<Violation> AgreementChecker::on_commit(ReplicaIndex replica, Height height,
                                                     const Hash32& block_hash,
                                                     const Hash32& parent_hash,
                                                     const Hash32& state_digest,
                                                     std::uint64_t event_index, Instant at) {
  BFTSIM_ASSERT(replica < height_of_.size());
  const Height previous = height_of_[replica];
  if (height != previous + 1 || (previous > 0 && parent_hash != last_hash_of_[replica])) {
    return Violation{"chain", event_index, at,
                     fmt::format("replica {} committed block {} at height {} after height {} "
                                 "(block {}), which is not its parent",
                                 replica, block_hash.short_hex(), height, previous,
                                 last_hash_of_[replica].short_hex()),
                     {replica}, {}};
  }
  height_of_[replica] = height;
  last_hash_of_[replica] = block_hash;
  auto [it, first] = decided_.emplace(height, Decided{block_hash, state_digest, replica});
  if (first) return std::nullopt;
  const Decided& decided = it->second;
  if (decided.block_hash != block_hash) {
    return Violation{"agreement", event_index, at,
                     fmt::format("at height {} replica {} committed block {} but replica {} "
                                 "committed block {}",
                                 height, replica, block_hash.short_hex(), decided.first_replica,
                                 decided.block_hash.short_hex()),
                     {decided.first_replica, replica}, {}};
  }
  if (decided.state_digest != state_digest) {
    return Violation{"state_agreement", event_index, at,
                     fmt::format("at height {} (block {}) replica {} has state digest {} but "
                                 "replica {} has {}",
                                 height, block_hash.short_hex(), replica, state_digest.short_hex(),
                                 decided.first_replica, decided.state_digest.short_hex()),
                     {decided.first_replica, replica}, {}};
  }
  return std::nullopt;
}

std::optional<Violation> AgreementChecker::on_recover(ReplicaIndex replica, Height height,
                                                      const Hash32& block_hash, const Hash32& state_digest) {
  BFTSIM_ASSERT(replica < height_of_.size());
  height_of_[replica] = height;
  last_hash_of_[replica] = height == 0 ? Hash32{} : block_hash;
  if (height == 0) return std::nullopt;
  auto it = decided_.find(height);
  if (it == decided_.end()) {
    return Violation{"recovery", 0, 0,
                     fmt::format("replica {} recovered height {} (block {}), which no replica committed",
                                 replica, height, block_hash.short_hex()),
                     {replica}, {}};
  }
  if (it->second.block_hash != block_hash || it->second.state_digest != state_digest) {
    return Violation{"recovery", 0, 0,
                     fmt::format("replica {} recovered block {} with state {} at height {}, but the cluster "
                                 "decided block {} with state {}",
                                 replica, block_hash.short_hex(), state_digest.short_hex(), height,
                                 it->second.block_hash.short_hex(), it->second.state_digest.short_hex()),
                     {replica}, {}};
  }
  return std::nullopt;
}

}  // namespace bftsim
