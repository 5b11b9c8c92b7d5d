// Tests of core/storage/table_builder.h and table_reader.h. Goal: a table
// returns what was written (point lookups, tombstones, absent keys, ordered
// iteration and seeks), and damage is an error naming file and offset, never
// wrong data. Method: build tables in MemoryFileSystem, then flip or cut bytes.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/storage/table_builder.h"
#include "core/storage/table_reader.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_table_test {
namespace {

std::string key_of(int i) { return fmt::format("key{:06}", i); }

// Keys key000000, key000002, ... (even numbers); every 10th a tombstone.
TableInfo build_table(test::MemoryFileSystem& fs, const std::string& path, int key_count) {
  auto file = fs.open_writable(path, OpenMode::truncate);
  REQUIRE(file.has_value());
  TableBuilder builder(path, std::move(*file), TableOptions{});
  for (int i = 0; i < key_count; ++i) {
    bool tombstone = i % 10 == 3;
    BlockEntry entry{key_of(2 * i), static_cast<std::uint64_t>(i + 1),
                     tombstone ? EntryKind::tombstone : EntryKind::value,
                     tombstone ? "" : "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 13), 'v')};
    REQUIRE(builder.add(entry).has_value());
  }
  auto info = builder.finish();
  REQUIRE(info.has_value());
  return *info;
}

TEST_CASE("storage: table round trip of point lookups, tombstones and absent keys") {
  test::MemoryFileSystem fs;
  const int key_count = 5000;
  TableInfo info = build_table(fs, "db/000005.sst", key_count);
  CHECK(info.entry_count == key_count);
  CHECK(info.smallest_key == key_of(0));
  CHECK(info.largest_key == key_of(2 * (key_count - 1)));
  auto table = TableReader::open(fs, "db/000005.sst");
  REQUIRE(table.has_value());
  CHECK((*table)->index().size() > 20);  // many ~4 KiB blocks
  for (int i = 0; i < key_count; ++i) {
    auto entry = (*table)->get(key_of(2 * i));
    REQUIRE(entry.has_value());
    REQUIRE(entry->has_value());
    CHECK((*entry)->sequence == static_cast<std::uint64_t>(i + 1));
    if (i % 10 == 3) {
      CHECK((*entry)->kind == EntryKind::tombstone);
    } else {
      CHECK((*entry)->value == "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 13), 'v'));
    }
    auto absent = (*table)->get(key_of(2 * i + 1));
    REQUIRE(absent.has_value());
    CHECK_FALSE(absent->has_value());
  }
  CHECK((*table)->bloom_skip_count() > key_count * 9 / 10);
  auto past_end = (*table)->get("zzz");
  REQUIRE(past_end.has_value());
  CHECK_FALSE(past_end->has_value());
}

TEST_CASE("storage: table iteration is in key order and seek lands on the next key") {
  test::MemoryFileSystem fs;
  build_table(fs, "db/000001.sst", 3000);
  auto table = TableReader::open(fs, "db/000001.sst");
  REQUIRE(table.has_value());
  auto it = (*table)->iterator();
  int count = 0;
  for (it->seek_to_first(); it->valid(); it->next()) {
    CHECK(it->key() == key_of(2 * count));
    ++count;
  }
  CHECK(it->status().has_value());
  CHECK(count == 3000);
  it->seek(key_of(1001));
  REQUIRE(it->valid());
  CHECK(it->key() == key_of(1002));
  it->seek(key_of(5998));
  REQUIRE(it->valid());
  it->next();
  CHECK_FALSE(it->valid());
  it->seek("zzz");
  CHECK_FALSE(it->valid());
  it->seek("");
  REQUIRE(it->valid());
  CHECK(it->key() == key_of(0));
}

TEST_CASE("storage: a corrupt table block is an error naming file and offset") {
  test::MemoryFileSystem fs;
  build_table(fs, "db/000012.sst", 2000);
  auto table = TableReader::open(fs, "db/000012.sst");
  REQUIRE(table.has_value());
  BlockHandle third = (*table)->index()[2].handle;
  std::string wanted_key = (*table)->index()[2].last_key;
  auto inode = fs.inode("db/000012.sst");
  inode->data[third.offset + 7] ^= 0x01;  // one bit inside the third data block
  std::string expected = fmt::format("db/000012.sst: offset {}: block checksum mismatch", third.offset);

  auto reopened = TableReader::open(fs, "db/000012.sst");  // index and filter are intact
  REQUIRE(reopened.has_value());
  auto entry = (*reopened)->get(wanted_key);
  REQUIRE_FALSE(entry.has_value());
  CHECK(entry.error().code == ErrorCode::corruption);
  CHECK(entry.error().message == expected);
  auto it = (*reopened)->iterator();
  int count = 0;
  for (it->seek_to_first(); it->valid(); it->next()) ++count;
  CHECK(count > 0);
  REQUIRE_FALSE(it->status().has_value());
  CHECK(it->status().error().message == expected);
  // Control: a key in an intact block still reads.
  CHECK((*reopened)->get(key_of(0))->has_value());
}

TEST_CASE("storage: a truncated or damaged table footer, index or filter fails open with the offset") {
  test::MemoryFileSystem fs;
  build_table(fs, "db/000003.sst", 500);
  auto inode = fs.inode("db/000003.sst");
  const auto original = inode->data;
  const std::size_t size = original.size();

  inode->data.resize(size - 1);
  auto cut = TableReader::open(fs, "db/000003.sst");
  REQUIRE_FALSE(cut.has_value());
  CHECK(cut.error().message == fmt::format("db/000003.sst: offset {}: bad magic number (truncated or not a table)",
                                           size - 1 - table_footer_size_bytes + 36));
  inode->data.resize(10);
  auto tiny = TableReader::open(fs, "db/000003.sst");
  REQUIRE_FALSE(tiny.has_value());
  CHECK(tiny.error().message.find("db/000003.sst: offset 0: file of 10 bytes is too short") == 0);

  // Every single-byte flip in the footer, index or filter fails open().
  auto table = TableReader::open(fs, "db/000003.sst");
  inode->data = original;
  table = TableReader::open(fs, "db/000003.sst");
  REQUIRE(table.has_value());
  std::size_t metadata_start = (*table)->index().back().handle.offset + (*table)->index().back().handle.size_bytes + 4;
  for (std::size_t byte = metadata_start; byte < size; ++byte) {
    CAPTURE(byte);
    inode->data = original;
    inode->data[byte] ^= 0x40;
    auto damaged = TableReader::open(fs, "db/000003.sst");
    REQUIRE_FALSE(damaged.has_value());
    CHECK(damaged.error().code == ErrorCode::corruption);
    CHECK(damaged.error().message.find("db/000003.sst: offset ") == 0);
  }
}

}  // namespace
}  // namespace bftsim::test_storage_table_test
