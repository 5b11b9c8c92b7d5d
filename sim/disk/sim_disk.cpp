// SimDisk: see sim_disk.h for the model. Handles hold the inode they were
// opened on (shared with the name maps) and the crash epoch; a crash bumps
// the epoch, so every older handle fails with io_error.
#include "sim/disk/sim_disk.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/disk/chunked_bytes.h"
#include "sim/distributions.h"

namespace bftsim {

// The durable bytes are not a second copy: files only grow by appends, so
// until a truncation they are the first durable_size bytes of `current`
// (a sync then costs O(1), not a copy of the file). A truncation of synced
// bytes saves them in durable_before_truncate until the next sync. Bytes are
// kept in chunks (chunked_bytes.h), so a growing log never moves them.
struct SimDisk::Inode {
  ChunkedBytes current;
  std::uint64_t durable_size = 0;
  std::optional<ChunkedBytes> durable_before_truncate;
  // Since the last sync: where the last append began and how long it was
  // (size 0: none).
  std::uint64_t last_append_offset = 0;
  std::uint64_t last_append_size = 0;
  std::uint64_t reverted_epoch = 0;  // the crash that last reverted it

  bool truncated_since_sync() const { return durable_before_truncate.has_value(); }
  std::uint64_t durable_bytes() const {
    return truncated_since_sync() ? durable_before_truncate->size() : durable_size;
  }
  std::uint8_t& durable_byte(std::uint64_t offset) {
    return truncated_since_sync() ? (*durable_before_truncate)[offset] : current[offset];
  }
  void mark_synced() {
    durable_size = current.size();
    durable_before_truncate.reset();
    last_append_size = 0;
  }
  void truncate() {
    if (!truncated_since_sync()) {
      // The durable prefix moves aside whole, with no copy.
      durable_before_truncate.emplace(std::move(current));
      durable_before_truncate->truncate(durable_size);
      current = ChunkedBytes{};
    }
    current.clear();
    last_append_size = 0;
  }
};

namespace {

tl::unexpected<Error> dead_handle(const char* what) {
  return make_error(ErrorCode::io_error, fmt::format("{}: the file handle died in a crash", what));
}

}  // namespace

class SimWritableFile final : public WritableFile {
 public:
  SimWritableFile(SimDisk& disk, std::shared_ptr<SimDisk::Inode> inode, std::string path)
      : disk_(disk), inode_(std::move(inode)), path_(std::move(path)), epoch_(disk.epoch_),
        size_(inode_->current.size()) {}

  Status append(std::span<const std::uint8_t> bytes) override {
    if (auto alive = check("append"); !alive) return alive;
    auto appended = disk_.append_to(*inode_, bytes);
    if (!appended) return make_error(appended.error().code, fmt::format("{}: {}", path_, appended.error().message));
    size_ += bytes.size();
    return {};
  }

  Status sync() override {
    if (auto alive = check("sync"); !alive) return alive;
    inode_->mark_synced();
    ++disk_.counters_.syncs;
    disk_.charge_sync();
    return {};
  }

  Status close() override {
    if (auto alive = check("close"); !alive) return alive;
    closed_ = true;
    return {};
  }

  std::uint64_t size() const override { return size_; }

 private:
  Status check(const char* what) const {
    if (!disk_.handle_alive(epoch_)) return dead_handle(what);
    if (closed_) return make_error(ErrorCode::io_error, fmt::format("{}: {} after close", path_, what));
    return {};
  }

  SimDisk& disk_;
  std::shared_ptr<SimDisk::Inode> inode_;
  std::string path_;
  std::uint64_t epoch_;
  std::uint64_t size_;
  bool closed_ = false;
};

class SimReadableFile final : public ReadableFile {
 public:
  SimReadableFile(const SimDisk& disk, std::shared_ptr<SimDisk::Inode> inode)
      : disk_(disk), inode_(std::move(inode)), epoch_(disk.epoch_) {}

  Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::size_t size) const override {
    if (!disk_.handle_alive(epoch_)) return dead_handle("read");
    const ChunkedBytes& bytes = inode_->current;
    if (offset >= bytes.size()) return std::vector<std::uint8_t>{};
    return bytes.read(offset, size);
  }

  // 0 once the handle died in a crash (size() cannot fail).
  std::uint64_t size() const override { return disk_.handle_alive(epoch_) ? inode_->current.size() : 0; }

 private:
  const SimDisk& disk_;
  std::shared_ptr<SimDisk::Inode> inode_;
  std::uint64_t epoch_;
};

namespace {

// "db/" -> "db": directory arguments may end in '/'.
std::string without_trailing_slashes(const std::string& dir) {
  std::string path = dir;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

Rng SimDisk::disk_stream(std::uint64_t run_seed, ReplicaIndex replica) {
  return Rng::stream(run_seed, fmt::format("disk/{}", replica));
}

SimDisk::SimDisk(Rng rng, SimDiskOptions options)
    : torn_rng_(rng.fork("torn")), corrupt_rng_(rng.fork("corrupt")), options_(options) {
  BFTSIM_ASSERT(options_.sync_latency_base >= 0);
  dirs_.insert("");
}

SimDisk::~SimDisk() = default;

Status SimDisk::check_file_path(const std::string& path) const {
  if (path.empty() || path.back() == '/')
    return make_error(ErrorCode::invalid_argument, fmt::format("\"{}\": not a file path", path));
  if (is_dir(path)) return make_error(ErrorCode::invalid_argument, fmt::format("{}: is a directory", path));
  if (!is_dir(parent_dir(path)))
    return make_error(ErrorCode::not_found, fmt::format("{}: no directory {}", path, parent_dir(path)));
  return {};
}

Result<std::unique_ptr<WritableFile>> SimDisk::open_writable(const std::string& path, OpenMode mode) {
  if (auto valid = check_file_path(path); !valid) return tl::unexpected(std::move(valid.error()));
  std::shared_ptr<Inode>& inode = names_[path];
  if (inode == nullptr) {
    inode = std::make_shared<Inode>();
  } else if (mode == OpenMode::truncate && !inode->current.empty()) {
    inode->truncate();
  }
  return std::unique_ptr<WritableFile>(std::make_unique<SimWritableFile>(*this, inode, path));
}

Result<std::unique_ptr<ReadableFile>> SimDisk::open_readable(const std::string& path) {
  const auto it = names_.find(path);
  if (it == names_.end()) return make_error(ErrorCode::not_found, fmt::format("{}: no such file", path));
  return std::unique_ptr<ReadableFile>(std::make_unique<SimReadableFile>(*this, it->second));
}

Result<std::uint64_t> SimDisk::file_size(const std::string& path) {
  const auto it = names_.find(path);
  if (it == names_.end()) return make_error(ErrorCode::not_found, fmt::format("{}: no such file", path));
  return static_cast<std::uint64_t>(it->second->current.size());
}

bool SimDisk::exists(const std::string& path) { return names_.count(path) != 0 || is_dir(path); }

Status SimDisk::rename(const std::string& from, const std::string& to) {
  const auto it = names_.find(from);
  if (it == names_.end()) return make_error(ErrorCode::not_found, fmt::format("rename {}: no such file", from));
  if (auto valid = check_file_path(to); !valid) return valid;
  if (from == to) return {};
  std::shared_ptr<Inode> inode = std::move(it->second);
  names_.erase(it);
  names_[to] = std::move(inode);  // replaces `to` in one step
  return {};
}

Status SimDisk::remove(const std::string& path) {
  if (is_dir(path)) return make_error(ErrorCode::invalid_argument, fmt::format("remove {}: is a directory", path));
  if (names_.erase(path) == 0) return make_error(ErrorCode::not_found, fmt::format("remove {}: no such file", path));
  return {};
}

Result<std::vector<std::string>> SimDisk::list(const std::string& dir_path) {
  const std::string dir = without_trailing_slashes(dir_path);
  if (!is_dir(dir)) return make_error(ErrorCode::not_found, fmt::format("list {}: no such directory", dir));
  std::vector<std::string> out;
  const auto add_child = [&](const std::string& path) {
    if (path.empty() || parent_dir(path) != dir) return;
    out.push_back(dir.empty() ? path : path.substr(dir.size() + 1));
  };
  for (const auto& [path, inode] : names_) add_child(path);
  for (const std::string& path : dirs_) add_child(path);
  std::sort(out.begin(), out.end());
  return out;
}

Status SimDisk::create_dir(const std::string& dir) {
  const std::string path = without_trailing_slashes(dir);
  std::vector<std::string> missing;
  for (std::string at = path; !is_dir(at); at = parent_dir(at)) {
    if (names_.count(at) != 0)
      return make_error(ErrorCode::io_error, fmt::format("create_dir {}: {} is a file", dir, at));
    missing.push_back(at);
  }
  for (const std::string& at : missing) dirs_.insert(at);
  return {};
}

Status SimDisk::sync_dir(const std::string& dir) {
  const std::string path = without_trailing_slashes(dir);
  if (!is_dir(path)) return make_error(ErrorCode::not_found, fmt::format("sync_dir {}: no such directory", dir));
  // Drop the durable entries of `path`, then copy its current ones.
  for (auto it = durable_names_.begin(); it != durable_names_.end();) {
    if (parent_dir(it->first) == path) {
      it = durable_names_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, inode] : names_)
    if (parent_dir(name) == path) durable_names_[name] = inode;
  ++counters_.dir_syncs;
  charge_sync();
  return {};
}

Status SimDisk::append_to(Inode& inode, std::span<const std::uint8_t> bytes) {
  if (full_ && (!capacity_bytes_ || stored_bytes() + bytes.size() > *capacity_bytes_)) {
    ++counters_.full_rejections;
    ++counters_.faults_injected;
    return make_error(ErrorCode::io_error, "no space left on the device");
  }
  if (bytes.empty()) return {};
  inode.last_append_offset = inode.current.size();
  inode.last_append_size = bytes.size();
  inode.current.append(bytes);
  counters_.bytes_written += bytes.size();
  return {};
}

void SimDisk::charge_sync() {
  Duration cost = options_.sync_latency_base;
  if (slow_latency_) {
    cost = *slow_latency_;
    ++counters_.slow_syncs;
    ++counters_.faults_injected;
  }
  pending_delay_ += cost;
  counters_.sync_delay_total += cost;
}

void SimDisk::crash() {
  ++epoch_;
  ++counters_.crashes;
  names_ = durable_names_;
  for (const auto& [path, inode] : durable_names_) {
    if (inode->reverted_epoch == epoch_) continue;  // a second durable name of one inode
    inode->reverted_epoch = epoch_;
    if (inode->truncated_since_sync()) {
      inode->current = std::move(*inode->durable_before_truncate);
      inode->durable_before_truncate.reset();
      inode->durable_size = inode->current.size();
      inode->last_append_size = 0;
      continue;
    }
    std::uint64_t kept = inode->durable_size;
    if (torn_ && inode->last_append_size > 0) {
      // current still extends durable: only appends happened since the sync.
      BFTSIM_ASSERT(inode->last_append_offset >= inode->durable_size);
      kept = inode->last_append_offset + uniform_u64(torn_rng_, inode->last_append_size);
      ++counters_.torn_appends;
      ++counters_.faults_injected;
    }
    inode->current.truncate(kept);
    inode->durable_size = kept;
    inode->last_append_size = 0;
  }
}

Status SimDisk::corrupt(const std::string& path, std::uint64_t offset, std::uint8_t mask) {
  const auto it = names_.find(path);
  if (it == names_.end()) return make_error(ErrorCode::not_found, fmt::format("corrupt {}: no such file", path));
  Inode& inode = *it->second;
  if (mask == 0) return make_error(ErrorCode::invalid_argument, "corrupt: mask 0 flips nothing");
  if (offset >= inode.durable_bytes())
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("corrupt {}: offset {} is past the {} synced bytes", path, offset,
                                  inode.durable_bytes()));
  inode.durable_byte(offset) ^= mask;  // what reads see too, unless truncated since
  ++counters_.bit_flips;
  ++counters_.faults_injected;
  return {};
}

std::vector<DiskCorruption> SimDisk::corrupt_random(std::uint32_t bit_flip_count) {
  std::vector<const std::string*> candidates;
  for (const auto& [path, inode] : names_)
    if (inode->durable_bytes() != 0) candidates.push_back(&path);
  std::vector<DiskCorruption> out;
  if (candidates.empty()) return out;
  for (std::uint32_t i = 0; i < bit_flip_count; ++i) {
    const std::string& path = *candidates[uniform_u64(corrupt_rng_, candidates.size())];
    const std::uint64_t offset = uniform_u64(corrupt_rng_, names_.at(path)->durable_bytes());
    const auto mask = static_cast<std::uint8_t>(1U << uniform_u64(corrupt_rng_, 8));
    const Status flipped = corrupt(path, offset, mask);
    BFTSIM_ASSERT(flipped.has_value());
    out.push_back(DiskCorruption{.path = path, .offset = offset, .mask = mask});
  }
  return out;
}

void SimDisk::set_slow(Duration sync_latency) {
  BFTSIM_ASSERT(sync_latency > 0);
  slow_latency_ = sync_latency;
}

void SimDisk::set_full(std::optional<std::uint64_t> capacity_bytes) {
  full_ = true;
  capacity_bytes_ = capacity_bytes;
}

Duration SimDisk::take_delay() {
  return std::exchange(pending_delay_, 0);
}

std::uint64_t SimDisk::stored_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [path, inode] : names_) total += inode->current.size();
  return total;
}

}  // namespace bftsim
