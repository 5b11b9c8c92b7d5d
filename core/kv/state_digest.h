// StateDigest: an incremental, order-independent hash of a set of key/value
// pairs. Each pair hashes to four u64 lanes that are added (mod 2^64 per lane)
// on insert and subtracted on removal, so the digest depends only on the
// final contents, never on the order of writes, and each write costs O(1).
// Deterministic across platforms (lanes are read little-endian). Not
// collision-resistant against an adversary choosing many pairs (additive
// multiset hashes fall to generalized-birthday attacks); it is a check that
// honest replicas agree, not a commitment.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/crypto/hash.h"

namespace bftsim {

class StateDigest {
 public:
  // Requires: the pair is not already counted.
  void add(std::string_view key, std::string_view value);
  // Requires: the pair was added and not removed since.
  void remove(std::string_view key, std::string_view value);

  // blake2b_256(lane0 || lane1 || lane2 || lane3 || pair_count), each u64
  // little-endian. The empty set has a fixed, nonzero digest.
  Hash32 value() const;
  std::uint64_t pair_count() const { return pair_count_; }

 private:
  std::array<std::uint64_t, 4> lanes_{};
  std::uint64_t pair_count_ = 0;
};

}  // namespace bftsim
