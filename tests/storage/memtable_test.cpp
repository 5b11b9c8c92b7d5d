// Tests of core/storage/memtable.h. Goal: newest version per key, tombstones
// kept, ordered iteration, size accounting that grows and shrinks with
// values. Method: a handful of puts and deletes checked directly.
#include <doctest/doctest.h>

#include "core/storage/memtable.h"

namespace bftsim {
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

}  // namespace
}  // namespace bftsim
