// Tests DeferredWalSync (runner/deferred_wal_sync.h): a log's sync returns
// at once and runs on the worker; on_durable reports a ticket only after a
// real sync that began after every byte appended before that ticket; syncs
// requested while one runs share the next one; other files sync in the
// caller; a failed sync sticks. The wrapped file system is a fake whose
// syncs wait at a gate the test opens.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "runner/deferred_wal_sync.h"

namespace bftsim::runner {
namespace {

// Bytes per file and how many of them a finished sync covered; syncs wait
// until the gate is open (it is open unless a test closes it).
struct Disk {
  std::mutex mutex;
  std::condition_variable changed;
  bool gate_open = true;
  bool fail_syncs = false;
  int syncs_started = 0;
  int syncs_done = 0;
  std::thread::id last_sync_thread;
  std::map<std::string, std::uint64_t> appended;
  std::map<std::string, std::uint64_t> synced;

  void set_gate(bool open) {
    {
      std::lock_guard lock(mutex);
      gate_open = open;
    }
    changed.notify_all();
  }
  template <typename Predicate>
  bool wait_for(Predicate predicate) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), predicate);
  }
};

class FakeFile final : public WritableFile {
 public:
  FakeFile(Disk& disk, std::string path) : disk_(disk), path_(std::move(path)) {}
  Status append(std::span<const std::uint8_t> bytes) override {
    std::lock_guard lock(disk_.mutex);
    disk_.appended[path_] += bytes.size();
    return {};
  }
  Status sync() override {
    std::unique_lock lock(disk_.mutex);
    const std::uint64_t covered = disk_.appended[path_];  // what fdatasync would cover at its start
    ++disk_.syncs_started;
    disk_.last_sync_thread = std::this_thread::get_id();
    disk_.changed.notify_all();
    disk_.changed.wait(lock, [&] { return disk_.gate_open; });
    ++disk_.syncs_done;
    disk_.changed.notify_all();
    if (disk_.fail_syncs) return make_error(ErrorCode::io_error, path_ + ": sync failed");
    disk_.synced[path_] = covered;
    return {};
  }
  Status close() override { return {}; }
  std::uint64_t size() const override { return 0; }

 private:
  Disk& disk_;
  std::string path_;
};

class FakeFileSystem final : public FileSystem {
 public:
  explicit FakeFileSystem(Disk& disk) : disk_(disk) {}
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode) override {
    return std::unique_ptr<WritableFile>(std::make_unique<FakeFile>(disk_, path));
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return make_error(ErrorCode::not_found, path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override { return make_error(ErrorCode::not_found, path); }
  bool exists(const std::string&) override { return false; }
  Status rename(const std::string&, const std::string&) override { return {}; }
  Status remove(const std::string&) override { return {}; }
  Result<std::vector<std::string>> list(const std::string&) override { return std::vector<std::string>{}; }
  Status create_dir(const std::string&) override { return {}; }
  Status sync_dir(const std::string&) override { return {}; }

 private:
  Disk& disk_;
};

// What on_durable reported, from the worker thread.
struct Reports {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::uint64_t> tickets;
  std::vector<std::uint64_t> synced_at_report;  // the log's synced bytes when the ticket came
  int errors = 0;
  bool wait_for_ticket(std::uint64_t ticket) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10),
                            [&] { return !tickets.empty() && tickets.back() >= ticket; });
  }
};

const std::vector<std::uint8_t> bytes_10(10, 0x5a);

}  // namespace

TEST_CASE("deferred_wal_sync: a log's sync returns before the disk's; the ticket is reported after it") {
  Disk disk;
  FakeFileSystem inner(disk);
  Reports reports;
  DeferredWalSync fs(inner, [&](std::uint64_t ticket, const Status& status) {
    std::lock_guard lock(reports.mutex);
    std::lock_guard disk_lock(disk.mutex);
    reports.tickets.push_back(ticket);
    reports.synced_at_report.push_back(disk.synced["db/000003.log"]);
    if (!status) ++reports.errors;
    reports.changed.notify_all();
  });
  auto log = fs.open_writable("db/000003.log", OpenMode::truncate);
  REQUIRE(log);
  disk.set_gate(false);
  REQUIRE((*log)->append(bytes_10));
  REQUIRE((*log)->sync());  // returns with the disk's sync held at the gate
  CHECK(fs.requested() == 1);
  REQUIRE(disk.wait_for([&] { return disk.syncs_started == 1; }));
  CHECK(disk.last_sync_thread != std::this_thread::get_id());
  {
    std::lock_guard lock(reports.mutex);
    CHECK(reports.tickets.empty());  // nothing reported while the disk has not synced
  }
  // Two more syncs requested while the first runs: they share the next one.
  REQUIRE((*log)->append(bytes_10));
  REQUIRE((*log)->sync());
  REQUIRE((*log)->append(bytes_10));
  REQUIRE((*log)->sync());
  CHECK(fs.requested() == 3);
  disk.set_gate(true);
  REQUIRE(reports.wait_for_ticket(3));
  REQUIRE(fs.sync_all());
  std::lock_guard lock(reports.mutex);
  CHECK(disk.syncs_done == 2);  // group commit: 3 requests, 2 syncs
  CHECK(reports.tickets == std::vector<std::uint64_t>{1, 3});
  // Each ticket came only once the bytes appended before it were synced.
  CHECK(reports.synced_at_report == std::vector<std::uint64_t>{10, 30});
  CHECK(reports.errors == 0);
}

TEST_CASE("deferred_wal_sync: tables and the manifest sync in the caller, before returning") {
  Disk disk;
  FakeFileSystem inner(disk);
  DeferredWalSync fs(inner, [](std::uint64_t, const Status&) {});
  for (const char* path : {"db/000004.sst", "db/MANIFEST.tmp"}) {
    auto file = fs.open_writable(path, OpenMode::truncate);
    REQUIRE(file);
    REQUIRE((*file)->append(bytes_10));
    REQUIRE((*file)->sync());
    std::lock_guard lock(disk.mutex);
    CHECK(disk.synced[path] == 10);
    CHECK(disk.last_sync_thread == std::this_thread::get_id());
  }
  CHECK(fs.requested() == 0);
}

TEST_CASE("deferred_wal_sync: a failed sync is reported and sticks") {
  Disk disk;
  disk.fail_syncs = true;
  FakeFileSystem inner(disk);
  Reports reports;
  DeferredWalSync fs(inner, [&](std::uint64_t ticket, const Status& status) {
    std::lock_guard lock(reports.mutex);
    reports.tickets.push_back(ticket);
    if (!status) ++reports.errors;
    reports.changed.notify_all();
  });
  auto log = fs.open_writable("db/000007.log", OpenMode::truncate);
  REQUIRE(log);
  REQUIRE((*log)->append(bytes_10));
  REQUIRE((*log)->sync());
  REQUIRE(reports.wait_for_ticket(1));
  CHECK_FALSE(fs.sync_all());
  CHECK_FALSE((*log)->sync());  // the error sticks
  std::lock_guard lock(reports.mutex);
  CHECK(reports.errors == 1);
}

}  // namespace bftsim::runner
