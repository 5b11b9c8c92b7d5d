// SyncCountingFileSystem: a FileSystem decorator that passes every call to
// the file system it wraps and counts the syncs that reach it (file syncs,
// i.e. fdatasync on POSIX, and directory syncs), so bft-node can report
// syncs per commit (INFO `storage_file_syncs`, `storage_dir_syncs`), and
// times the file syncs (BFT_TRACE, stage_trace.h). The
// wrapped file system must outlive it; files it hands out must not outlive
// it. Threading: the event loop's thread only, like the Node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/storage/file_system.h"

namespace bftsim::runner {

struct SyncCounts {
  std::uint64_t file_syncs = 0;
  std::uint64_t dir_syncs = 0;
  std::int64_t file_sync_ns = 0;  // wall time inside file syncs
};

class SyncCountingFileSystem final : public FileSystem {
 public:
  explicit SyncCountingFileSystem(FileSystem& inner) : inner_(inner) {}
  const SyncCounts& counts() const { return counts_; }

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
    ++counts_.dir_syncs;
    return inner_.sync_dir(dir);
  }

 private:
  FileSystem& inner_;
  SyncCounts counts_;
};

}  // namespace bftsim::runner
