// Tests of core/storage/bloom.h. Goal: no false negatives, and a false
// positive rate near theory (10 bits/key: ~0.8%, bound 2%). Method: 10k keys
// in, 20k absent keys probed; also 5 bits/key against a looser bound.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/storage/bloom.h"

namespace bftsim {
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

}  // namespace
}  // namespace bftsim
