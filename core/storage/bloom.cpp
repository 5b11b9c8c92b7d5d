// Bloom filter with double hashing; see bloom.h.
#include "core/storage/bloom.h"

#include <algorithm>
#include <cmath>

#include "core/types/assert.h"

namespace bftsim {
namespace {

constexpr int probe_count_max = 30;

}  // namespace

// FNV-1a over the bytes, then the splitmix64 finalizer to spread the bits.
std::uint64_t bloom_key_hash(std::string_view key) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char byte : key) hash = (hash ^ byte) * 0x100000001b3ull;
  hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ull;
  hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBull;
  return hash ^ (hash >> 31);
}

std::vector<std::uint8_t> build_bloom_filter(std::span<const std::string> keys, int bits_per_key) {
  std::vector<std::uint64_t> key_hashes;
  key_hashes.reserve(keys.size());
  for (const std::string& key : keys) key_hashes.push_back(bloom_key_hash(key));
  return build_bloom_filter_from_hashes(key_hashes, bits_per_key);
}

std::vector<std::uint8_t> build_bloom_filter_from_hashes(std::span<const std::uint64_t> key_hashes, int bits_per_key) {
  BFTSIM_ASSERT(bits_per_key >= 1);
  int probe_count = std::clamp(static_cast<int>(std::lround(bits_per_key * 0.69)), 1, probe_count_max);
  // At least 64 bits, so a table with few keys does not get a useless filter.
  std::size_t bit_count = std::max<std::size_t>(64, key_hashes.size() * static_cast<std::size_t>(bits_per_key));
  std::size_t byte_count = (bit_count + 7) / 8;
  bit_count = byte_count * 8;
  std::vector<std::uint8_t> filter(byte_count + 1, 0);
  for (std::uint64_t hash : key_hashes) {
    std::uint32_t h1 = static_cast<std::uint32_t>(hash);
    std::uint32_t h2 = static_cast<std::uint32_t>(hash >> 32) | 1;  // odd: probes differ
    // Probe i sets bit (h1 + i*h2) % bit_count (bloom_may_contain's formula;
    // h1 + i*h2 cannot overflow 64 bits). Stepping by h2 % bit_count and
    // wrapping gives the same bits with two divisions per key, not one per probe.
    std::uint64_t bit = h1 % bit_count;
    const std::uint64_t step = h2 % bit_count;
    for (int i = 0; i < probe_count; ++i) {
      filter[bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
      bit += step;
      if (bit >= bit_count) bit -= bit_count;
    }
  }
  filter[byte_count] = static_cast<std::uint8_t>(probe_count);
  return filter;
}

bool bloom_may_contain(std::span<const std::uint8_t> filter, std::string_view key) {
  if (filter.size() < 2) return true;
  int probe_count = filter.back();
  if (probe_count < 1 || probe_count > probe_count_max) return true;
  std::size_t bit_count = (filter.size() - 1) * 8;
  std::uint64_t hash = bloom_key_hash(key);
  std::uint32_t h1 = static_cast<std::uint32_t>(hash);
  std::uint32_t h2 = static_cast<std::uint32_t>(hash >> 32) | 1;
  // Probe i tests bit (h1 + i*h2) % bit_count, stepped as in the builder.
  std::uint64_t bit = h1 % bit_count;
  const std::uint64_t step = h2 % bit_count;
  for (int i = 0; i < probe_count; ++i) {
    if ((filter[bit / 8] & (1u << (bit % 8))) == 0) return false;
    bit += step;
    if (bit >= bit_count) bit -= bit_count;
  }
  return true;
}

}  // namespace bftsim
