// Tests of core/storage/bloom.h. Goal: no false negatives, and a false
// positive rate near theory (10 bits/key: ~0.8%, bound 2%). Method: 10k keys
// in, 20k absent keys probed; also 5 bits/key against a looser bound.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/storage/bloom.h"

namespace bftsim::test_storage_bloom_test {
namespace {

double false_positive_rate(int bits_per_key, int key_count, int probe_count) {
  std::vector<std::string> keys;
  for (int i = 0; i < key_count; ++i) keys.push_back("present-" + std::to_string(i));
  auto filter = build_bloom_filter(keys, bits_per_key);
  for (const auto& key : keys) REQUIRE(bloom_may_contain(filter, key));  // no false negatives
  int false_positives = 0;
  for (int i = 0; i < probe_count; ++i)
    if (bloom_may_contain(filter, "absent-" + std::to_string(i))) ++false_positives;
  return static_cast<double>(false_positives) / probe_count;
}

TEST_CASE("storage: bloom filter false positive rate stays within its bound") {
  double rate_10 = false_positive_rate(10, 10'000, 20'000);
  MESSAGE("10 bits/key false positive rate: " << rate_10);
  CHECK(rate_10 < 0.02);
  double rate_5 = false_positive_rate(5, 10'000, 20'000);
  MESSAGE("5 bits/key false positive rate: " << rate_5);
  CHECK(rate_5 < 0.12);
  CHECK(rate_5 > rate_10);
}

TEST_CASE("storage: bloom filter of no keys and of unreadable bytes") {
  auto empty = build_bloom_filter({}, 10);
  CHECK_FALSE(bloom_may_contain(empty, "anything"));
  CHECK(bloom_may_contain(std::vector<std::uint8_t>{}, "anything"));  // unknown: read the table
}

// Goal: the filter's bytes are the documented format
// (docs/sstable_format.md): probe i of a key sets bit (h1 + i*h2) mod m, with
// h1, h2 the low and high 32 bits of bloom_key_hash (h2 made odd), so tables
// written before and after a change to how the bits are computed read the
// same. Method: rebuild the filter with that formula, one modulo per probe,
// and compare byte for byte, at a bit count that is not a power of two.
TEST_CASE("storage: bloom filter bits follow the documented probe formula") {
  std::vector<std::string> keys;
  for (int i = 0; i < 1'000; ++i) keys.push_back("key-" + std::to_string(i * 7919));
  const int bits_per_key = 10;
  const auto filter = build_bloom_filter(keys, bits_per_key);
  const std::size_t bit_count = (filter.size() - 1) * 8;
  REQUIRE(bit_count % 64 != 0);  // the modulo matters
  const int probe_count = filter.back();
  std::vector<std::uint8_t> expected(filter.size(), 0);
  for (const std::string& key : keys) {
    const std::uint64_t hash = bloom_key_hash(key);
    const std::uint32_t h1 = static_cast<std::uint32_t>(hash);
    const std::uint32_t h2 = static_cast<std::uint32_t>(hash >> 32) | 1;
    for (int i = 0; i < probe_count; ++i) {
      const std::uint64_t bit = (h1 + static_cast<std::uint64_t>(i) * h2) % bit_count;
      expected[bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
    }
  }
  expected.back() = static_cast<std::uint8_t>(probe_count);
  CHECK(filter == expected);
}

}  // namespace
}  // namespace bftsim::test_storage_bloom_test
