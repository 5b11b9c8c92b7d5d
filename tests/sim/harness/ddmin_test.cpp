// Tests of sim/harness/ddmin.h: the result still fails, is 1-minimal (no
// single part can go), is found in few tests for one or two culprits among
// many, and never tests the same subset twice. Predicates are plain sets of
// culprits, plus random monotone and non-monotone ones checked against the
// definition of 1-minimality by brute force.
#include "sim/harness/ddmin.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "sim/rng.h"
#include "sim/distributions.h"

namespace bftsim::test_sim_harness_ddmin_test {
namespace {

bool contains_all(const Subset& subset, const std::vector<std::size_t>& needed) {
  return std::all_of(needed.begin(), needed.end(),
                     [&](std::size_t n) { return std::binary_search(subset.begin(), subset.end(), n); });
}

// Checks the contract of ddmin for `fails` over `count` parts.
void check_one_minimal(std::size_t count, const std::function<bool(const Subset&)>& fails) {
  std::set<Subset> asked;
  const auto result = ddmin(count, [&](const Subset& subset) {
    CHECK(std::is_sorted(subset.begin(), subset.end()));
    CHECK((subset.empty() || subset.back() < count));
    CHECK(asked.insert(subset).second);  // never the same subset twice
    return fails(subset);
  });
  CHECK(result.tests == asked.size());
  CHECK(fails(result.kept));
  for (std::size_t i = 0; i < result.kept.size(); ++i) {
    Subset smaller = result.kept;
    smaller.erase(smaller.begin() + static_cast<std::ptrdiff_t>(i));
    CHECK_MESSAGE(!fails(smaller), "part " << result.kept[i] << " could go");
  }
}

TEST_CASE("ddmin: one culprit among 64 is found in about 2 log2(64) tests") {
  // Goal: bisect's budget (well under 200 reruns) holds for a lone cause.
  // Method: fails iff part 37 is kept.
  const auto result = ddmin(64, [](const Subset& s) { return contains_all(s, {37}); });
  CHECK(result.kept == Subset{37});
  CHECK(result.tests <= 2 * 6 + 2);
}

TEST_CASE("ddmin: two interacting culprits are both kept, nothing else") {
  // Goal: a failure that needs two faults together keeps exactly both.
  // Method: fails iff parts 3 and 40 are both kept, among 50.
  const auto result = ddmin(50, [](const Subset& s) { return contains_all(s, {3, 40}); });
  CHECK(result.kept == Subset{3, 40});
  CHECK(result.tests <= 40);
}

TEST_CASE("ddmin: an empty subset that fails is the answer, and one part is tested for its removal") {
  // Goal: the failure may need none of the parts. Method: always-fails gives
  // {} after one test; fails-iff-0-kept over one part keeps it.
  const auto none = ddmin(10, [](const Subset&) { return true; });
  CHECK(none.kept.empty());
  CHECK(none.tests == 1);
  const auto one = ddmin(1, [](const Subset& s) { return !s.empty(); });
  CHECK(one.kept == Subset{0});
  CHECK(one.tests == 1);
  CHECK(ddmin(0, [](const Subset&) { return true; }).kept.empty());
}

TEST_CASE("ddmin: random monotone and non-monotone tests give a 1-minimal failing subset") {
  // Goal: the contract holds whatever the test does. Method: 200 random
  // predicates over up to 12 parts: "contains one of these culprit sets"
  // (monotone) and an arbitrary table of subsets that fail (non-monotone,
  // with the full set failing); check failure and 1-minimality by brute force.
  Rng rng = Rng::stream(5, "test/ddmin");
  for (int round = 0; round < 200; ++round) {
    const std::size_t count = 1 + uniform_u64(rng, 12);
    CAPTURE(round);
    if (round % 2 == 0) {
      std::vector<std::vector<std::size_t>> culprits(1 + uniform_u64(rng, 3));
      for (auto& set : culprits) {
        for (std::size_t i = 0; i < count; ++i)
          if (uniform_u64(rng, 3) == 0) set.push_back(i);
      }
      check_one_minimal(count, [&](const Subset& s) {
        return std::any_of(culprits.begin(), culprits.end(), [&](const auto& c) { return contains_all(s, c); });
      });
    } else {
      std::set<Subset> failing;
      Subset all(count);
      for (std::size_t i = 0; i < count; ++i) all[i] = i;
      failing.insert(all);
      for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << count); ++mask) {
        if (uniform_u64(rng, 4) != 0) continue;
        Subset s;
        for (std::size_t i = 0; i < count; ++i)
          if (mask & (std::uint64_t{1} << i)) s.push_back(i);
        failing.insert(s);
      }
      check_one_minimal(count, [&](const Subset& s) { return failing.contains(s); });
    }
  }
}

}  // namespace
}  // namespace bftsim::test_sim_harness_ddmin_test
