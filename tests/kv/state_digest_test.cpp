// Tests of StateDigest, the order-independent multiset hash of the KV state.
#include "core/crypto/blake2b.h"
#include "core/kv/state_digest.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/crypto/keys.h"

namespace bftsim::test_kv_state_digest_test {
namespace {

TEST_CASE("state_digest: insertion order does not matter, contents do") {
  // Goal: the digest is a function of the set of pairs only. Method: add the
  // same pairs in two orders, then compare against sets that differ slightly.
  StateDigest forward;
  forward.add("a", "1");
  forward.add("b", "2");
  forward.add("c", "3");
  StateDigest backward;
  backward.add("c", "3");
  backward.add("b", "2");
  backward.add("a", "1");
  CHECK(forward.value() == backward.value());
  CHECK(forward.pair_count() == 3);

  StateDigest other_value;
  other_value.add("a", "1");
  other_value.add("b", "2");
  other_value.add("c", "4");
  CHECK(forward.value() != other_value.value());

  StateDigest fewer;
  fewer.add("a", "1");
  fewer.add("b", "2");
  CHECK(forward.value() != fewer.value());
}

TEST_CASE("state_digest: removing returns to the previous digest") {
  // Goal: remove undoes add exactly, down to the empty set. Method: add and
  // remove pairs, comparing with digests taken earlier.
  const StateDigest empty;
  CHECK_FALSE(empty.value().is_zero());

  StateDigest digest;
  digest.add("a", "1");
  const Hash32 after_a = digest.value();
  digest.add("b", "2");
  CHECK(digest.value() != after_a);
  digest.remove("b", "2");
  CHECK(digest.value() == after_a);
  digest.remove("a", "1");
  CHECK(digest.value() == empty.value());
  CHECK(digest.pair_count() == 0);
}

TEST_CASE("state_digest: length prefixes separate key from value") {
  // Goal: the pair encoding is injective. Method: ("ab","c") and ("a","bc")
  // concatenate to the same bytes; their digests must differ.
  StateDigest left;
  left.add("ab", "c");
  StateDigest right;
  right.add("a", "bc");
  CHECK(left.value() != right.value());
}

TEST_CASE("state_digest: matches the documented formula") {
  // Goal: the digest is exactly the format state_digest.h states, so other
  // implementations can reproduce it. Method: for the empty set and for one
  // pair, build the hashed bytes by hand and compare.
  std::vector<std::uint8_t> empty_bytes(40, 0);  // four zero lanes, count 0
  CHECK(StateDigest{}.value() == blake2b_256(empty_bytes));

  // One pair: its lanes are its hash's bytes (little-endian lanes of a
  // little-endian sum of one term), followed by count 1.
  const std::vector<std::uint8_t> pair_bytes = {2, 0, 0, 0, 'k', '1', 3, 0, 0, 0, 'v', 'a', 'l'};
  const Hash32 pair_hash = blake2b_256(pair_bytes);
  std::vector<std::uint8_t> one_bytes(pair_hash.bytes.begin(), pair_hash.bytes.end());
  one_bytes.insert(one_bytes.end(), {1, 0, 0, 0, 0, 0, 0, 0});
  StateDigest one;
  one.add("k1", "val");
  CHECK(one.value() == blake2b_256(one_bytes));
}

}  // namespace
}  // namespace bftsim::test_kv_state_digest_test
