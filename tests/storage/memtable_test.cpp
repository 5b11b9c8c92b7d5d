// Tests of core/storage/memtable.h. Goal: newest version per key, tombstones
// kept, ordered iteration, size accounting that grows and shrinks with
// values. Method: a handful of puts and deletes checked directly.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "core/storage/memtable.h"

namespace bftsim::test_storage_memtable_test {
namespace {

TEST_CASE("storage: memtable keeps the newest version, tombstones and key order") {
  Memtable memtable;
  memtable.put("b", "1", 1);
  memtable.put("a", "22", 2);
  std::size_t size_two = memtable.size_bytes();
  memtable.put("b", "333", 3);
  CHECK(memtable.size_bytes() == size_two + 2);
  memtable.remove("a", 4);
  CHECK(memtable.size_bytes() == size_two + 2 - 2);
  CHECK(memtable.find("b")->value == "333");
  CHECK(memtable.find("a")->kind == EntryKind::tombstone);
  CHECK(memtable.find("c") == nullptr);
  auto it = memtable.iterator();
  it->seek_to_first();
  REQUIRE(it->valid());
  CHECK(it->key() == "a");
  CHECK(it->sequence() == 4);
  it->next();
  CHECK(it->key() == "b");
  it->next();
  CHECK_FALSE(it->valid());
  it->seek("aa");
  CHECK(it->key() == "b");
}

// Goal: the hash index finds every key through its growth, and key order
// stays right when keys arrive between ordered reads (each iterator() merges
// the keys added since the last one into the order built before). Method:
// interleave puts of new and old keys, removes and iterators over a few
// thousand keys in a scrambled order, against a std::map model.
TEST_CASE("storage: memtable order and lookups hold across growth and interleaved iteration") {
  Memtable memtable;
  std::map<std::string, std::pair<std::string, EntryKind>> model;
  std::uint64_t sequence = 0;
  auto check_order = [&] {
    auto it = memtable.iterator();
    it->seek_to_first();
    for (const auto& [key, expected] : model) {
      REQUIRE(it->valid());
      CHECK(it->key() == key);
      CHECK(it->value() == expected.first);
      CHECK(it->kind() == expected.second);
      it->next();
    }
    CHECK_FALSE(it->valid());
  };
  for (std::uint64_t i = 0; i < 3000; ++i) {
    // 7919 is prime, so i * 7919 % 3001 visits keys in a scrambled order;
    // i % 5 == 0 rewrites a key written earlier.
    const std::uint64_t number = i % 5 == 0 ? (i / 5) * 7919 % 3001 : i * 7919 % 3001;
    const std::string key = "key" + std::to_string(number);
    if (i % 7 == 0) {
      memtable.remove(key, ++sequence);
      model[key] = {"", EntryKind::tombstone};
    } else {
      const std::string value = "value" + std::to_string(i);
      memtable.put(key, value, ++sequence);
      model[key] = {value, EntryKind::value};
    }
    if (i % 997 == 0) check_order();
  }
  CHECK(memtable.entry_count() == model.size());
  for (const auto& [key, expected] : model) {
    const MemtableEntry* entry = memtable.find(key);
    REQUIRE(entry != nullptr);
    CHECK(entry->value == expected.first);
    CHECK(entry->kind == expected.second);
  }
  CHECK(memtable.find("key3001") == nullptr);
  check_order();
  auto it = memtable.iterator();
  it->seek("key2");
  REQUIRE(it->valid());
  CHECK(it->key() == model.lower_bound("key2")->first);
  memtable.clear();
  CHECK(memtable.empty());
  CHECK(memtable.find("key1") == nullptr);
  memtable.put("key1", "again", ++sequence);
  CHECK(memtable.find("key1")->value == "again");
}

}  // namespace
}  // namespace bftsim::test_storage_memtable_test
