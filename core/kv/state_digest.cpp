// StateDigest: see state_digest.h.
#include "core/kv/state_digest.h"

#include <cstddef>
#include <limits>
#include <vector>

#include "core/crypto/blake2b.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

void append_u32_le(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void append_u64_le(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void append_bytes(std::vector<std::uint8_t>& out, std::string_view bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// blake2b_256(u32 len key || key || u32 len value || value) as four lanes.
// The length prefixes make the encoding injective, so ("ab","c") and
// ("a","bc") hash apart.
std::array<std::uint64_t, 4> pair_lanes(std::string_view key, std::string_view value) {
  BFTSIM_ASSERT(key.size() <= std::numeric_limits<std::uint32_t>::max());
  BFTSIM_ASSERT(value.size() <= std::numeric_limits<std::uint32_t>::max());
  std::vector<std::uint8_t> encoded;
  encoded.reserve(8 + key.size() + value.size());
  append_u32_le(encoded, static_cast<std::uint32_t>(key.size()));
  append_bytes(encoded, key);
  append_u32_le(encoded, static_cast<std::uint32_t>(value.size()));
  append_bytes(encoded, value);
  const Hash32 hash = blake2b_256(encoded);

  std::array<std::uint64_t, 4> lanes{};
  for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
    for (std::size_t byte = 0; byte < 8; ++byte) {
      lanes[lane] |= std::uint64_t{hash.bytes[lane * 8 + byte]} << (8 * byte);
    }
  }
  return lanes;
}

}  // namespace

void StateDigest::add(std::string_view key, std::string_view value) {
  const auto lanes = pair_lanes(key, value);
  for (std::size_t i = 0; i < lanes_.size(); ++i) lanes_[i] += lanes[i];  // wraps mod 2^64
  pair_count_ += 1;
}

void StateDigest::remove(std::string_view key, std::string_view value) {
  BFTSIM_ASSERT(pair_count_ > 0);
  const auto lanes = pair_lanes(key, value);
  for (std::size_t i = 0; i < lanes_.size(); ++i) lanes_[i] -= lanes[i];  // wraps mod 2^64
  pair_count_ -= 1;
}

Hash32 StateDigest::value() const {
  std::vector<std::uint8_t> encoded;
  encoded.reserve(8 * (lanes_.size() + 1));
  for (auto lane : lanes_) append_u64_le(encoded, lane);
  append_u64_le(encoded, pair_count_);
  return blake2b_256(encoded);
}

}  // namespace bftsim
