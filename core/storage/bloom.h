// Bloom filter over a table's keys: `bits_per_key` bits per key and
// k = round(bits_per_key * ln 2) probes by double hashing (Kirsch and
// Mitzenmacher): probe i tests bit (h1 + i * h2) mod m, where h1 and h2 are
// the two halves of a 64-bit hash of the key. Encoded as the bit array
// followed by one byte k (docs/sstable_format.md). Deterministic.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bftsim {

// The 64-bit hash the filter probes with (FNV-1a-64 through the splitmix64
// finaliser), so a builder can keep 8 bytes per key instead of the key.
std::uint64_t bloom_key_hash(std::string_view key);

// Builds the filter bytes for `keys`. Requires: bits_per_key >= 1.
std::vector<std::uint8_t> build_bloom_filter(std::span<const std::string> keys, int bits_per_key);
// The same from the keys' bloom_key_hash values.
std::vector<std::uint8_t> build_bloom_filter_from_hashes(std::span<const std::uint64_t> key_hashes, int bits_per_key);

// False means `key` is certainly absent; true means it may be present. A
// filter too short to decode answers true (the caller then reads the table).
bool bloom_may_contain(std::span<const std::uint8_t> filter, std::string_view key);

}  // namespace bftsim
