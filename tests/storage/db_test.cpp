// Tests of core/storage/db.h beyond the model test. Goal: reads see the
// newest version across memtable and levels; a tombstone is never dropped
// while an older table still holds its key; errors stick; damaged tables,
// manifests and WALs fail with the file and byte offset. Method: small
// scripted runs on MemoryFileSystem (one on PosixFileSystem), then damage.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fmt/format.h>

#include <string>

#include "core/storage/db.h"
#include "core/storage/file_names.h"
#include "core/storage/posix_file_system.h"
#include "core/storage/wal.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_db_test {
namespace {

DbOptions small_options() {
  DbOptions options;
  options.memtable_size_bytes_max = 4000;
  options.table.block_size_bytes = 256;
  options.table_size_bytes_target = 2000;
  options.level_count = 3;
  options.level0_table_count_max = 2;
  options.level1_size_bytes_max = 6000;
  options.level_size_multiplier = 4;
  return options;
}

std::unique_ptr<Db> open_db(FileSystem& fs, DbOptions options = small_options()) {
  auto db = Db::open(fs, "db", options);
  if (!db) FAIL("open: " << db.error().message);
  return std::move(*db);
}

std::string key_of(int i) { return fmt::format("key{:05}", i); }

std::optional<std::string> get_or_fail(const Db& db, std::string_view key) {
  auto got = db.get(key);
  if (!got) FAIL("get: " << got.error().message);
  return *got;
}

TEST_CASE("storage: Db reads the newest version across memtable, level 0 and deeper levels") {
  test::MemoryFileSystem fs;
  auto db = open_db(fs);
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 300; ++i) REQUIRE(db->put(key_of(i), fmt::format("v{}-{}", round, i), false).has_value());
  REQUIRE(db->remove(key_of(7), false).has_value());
  DbStats stats = db->stats();
  CHECK(stats.flush_count > 0);
  CHECK(stats.compaction_count > 0);
  CHECK(stats.table_count_per_level[1] + stats.table_count_per_level[2] > 0);
  CHECK(get_or_fail(*db, key_of(5)) == "v4-5");
  CHECK(get_or_fail(*db, key_of(7)) == std::nullopt);
  CHECK(get_or_fail(*db, "absent") == std::nullopt);
  auto range = db->scan(key_of(5), key_of(9));
  REQUIRE(range.has_value());
  REQUIRE(range->size() == 3);  // 5, 6, 8
  CHECK((*range)[2].first == key_of(8));
  auto limited = db->scan("", "", 10);
  REQUIRE(limited.has_value());
  CHECK(limited->size() == 10);

  REQUIRE(db->compact().has_value());
  stats = db->stats();
  CHECK(stats.table_count_per_level[0] == 0);
  CHECK(stats.table_count_per_level[1] == 0);
  CHECK(stats.memtable_size_bytes == 0);
  auto everything = db->scan("", "");
  REQUIRE(everything.has_value());
  CHECK(everything->size() == 299);

  db.reset();
  db = open_db(fs);
  CHECK(get_or_fail(*db, key_of(299)) == "v4-299");
  CHECK(get_or_fail(*db, key_of(7)) == std::nullopt);
}

TEST_CASE("storage: a tombstone stays until no older table can hold its key") {
  test::MemoryFileSystem fs;
  DbOptions options = small_options();
  options.level0_table_count_max = 100;  // only explicit compactions
  auto db = open_db(fs, options);
  REQUIRE(db->put("doomed", "old", false).has_value());
  REQUIRE(db->put("other", "x", false).has_value());
  REQUIRE(db->compact().has_value());  // "doomed" now sits at the last level
  REQUIRE(db->stats().table_count_per_level[2] == 1);
  REQUIRE(db->remove("doomed", false).has_value());
  REQUIRE(db->flush().has_value());
  // Merge level 0 into level 1 only: the older "doomed" at level 2 still
  // needs the tombstone above it. Done through the size trigger.
  db.reset();
  options.level0_table_count_max = 1;
  db = open_db(fs, options);
  DbStats stats = db->stats();
  CHECK(stats.table_count_per_level[0] == 0);
  CHECK(stats.table_count_per_level[1] == 1);
  CHECK(get_or_fail(*db, "doomed") == std::nullopt);
  auto all = db->scan("", "");
  REQUIRE(all.has_value());
  CHECK(all->size() == 1);
  // A full compaction drops tombstone and value together.
  REQUIRE(db->compact().has_value());
  CHECK(db->stats().table_count_per_level[1] == 0);
  CHECK(get_or_fail(*db, "doomed") == std::nullopt);
}

TEST_CASE("storage: rewriting one key flushes on WAL size, keeping the WAL bounded") {
  // Goal: a replica's repeated vote-state writes cannot grow the WAL without
  // bound though the memtable stays tiny. Method: 3000 rewrites of one key.
  test::MemoryFileSystem fs;
  DbOptions options = small_options();
  options.wal_size_bytes_max = 8000;
  auto db = open_db(fs, options);
  for (int i = 0; i < 3000; ++i) {
    REQUIRE(db->put("view", std::to_string(i), true).has_value());
    REQUIRE(db->stats().wal_size_bytes < 8000);
  }
  CHECK(db->stats().flush_count > 5);
  CHECK(get_or_fail(*db, "view") == "2999");
}

TEST_CASE("storage: after a failed write or sync every later write returns the first error") {
  test::MemoryFileSystem fs;
  auto db = open_db(fs);
  REQUIRE(db->put("a", "1", true).has_value());
  fs.fail_at_step(1);  // the append succeeds, the sync fails
  auto failed = db->put("b", "2", true);
  REQUIRE_FALSE(failed.has_value());
  fs.heal();
  auto later = db->put("c", "3", false);
  REQUIRE_FALSE(later.has_value());
  CHECK(later.error().message == failed.error().message);
  CHECK_FALSE(db->sync().has_value());
  CHECK_FALSE(db->flush().has_value());
  CHECK(get_or_fail(*db, "a") == "1");  // reads still work
  // Control: a fresh Db on the healed disk writes again.
  db.reset();
  db = open_db(fs);
  CHECK(db->put("c", "3", true).has_value());
}

// Builds a Db with tables at several levels and a WAL with records.
void build_damageable(test::MemoryFileSystem& fs) {
  auto db = open_db(fs);
  for (int i = 0; i < 400; ++i) REQUIRE(db->put(key_of(i), std::string(20, 'v'), false).has_value());
  REQUIRE(db->flush().has_value());
  for (int i = 0; i < 5; ++i) REQUIRE(db->put(key_of(1000 + i), "wal", false).has_value());
  REQUIRE(db->sync().has_value());
}

std::string first_file(test::MemoryFileSystem& fs, FileKind kind) {
  auto names = fs.list("db");
  REQUIRE(names.has_value());
  for (const auto& name : *names) {
    auto parsed = parse_file_name(name);
    if (parsed && parsed->kind == kind) return "db/" + name;
  }
  FAIL("no such file");
  return {};
}

TEST_CASE("storage: damaged tables, manifests and WALs give errors naming file and offset") {
  SUBCASE("a flipped bit in a table's data block") {
    test::MemoryFileSystem fs;
    build_damageable(fs);
    std::string table = first_file(fs, FileKind::table);
    fs.inode(table)->data[10] ^= 0x01;
    auto db = open_db(fs);  // open checks footer, index and filter only
    auto scan = db->scan("", "");
    REQUIRE_FALSE(scan.has_value());
    CHECK(scan.error().code == ErrorCode::corruption);
    CHECK(scan.error().message == table + ": offset 0: block checksum mismatch");
  }
  SUBCASE("a truncated table") {
    test::MemoryFileSystem fs;
    build_damageable(fs);
    std::string table = first_file(fs, FileKind::table);
    std::size_t size = fs.inode(table)->data.size();
    fs.inode(table)->data.resize(size - 100);
    auto db = Db::open(fs, "db", small_options());
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().message ==
          fmt::format("{}: offset {}: file is {} bytes but the manifest says {} (truncated?)", table, size - 100,
                      size - 100, size));
  }
  SUBCASE("a damaged manifest") {
    test::MemoryFileSystem fs;
    build_damageable(fs);
    fs.inode("db/MANIFEST")->data[30] ^= 0x80;
    auto db = Db::open(fs, "db", small_options());
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().message.find("db/MANIFEST: offset ") == 0);
  }
  SUBCASE("a flipped bit in the middle of the WAL") {
    test::MemoryFileSystem fs;
    build_damageable(fs);
    std::string log = first_file(fs, FileKind::wal);
    auto replay = replay_wal(fs, log);
    REQUIRE(replay.has_value());
    REQUIRE(replay->records.size() == 5);
    std::uint64_t offset = replay->records[1].offset;
    fs.inode(log)->data[offset + wal_header_size_bytes + 3] ^= 0x04;
    auto db = Db::open(fs, "db", small_options());
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().message.find(fmt::format("{}: offset {}: record checksum mismatch", log, offset)) == 0);
  }
  SUBCASE("a torn WAL tail opens and keeps the records before it") {
    test::MemoryFileSystem fs;
    build_damageable(fs);
    std::string log = first_file(fs, FileKind::wal);
    fs.inode(log)->data.resize(fs.inode(log)->data.size() - 3);
    auto db = open_db(fs);
    CHECK(db->stats().torn_wal_tail_count == 1);
    CHECK(db->stats().torn_wal_tail_last.find(log + ": offset ") == 0);
    CHECK(get_or_fail(*db, key_of(1003)) == "wal");
    CHECK(get_or_fail(*db, key_of(1004)) == std::nullopt);
  }
}

TEST_CASE("storage: a crash at every step of a flush and compaction leaves the synced data and no orphans") {
  // Goal: each FileSystem step of flush + compact, failed and followed by a
  // crash, reopens to exactly the synced data, with every table on disk named
  // by the manifest. Method: fail step k for every k until compact() succeeds.
  for (std::uint64_t step = 0;; ++step) {
    CAPTURE(step);
    test::MemoryFileSystem fs;
    auto db = open_db(fs);
    for (int i = 0; i < 150; ++i) REQUIRE(db->put(key_of(i % 97), std::to_string(i), false).has_value());
    for (int i = 0; i < 20; ++i) REQUIRE(db->remove(key_of(i * 3), false).has_value());
    REQUIRE(db->sync().has_value());
    auto expected = db->scan("", "");
    REQUIRE(expected.has_value());
    fs.fail_at_step(step);
    bool compacted = db->compact().has_value();
    bool fault_hit = fs.failed();
    db.reset();
    fs.crash(step);
    db = open_db(fs);
    auto recovered = db->scan("", "");
    REQUIRE(recovered.has_value());
    CHECK(*recovered == *expected);
    auto names = fs.list("db");
    REQUIRE(names.has_value());
    std::size_t table_files = 0;
    for (const auto& name : *names)
      if (auto parsed = parse_file_name(name); parsed && parsed->kind == FileKind::table) ++table_files;
    DbStats stats = db->stats();
    std::size_t live_tables = 0;
    for (std::size_t count : stats.table_count_per_level) live_tables += count;
    CHECK(table_files == live_tables);
    if (compacted) CHECK(stats.table_count_per_level[0] + stats.table_count_per_level[1] == 0);
    if (!fault_hit) {
      CHECK(step > 10);  // flush and compaction took many steps, each one failed once
      break;
    }
  }
}

TEST_CASE("storage: Db on PosixFileSystem writes, reopens and reads back") {
  PosixFileSystem fs;
  std::string dir = "/tmp/bftsim_db_test_" + std::to_string(::getpid());
  {
    auto db = Db::open(fs, dir, small_options());
    REQUIRE(db.has_value());
    for (int i = 0; i < 500; ++i) REQUIRE((*db)->put(key_of(i), "posix", false).has_value());
    REQUIRE((*db)->sync().has_value());
  }
  auto db = Db::open(fs, dir, small_options());
  REQUIRE(db.has_value());
  auto all = (*db)->scan("", "");
  REQUIRE(all.has_value());
  CHECK(all->size() == 500);
  db->reset();
  auto names = fs.list(dir);
  REQUIRE(names.has_value());
  for (const auto& name : *names) REQUIRE(fs.remove(join_path(dir, name)).has_value());
  ::rmdir(dir.c_str());
}

TEST_CASE("storage: a SyncTarget makes the writes up to its mark durable, past a log rotation") {
  // In memory, crashed after the target's sync: what it covers survives.
  {
    test::MemoryFileSystem fs;
    auto db = open_db(fs);
    for (int i = 0; i < 20; ++i) REQUIRE(db->put(key_of(i), "covered", false).has_value());
    const Db::SyncTarget target = db->sync_target();
    CHECK(target.mark == db->write_mark());
    for (int i = 20; i < 25; ++i) REQUIRE(db->put(key_of(i), "after", false).has_value());
    CHECK(db->write_mark() == target.mark + 5);
    REQUIRE(target.sync().has_value());
    db.reset();
    fs.crash();
    db = open_db(fs);
    // (The writes after it may survive too: a sync reaches what is appended when it runs.)
    for (int i = 0; i < 20; ++i) CHECK(get_or_fail(*db, key_of(i)) == "covered");
  }
  // On POSIX: the target holds its log open when the Db moves to a new one
  // (a flush here), so its sync still works on the old file.
  PosixFileSystem fs;
  const std::string dir = "/tmp/bftsim_db_sync_target_" + std::to_string(::getpid());
  {
    auto db = Db::open(fs, dir, small_options());
    REQUIRE(db.has_value());
    REQUIRE((*db)->put(key_of(0), "v", false).has_value());
    const Db::SyncTarget target = (*db)->sync_target();
    REQUIRE((*db)->flush().has_value());
    CHECK((*db)->sync_target().log != target.log);
    const Status synced = target.sync();
    CHECK_MESSAGE(synced.has_value(), (synced ? "" : synced.error().message));
  }
  auto names = fs.list(dir);
  REQUIRE(names.has_value());
  for (const auto& name : *names) REQUIRE(fs.remove(join_path(dir, name)).has_value());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace bftsim::test_storage_db_test
