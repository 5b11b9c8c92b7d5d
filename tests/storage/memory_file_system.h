// MemoryFileSystem: an in-memory FileSystem for the storage tests that keeps
// the durability contract of core/storage/file_system.h exactly, so a test
// can crash it: crash() drops every unsynced byte (or keeps a seeded prefix
// of them, a torn write) and every unsynced create/rename/remove. It can also
// fail the k-th mutating call and every call after it (a process that died at
// step k). One mutex guards it and its files' calls, so a Db's background
// thread may use it; deterministic when one thread does. Opening an existing name with
// OpenMode::truncate binds a new, empty file to the name (until sync_dir the
// durable name keeps the old file). Not the simulated disk of sim/disk.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/file_system.h"

namespace bftsim::test {

class MemoryFileSystem final : public FileSystem {
 public:
  struct Inode {
    std::vector<std::uint8_t> data;
    std::size_t synced_size_bytes = 0;
  };

  // Fails the mutating call numbered `step` (0-based, counted from now) and
  // every call after it, until crash(). nullopt: never fail.
  void fail_at_step(std::optional<std::uint64_t> step) {
    std::lock_guard lock(mutex_);
    fail_step_ = step;
    step_count_ = 0;
  }
  std::uint64_t step_count() const {
    std::lock_guard lock(mutex_);
    return step_count_;
  }
  // The fault is gone (the disk came back) without a crash.
  void heal() {
    std::lock_guard lock(mutex_);
    failed_ = false;
    fail_step_.reset();
  }
  bool failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }

  // The process died: forget open handles' unsynced state and unsynced
  // directory changes. torn_seed: when set, each file keeps a pseudo-random
  // prefix of its unsynced bytes instead of none.
  void crash(std::optional<std::uint64_t> torn_seed = std::nullopt) {
    std::lock_guard lock(mutex_);
    std::uint64_t state = torn_seed.value_or(0);
    live_ = durable_;
    for (auto& [path, inode] : live_) {
      std::size_t keep = inode->synced_size_bytes;
      std::size_t unsynced = inode->data.size() - keep;
      if (torn_seed && unsynced > 0) keep += static_cast<std::size_t>(next_random(state) % (unsynced + 1));
      inode->data.resize(keep);
      inode->synced_size_bytes = keep;
    }
    failed_ = false;
    fail_step_.reset();
    ++generation_;
  }

  // Direct access for tests that corrupt or truncate stored bytes.
  std::shared_ptr<Inode> inode(const std::string& path) {
    std::lock_guard lock(mutex_);
    auto it = live_.find(path);
    return it == live_.end() ? nullptr : it->second;
  }

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override {
    std::lock_guard lock(mutex_);
    if (auto status = step(path); !status) return tl::unexpected(status.error());
    auto& slot = live_[path];
    if (!slot || mode == OpenMode::truncate) slot = std::make_shared<Inode>();
    return std::make_unique<Writable>(this, path, slot);
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    std::lock_guard lock(mutex_);
    if (failed_) return make_error(ErrorCode::io_error, path + ": injected failure (crashed)");
    auto it = live_.find(path);
    if (it == live_.end()) return make_error(ErrorCode::not_found, path + ": No such file or directory");
    return std::make_unique<Readable>(this, it->second);
  }
  Result<std::uint64_t> file_size(const std::string& path) override {
    std::lock_guard lock(mutex_);
    auto it = live_.find(path);
    if (it == live_.end()) return make_error(ErrorCode::not_found, path + ": No such file or directory");
    return it->second->data.size();
  }
  bool exists(const std::string& path) override {
    std::lock_guard lock(mutex_);
    return live_.count(path) != 0;
  }
  Status rename(const std::string& from, const std::string& to) override {
    std::lock_guard lock(mutex_);
    if (auto status = step(from); !status) return status;
    auto it = live_.find(from);
    if (it == live_.end()) return make_error(ErrorCode::not_found, from + ": No such file or directory");
    live_[to] = it->second;
    live_.erase(from);
    return {};
  }
  Status remove(const std::string& path) override {
    std::lock_guard lock(mutex_);
    if (auto status = step(path); !status) return status;
    if (live_.erase(path) == 0) return make_error(ErrorCode::not_found, path + ": No such file or directory");
    return {};
  }
  Result<std::vector<std::string>> list(const std::string& dir) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    for (const auto& [path, inode] : live_) {
      if (path.compare(0, prefix.size(), prefix) == 0 && path.find('/', prefix.size()) == std::string::npos)
        names.push_back(path.substr(prefix.size()));
    }
    return names;  // map order is sorted order
  }
  Status create_dir(const std::string&) override { return {}; }  // directories are implicit
  Status sync_dir(const std::string& dir) override {
    std::lock_guard lock(mutex_);
    if (auto status = step(dir); !status) return status;
    std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    auto in_dir = [&](const std::string& path) {
      return path.compare(0, prefix.size(), prefix) == 0 && path.find('/', prefix.size()) == std::string::npos;
    };
    std::erase_if(durable_, [&](const auto& entry) { return in_dir(entry.first); });
    for (const auto& [path, inode] : live_)
      if (in_dir(path)) durable_[path] = inode;
    return {};
  }

 private:
  static std::uint64_t next_random(std::uint64_t& state) {  // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  Status step(const std::string& path) {
    if (!failed_ && fail_step_ && step_count_ == *fail_step_) failed_ = true;
    ++step_count_;
    if (failed_) return make_error(ErrorCode::io_error, path + ": injected failure");
    return {};
  }

  class Writable final : public WritableFile {
   public:
    Writable(MemoryFileSystem* fs, std::string path, std::shared_ptr<Inode> inode)
        : fs_(fs), path_(std::move(path)), inode_(std::move(inode)), generation_(fs->generation_) {}
    Status append(std::span<const std::uint8_t> bytes) override {
      std::lock_guard lock(fs_->mutex_);
      if (auto status = check(); !status) return status;
      inode_->data.insert(inode_->data.end(), bytes.begin(), bytes.end());
      return {};
    }
    Status sync() override {
      std::lock_guard lock(fs_->mutex_);
      if (auto status = check(); !status) return status;
      inode_->synced_size_bytes = inode_->data.size();
      return {};
    }
    Status close() override { return {}; }
    std::uint64_t size() const override {
      std::lock_guard lock(fs_->mutex_);
      return inode_->data.size();
    }

   private:
    Status check() {
      if (generation_ != fs_->generation_) return make_error(ErrorCode::io_error, path_ + ": handle from before a crash");
      return fs_->step(path_);
    }
    MemoryFileSystem* fs_;
    std::string path_;
    std::shared_ptr<Inode> inode_;
    std::uint64_t generation_;
  };

  class Readable final : public ReadableFile {
   public:
    Readable(const MemoryFileSystem* fs, std::shared_ptr<Inode> inode) : fs_(fs), inode_(std::move(inode)) {}
    Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::size_t size) const override {
      std::lock_guard lock(fs_->mutex_);
      const auto& data = inode_->data;
      if (offset >= data.size()) return std::vector<std::uint8_t>{};
      std::size_t end = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), offset + size));
      return std::vector<std::uint8_t>(data.begin() + static_cast<std::ptrdiff_t>(offset),
                                       data.begin() + static_cast<std::ptrdiff_t>(end));
    }
    std::uint64_t size() const override {
      std::lock_guard lock(fs_->mutex_);
      return inode_->data.size();
    }

   private:
    const MemoryFileSystem* fs_;
    std::shared_ptr<Inode> inode_;
  };

  mutable std::recursive_mutex mutex_;
  std::map<std::string, std::shared_ptr<Inode>> live_;
  std::map<std::string, std::shared_ptr<Inode>> durable_;
  std::optional<std::uint64_t> fail_step_;
  std::uint64_t step_count_ = 0;
  bool failed_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace bftsim::test
