// Tests of SortedWindow, the flat ordered map of mostly ascending keys that
// holds a client's cached replies and a replica's verified certificates.
#include "core/types/sorted_window.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace bftsim::test_types_sorted_window_test {
namespace {

using Window = SortedWindow<std::uint64_t, std::string>;

std::vector<std::uint64_t> keys_of(const Window& window) {
  std::vector<std::uint64_t> keys;
  for (const auto& [key, value] : window) keys.push_back(key);
  return keys;
}

TEST_CASE("sorted_window: appends, inserts below the top, finds and keeps key order") {
  Window window;
  CHECK(window.empty());
  CHECK(window.find(1) == nullptr);
  CHECK(window.emplace(10, "ten").second);
  CHECK(window.emplace(30, "thirty").second);
  CHECK(window.emplace(20, "twenty").second);  // below the top: shifted in
  CHECK(window.emplace(5, "five").second);     // below everything
  const auto [value, added] = window.emplace(20, "other");
  CHECK_FALSE(added);
  REQUIRE(value != nullptr);
  CHECK(*value == "twenty");  // an existing key keeps its value
  CHECK(keys_of(window) == std::vector<std::uint64_t>{5, 10, 20, 30});
  CHECK(window.front().first == 5);
  CHECK(window.back().first == 30);
  CHECK(window.contains(10));
  CHECK_FALSE(window.contains(11));
  CHECK_FALSE(window.contains(31));
  *window.find(10) = "TEN";
  CHECK(*window.find(10) == "TEN");
}

TEST_CASE("sorted_window: erase_through removes the bottom in order and reports each key") {
  Window window;
  for (std::uint64_t key = 1; key <= 100; ++key) window.emplace(key, std::to_string(key));
  std::vector<std::uint64_t> removed;
  CHECK(window.erase_through(60, [&](std::uint64_t key) { removed.push_back(key); }) == 60);
  REQUIRE(removed.size() == 60);
  CHECK(removed.front() == 1);
  CHECK(removed.back() == 60);
  CHECK(window.size() == 40);
  CHECK(window.front().first == 61);
  CHECK(window.find(60) == nullptr);
  CHECK(*window.find(61) == "61");  // the compaction kept the survivors' values
  CHECK(window.erase_through(5, [](std::uint64_t) {}) == 0);
  CHECK(window.erase_through(1000, [](std::uint64_t) {}) == 40);
  CHECK(window.empty());
  CHECK(window.emplace(7, "seven").second);  // usable after emptying
  CHECK(keys_of(window) == std::vector<std::uint64_t>{7});
}

TEST_CASE("sorted_window: random mostly-ascending use matches a std::map") {
  // Goal: every operation agrees with std::map, including inserts below the
  // top and erases that leave a dead prefix to compact. Method: a seeded
  // random walk over a sliding key range, checked after every step.
  std::mt19937_64 rng(7);
  Window window;
  std::map<std::uint64_t, std::string> model;
  std::uint64_t top = 0;
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t roll = rng() % 100;
    if (roll < 60) {
      top += 1 + rng() % 3;
      const std::uint64_t key = roll < 45 ? top : top - std::min<std::uint64_t>(top, rng() % 40);
      const std::string value = std::to_string(step);
      const bool added = window.emplace(key, value).second;
      CHECK(added == model.emplace(key, value).second);
    } else if (roll < 75) {
      const std::uint64_t bound = top - std::min<std::uint64_t>(top, 30 + rng() % 30);
      std::vector<std::uint64_t> removed;
      window.erase_through(bound, [&](std::uint64_t key) { removed.push_back(key); });
      std::vector<std::uint64_t> expected;
      for (auto it = model.begin(); it != model.end() && it->first <= bound;) {
        expected.push_back(it->first);
        it = model.erase(it);
      }
      CHECK(removed == expected);
    } else if (roll < 80) {
      if (!model.empty()) {
        window.pop_front();
        model.erase(model.begin());
      }
    } else {
      const std::uint64_t key = top - std::min<std::uint64_t>(top, rng() % 80);
      const std::string* found = window.find(key);
      auto it = model.find(key);
      REQUIRE((found != nullptr) == (it != model.end()));
      if (found != nullptr) CHECK(*found == it->second);
    }
    REQUIRE(window.size() == model.size());
    if (step % 97 == 0) {
      std::vector<std::uint64_t> expected;
      for (const auto& [key, value] : model) expected.push_back(key);
      CHECK(keys_of(window) == expected);
    }
  }
}

}  // namespace
}  // namespace bftsim::test_types_sorted_window_test
