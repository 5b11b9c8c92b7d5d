// Tests of MemoryKvStore, the in-memory KvStore.
#include "core/kv/memory_kv_store.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bftsim::test_kv_memory_kv_store_test {
namespace {

TEST_CASE("memory_kv_store: put, get, overwrite and erase") {
  // Goal: the store behaves like a map. Method: drive each call and read back.
  MemoryKvStore store;
  CHECK(store.size() == 0);
  CHECK(store.get("a") == std::nullopt);

  store.put("a", "1");
  store.put("b", "");
  CHECK(store.size() == 2);
  CHECK(store.get("a") == std::optional<std::string>("1"));
  CHECK(store.get("b") == std::optional<std::string>(""));  // empty value is present

  store.put("a", "22");
  CHECK(store.size() == 2);
  CHECK(store.get("a") == std::optional<std::string>("22"));

  CHECK(store.erase("a"));
  CHECK_FALSE(store.erase("a"));
  CHECK_FALSE(store.erase("missing"));
  CHECK(store.get("a") == std::nullopt);
  CHECK(store.size() == 1);
}

TEST_CASE("memory_kv_store: for_each visits every pair in key order") {
  // Goal: the hash table's order never shows; snapshots and the state
  // digest's setup see keys sorted. Method: insert in a scrambled order,
  // overwrite and erase some, and compare the visit with the sorted pairs.
  MemoryKvStore store;
  std::vector<std::pair<std::string, std::string>> expected;
  for (int i = 0; i < 300; ++i) {
    const int k = (i * 37) % 300;
    store.put("key" + std::to_string(k), "v" + std::to_string(i));
  }
  for (int k = 0; k < 300; k += 7) CHECK(store.erase("key" + std::to_string(k)));
  store.put("key1", "new");
  for (int i = 0; i < 300; ++i) {
    const int k = (i * 37) % 300;
    if (k % 7 == 0) continue;
    expected.emplace_back("key" + std::to_string(k), k == 1 ? "new" : "v" + std::to_string(i));
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::pair<std::string, std::string>> visited;
  store.for_each([&](std::string_view key, std::string_view value) { visited.emplace_back(key, value); });
  CHECK(visited == expected);
  CHECK(store.size() == expected.size());
}

}  // namespace
}  // namespace bftsim::test_kv_memory_kv_store_test
