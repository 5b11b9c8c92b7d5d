// Tests of Db with DbOptions::background (db.h), on runner/thread_background.h. Goal: reads see every
// write while the background thread flushes and compacts (the immutable
// memtable included); destroying the Db mid-flush and crashing the disk loses
// no synced write; a background failure surfaces on a later write and
// sticks; writers that wait for the background thread are counted. Method:
// MemoryFileSystem behind a gate that can hold the background thread at its
// next table (so a test reads, writes or crashes while a flush is under way,
// deterministically), a std::map as the model, splitmix64-driven writes.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/storage/db.h"
#include "runner/thread_background.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_db_background_test {
namespace {

DbOptions background_options() {
  DbOptions options;
  options.memtable_size_bytes_max = 4000;
  options.wal_size_bytes_max = 64000;
  options.table.block_size_bytes = 256;
  options.table_size_bytes_target = 2000;
  options.level_count = 3;
  options.level0_table_count_max = 2;
  options.level0_table_count_stop = 6;
  options.level1_size_bytes_max = 6000;
  options.level_size_multiplier = 4;
  options.background = &thread_background();
  return options;
}

// MemoryFileSystem whose table creations (only the background thread makes
// tables once the Db is open) wait while the gate is closed, or fail.
class GatedFileSystem final : public FileSystem {
 public:
  explicit GatedFileSystem(test::MemoryFileSystem& inner) : inner_(inner) {}

  void close_gate() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  // Waits until a table creation is held at the closed gate.
  void wait_for_waiter() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ > 0; });
  }
  void fail_tables() {
    std::lock_guard lock(mutex_);
    fail_tables_ = true;
  }

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override {
    if (path.ends_with(".sst")) {
      std::unique_lock lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      --waiting_;
      if (fail_tables_) return make_error(ErrorCode::io_error, path + ": injected table failure");
    }
    return inner_.open_writable(path, mode);
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return inner_.open_readable(path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override { return inner_.file_size(path); }
  bool exists(const std::string& path) override { return inner_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override { return inner_.rename(from, to); }
  Status remove(const std::string& path) override { return inner_.remove(path); }
  Result<std::vector<std::string>> list(const std::string& dir) override { return inner_.list(dir); }
  Status create_dir(const std::string& dir) override { return inner_.create_dir(dir); }
  Status sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }

 private:
  test::MemoryFileSystem& inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  bool fail_tables_ = false;
  int waiting_ = 0;
};

std::unique_ptr<Db> open_db(FileSystem& fs, DbOptions options = background_options()) {
  auto db = Db::open(fs, "db", options);
  if (!db) FAIL("open: " << db.error().message);
  return std::move(*db);
}

std::uint64_t next_random(std::uint64_t& state) {  // splitmix64
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string key_of(std::uint64_t i) { return fmt::format("key{:05}", i); }

using Model = std::map<std::string, std::string>;

// Every key of the model (and some absent ones) by get, and the whole Db by scan.
void check_reads(const Db& db, const Model& model, std::uint64_t key_count) {
  for (std::uint64_t i = 0; i < key_count; ++i) {
    auto got = db.get(key_of(i));
    REQUIRE(got.has_value());
    auto it = model.find(key_of(i));
    if (it == model.end()) {
      CHECK_MESSAGE(!got->has_value(), key_of(i));
    } else {
      CHECK_MESSAGE(*got == std::optional<std::string>(it->second), key_of(i));
    }
  }
  auto scanned = db.scan("", "");
  REQUIRE(scanned.has_value());
  CHECK(Model(scanned->begin(), scanned->end()) == model);
}

// Writes (unsynced) until the memtable becomes immutable; returns how many.
int write_until_rotated(Db& db, Model& model, std::uint64_t& random, std::uint64_t key_count) {
  for (int written = 1;; ++written) {
    // The WAL only grows until a new one takes over from it.
    const std::uint64_t before = db.stats().wal_size_bytes;
    const std::string key = key_of(next_random(random) % key_count);
    const std::string value = fmt::format("v{}", next_random(random) % 1000000);
    REQUIRE(db.put(key, value, false).has_value());
    model[key] = value;
    if (db.stats().wal_size_bytes < before) return written;
    REQUIRE(written < 10000);
  }
}

TEST_CASE("storage: Db with background work reads back every write across flushes and compactions") {
  test::MemoryFileSystem fs;
  auto db = open_db(fs);
  Model model;
  std::uint64_t random = 7;
  constexpr std::uint64_t key_count = 600;
  for (int i = 0; i < 12000; ++i) {
    const std::string key = key_of(next_random(random) % key_count);
    if (next_random(random) % 5 == 0) {
      REQUIRE(db->remove(key, false).has_value());
      model.erase(key);
    } else {
      const std::string value = fmt::format("v{}-{}", i, std::string(next_random(random) % 40, 'x'));
      REQUIRE(db->put(key, value, i % 97 == 0).has_value());
      model[key] = value;
    }
    // The key just written, read back at once, whatever the background does.
    auto got = db->get(key);
    REQUIRE(got.has_value());
    auto it = model.find(key);
    REQUIRE(*got == (it == model.end() ? std::nullopt : std::optional<std::string>(it->second)));
    if (i % 1500 == 0) check_reads(*db, model, key_count);
  }
  check_reads(*db, model, key_count);
  REQUIRE(db->flush().has_value());
  DbStats stats = db->stats();
  CHECK(stats.flush_count >= 10);
  CHECK(stats.compaction_count > 0);
  CHECK(stats.memtable_size_bytes == 0);
  check_reads(*db, model, key_count);
  REQUIRE(db->compact().has_value());
  stats = db->stats();
  CHECK(stats.table_count_per_level[0] == 0);
  CHECK(stats.table_count_per_level[1] == 0);
  check_reads(*db, model, key_count);
  db.reset();
  db = open_db(fs);
  check_reads(*db, model, key_count);
}

TEST_CASE("storage: Db with background work reads the immutable memtable while its flush is held") {
  test::MemoryFileSystem memory;
  GatedFileSystem fs(memory);
  auto db = open_db(fs);
  Model model;
  std::uint64_t random = 11;
  constexpr std::uint64_t key_count = 300;
  fs.close_gate();
  write_until_rotated(*db, model, random, key_count);
  fs.wait_for_waiter();  // the background thread holds the full memtable
  CHECK(db->stats().flush_count == 0);
  check_reads(*db, model, key_count);
  // Newer writes in the new memtable shadow the immutable one's.
  for (std::uint64_t i = 0; i < 20; ++i) {
    REQUIRE(db->put(key_of(i), "newer", false).has_value());
    model[key_of(i)] = "newer";
    REQUIRE(db->remove(key_of(i + 20), false).has_value());
    model.erase(key_of(i + 20));
  }
  check_reads(*db, model, key_count);
  fs.open_gate();
  REQUIRE(db->flush().has_value());
  CHECK(db->stats().flush_count == 2);
  check_reads(*db, model, key_count);
}

TEST_CASE("storage: Db with background work loses no synced write when destroyed mid-flush and crashed") {
  test::MemoryFileSystem memory;
  GatedFileSystem fs(memory);
  Model model;
  std::uint64_t random = 23;
  constexpr std::uint64_t key_count = 300;
  {
    auto db = open_db(fs);
    // A few flushes and compactions first, so tables exist.
    for (int round = 0; round < 4; ++round) write_until_rotated(*db, model, random, key_count);
    REQUIRE(db->flush().has_value());
    // Unsynced writes, the memtable becomes immutable (its flush held at
    // the gate), more unsynced writes, then one sync: all of it is promised.
    fs.close_gate();
    write_until_rotated(*db, model, random, key_count);
    fs.wait_for_waiter();
    for (int i = 0; i < 30; ++i) {
      const std::string key = key_of(next_random(random) % key_count);
      REQUIRE(db->put(key, "after", false).has_value());
      model[key] = "after";
    }
    REQUIRE(db->sync().has_value());
    // The process dies: nothing reaches the disk from now on; the held flush
    // fails, and the Db is destroyed (its thread joined).
    memory.fail_at_step(0);
    fs.open_gate();
    db.reset();
  }
  SUBCASE("the machine crashes: unsynced bytes and names are lost") { memory.crash(); }
  SUBCASE("only the process dies: every change made so far stays") { memory.heal(); }
  auto reopened = open_db(fs);
  check_reads(*reopened, model, key_count);
  // Without background work too (same files).
  reopened.reset();
  DbOptions synchronous = background_options();
  synchronous.background = nullptr;
  auto again = open_db(fs, synchronous);
  check_reads(*again, model, key_count);
}

TEST_CASE("storage: Db with background work finishes a held flush when destroyed, and reopens with it") {
  test::MemoryFileSystem memory;
  GatedFileSystem fs(memory);
  Model model;
  std::uint64_t random = 31;
  constexpr std::uint64_t key_count = 200;
  {
    auto db = open_db(fs);
    fs.close_gate();
    write_until_rotated(*db, model, random, key_count);
    fs.wait_for_waiter();
    REQUIRE(db->sync().has_value());
    // The gate opens while the destructor waits for the thread.
    std::thread opener([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      fs.open_gate();
    });
    db.reset();
    opener.join();
  }
  memory.crash();
  auto reopened = open_db(fs);
  check_reads(*reopened, model, key_count);
}

TEST_CASE("storage: Db with background work returns a background failure on a later write, and it sticks") {
  test::MemoryFileSystem memory;
  GatedFileSystem fs(memory);
  auto db = open_db(fs);
  Model model;
  std::uint64_t random = 41;
  constexpr std::uint64_t key_count = 200;
  fs.close_gate();
  write_until_rotated(*db, model, random, key_count);
  fs.wait_for_waiter();
  REQUIRE(db->put(key_of(0), "later", false).has_value());
  fs.fail_tables();
  fs.open_gate();
  // The writes so far succeeded; a later one fails once the background
  // thread has failed.
  Status status;
  for (int i = 0; i < 10000 && status; ++i) {
    status = db->put(key_of(2), "loop", false);
    if (status) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  REQUIRE(!status);
  CHECK(status.error().code == ErrorCode::io_error);
  CHECK(status.error().message.find("injected table failure") != std::string::npos);
  for (int i = 0; i < 3; ++i) {
    auto again = db->put(key_of(1), "x", false);
    REQUIRE(!again);
    CHECK(again.error().message == status.error().message);
    auto synced = db->sync();
    REQUIRE(!synced);
    CHECK(synced.error().message == status.error().message);
    auto flushed = db->flush();
    REQUIRE(!flushed);
    CHECK(flushed.error().message == status.error().message);
  }
  // Reads still work: the immutable memtable and the new one are still there.
  auto got = db->get(key_of(0));
  REQUIRE(got.has_value());
  CHECK(*got == std::optional<std::string>("later"));
}

TEST_CASE("storage: Db with background work counts the writes that wait for a flush") {
  test::MemoryFileSystem memory;
  GatedFileSystem fs(memory);
  auto db = open_db(fs);
  Model model;
  // Distinct keys and equal values: every memtable fills after the same
  // number of puts.
  int put_count = 0;
  auto put_next = [&] {
    const std::string key = fmt::format("stall{:06}", put_count++);
    REQUIRE(db->put(key, std::string(24, 'v'), false).has_value());
    model[key] = std::string(24, 'v');
  };
  fs.close_gate();
  int puts_per_memtable = 0;
  for (std::uint64_t before = 0; db->stats().wal_size_bytes >= before; ++puts_per_memtable) {
    before = db->stats().wal_size_bytes;
    put_next();
  }
  fs.wait_for_waiter();  // the first memtable's flush is held
  CHECK(db->stats().stall_count == 0);
  // The next memtable fills while that flush is held: its last put waits
  // until the gate opens. The writer runs on a thread of its own.
  std::atomic<bool> last_put_next{false};
  std::thread writer([&] {
    for (int i = 0; i + 1 < puts_per_memtable; ++i) put_next();
    last_put_next = true;
    put_next();
  });
  while (!last_put_next) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  fs.open_gate();
  writer.join();
  const DbStats stats = db->stats();
  CHECK(stats.stall_count == 1);
  CHECK(stats.stall_ns > 0);
  REQUIRE(db->flush().has_value());
  CHECK(db->stats().stall_count == 1);
  check_reads(*db, model, 0);
}

TEST_CASE("storage: Db refuses a level-0 stop count at or below the compaction trigger with background work") {
  test::MemoryFileSystem fs;
  DbOptions options = background_options();
  options.level0_table_count_stop = options.level0_table_count_max;
  auto db = Db::open(fs, "db", options);
  REQUIRE(!db);
  CHECK(db.error().code == ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace bftsim::test_storage_db_background_test
