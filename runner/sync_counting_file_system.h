// SyncCountingFileSystem: a FileSystem decorator that passes every call to
// the file system it wraps and counts the syncs that reach it (file syncs,
// i.e. fdatasync on POSIX, and directory syncs), so bft-node can report
// syncs per commit (INFO `storage_file_syncs`, `storage_dir_syncs`), and
// times the file syncs made on the thread that created it, the event loop's
// (BFT_TRACE, stage_trace.h), apart from the LSM's background thread's. The
// wrapped file system must outlive it; files it hands out must not outlive
// it. It can also slow every file sync by a fixed time (bft-node
// --storage-sync-delay), to run the runner as if on a slower disk, as the
// simulator's disks do. Threading: any thread (the counters are atomic);
// the wrapped file system must be safe from several threads too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "core/storage/file_system.h"

namespace bftsim::runner {

// A snapshot of the counts.
struct SyncCounts {
  std::uint64_t file_syncs = 0;  // on every thread
  std::uint64_t dir_syncs = 0;   // on every thread
  // On the creating thread only: file syncs and the wall time inside them.
  std::uint64_t owner_file_syncs = 0;
  std::int64_t owner_file_sync_ns = 0;
};

class SyncCountingFileSystem final : public FileSystem {
 public:
  explicit SyncCountingFileSystem(FileSystem& inner, std::chrono::nanoseconds sync_delay = {})
      : inner_(inner), sync_delay_(sync_delay) {}
  // Added to every file sync, before it (a sleep).
  std::chrono::nanoseconds sync_delay() const { return sync_delay_; }
  SyncCounts counts() const {
    return SyncCounts{file_syncs_.load(std::memory_order_relaxed), dir_syncs_.load(std::memory_order_relaxed),
                      owner_file_syncs_.load(std::memory_order_relaxed),
                      owner_file_sync_ns_.load(std::memory_order_relaxed)};
  }
  // Counts one file sync that took `ns` (the files it hands out call it).
  void count_file_sync(std::int64_t ns) {
    file_syncs_.fetch_add(1, std::memory_order_relaxed);
    if (std::this_thread::get_id() != owner_) return;
    owner_file_syncs_.fetch_add(1, std::memory_order_relaxed);
    owner_file_sync_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return inner_.open_readable(path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override { return inner_.file_size(path); }
  bool exists(const std::string& path) override { return inner_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override { return inner_.rename(from, to); }
  Status remove(const std::string& path) override { return inner_.remove(path); }
  Result<std::vector<std::string>> list(const std::string& dir) override { return inner_.list(dir); }
  Status create_dir(const std::string& dir) override { return inner_.create_dir(dir); }
  Status sync_dir(const std::string& dir) override {
    dir_syncs_.fetch_add(1, std::memory_order_relaxed);
    return inner_.sync_dir(dir);
  }

 private:
  FileSystem& inner_;
  const std::chrono::nanoseconds sync_delay_;
  const std::thread::id owner_ = std::this_thread::get_id();
  std::atomic<std::uint64_t> file_syncs_{0};
  std::atomic<std::uint64_t> dir_syncs_{0};
  std::atomic<std::uint64_t> owner_file_syncs_{0};
  std::atomic<std::int64_t> owner_file_sync_ns_{0};
};

}  // namespace bftsim::runner
