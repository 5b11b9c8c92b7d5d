// Tests of core/storage/level_iterator.h. Goal: one level's tables read as
// one ordered stream from any seek (inside a table, between tables, before
// the first and past the last key), and a damaged block in a later table
// stops the stream with the error rather than skipping the table. Method:
// three tables of disjoint ranges in MemoryFileSystem; compare with the keys.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "core/storage/level_iterator.h"
#include "core/storage/table_builder.h"
#include "core/storage/table_reader.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_level_iterator_test {
namespace {

std::string key_of(int i) { return fmt::format("key{:06}", i); }

// Table t holds keys 1000*t + 2*i (even numbers below 1000*t + 1000).
std::vector<std::shared_ptr<const TableReader>> build_level(test::MemoryFileSystem& fs, int table_count) {
  std::vector<std::shared_ptr<const TableReader>> tables;
  for (int t = 0; t < table_count; ++t) {
    std::string path = fmt::format("db/{:06}.sst", t + 1);
    auto file = fs.open_writable(path, OpenMode::truncate);
    REQUIRE(file.has_value());
    TableBuilder builder(path, std::move(*file), TableOptions{});
    for (int i = 0; i < 500; ++i)
      REQUIRE(builder.add(BlockEntry{key_of(1000 * t + 2 * i), 1, EntryKind::value, "v" + std::to_string(i)}));
    REQUIRE(builder.finish().has_value());
    auto table = TableReader::open(fs, path);
    REQUIRE(table.has_value());
    tables.push_back(*table);
  }
  return tables;
}

std::vector<std::string> keys_from(LevelIterator& it) {
  std::vector<std::string> keys;
  for (; it.valid(); it.next()) keys.emplace_back(it.key());
  return keys;
}

std::vector<std::string> expected_from(int first_key, int table_count) {
  std::vector<std::string> keys;
  for (int k = first_key; k < 1000 * table_count; ++k)
    if (k % 2 == 0) keys.push_back(key_of(k));
  return keys;
}

TEST_CASE("storage: a level iterator reads disjoint tables as one ordered stream") {
  test::MemoryFileSystem fs;
  LevelIterator it(build_level(fs, 3));

  it.seek_to_first();
  CHECK(keys_from(it) == expected_from(0, 3));
  it.seek(key_of(1234));  // inside the second table
  CHECK(keys_from(it) == expected_from(1234, 3));
  it.seek(key_of(999));  // after the first table's last key (998): the second table's first
  REQUIRE(it.valid());
  CHECK(it.key() == key_of(1000));
  CHECK(it.value() == "v0");
  it.seek("a");  // before every key
  REQUIRE(it.valid());
  CHECK(it.key() == key_of(0));
  it.seek(key_of(2999));  // past the last key
  CHECK_FALSE(it.valid());
  CHECK(it.status().has_value());

  LevelIterator empty({});
  empty.seek_to_first();
  CHECK_FALSE(empty.valid());
  CHECK(empty.status().has_value());
}

TEST_CASE("storage: a level iterator stops at a damaged block of a later table") {
  test::MemoryFileSystem fs;
  auto tables = build_level(fs, 3);
  const BlockHandle first_block = tables[1]->index()[0].handle;
  fs.inode("db/000002.sst")->data[first_block.offset + 5] ^= 0x01;
  LevelIterator it(tables);
  it.seek(key_of(990));
  std::size_t count = 0;
  for (; it.valid(); it.next()) ++count;
  CHECK(count == 5);  // 990..998 from the first table, then the damaged block
  REQUIRE_FALSE(it.status().has_value());
  CHECK(it.status().error().code == ErrorCode::corruption);
  CHECK(it.status().error().message == fmt::format("db/000002.sst: offset {}: block checksum mismatch", first_block.offset));
}

}  // namespace
}  // namespace bftsim::test_storage_level_iterator_test
