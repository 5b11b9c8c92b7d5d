// Tests of MemoryKvStore, the in-memory KvStore.
#include "core/kv/memory_kv_store.h"

#include <doctest/doctest.h>

#include <string>

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

}  // namespace
}  // namespace bftsim::test_kv_memory_kv_store_test
