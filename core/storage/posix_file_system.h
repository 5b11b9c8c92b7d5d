// PosixFileSystem: the FileSystem seam over real files (bft-node, bench/).
// Appends with write(2) (looping on short writes and EINTR), reads with
// pread(2), syncs a file with fdatasync(2) and a directory with fsync(2) of
// its descriptor. A file opened for reading is also mapped read-only
// (mmap(2)) when that works, for ReadableFile::mapped_bytes(). errno becomes Error{io_error, "path: strerror"}, and a
// missing file opened for reading is not_found. Not thread-safe; no caching.
#pragma once

#include "core/storage/file_system.h"

namespace bftsim {

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override;
  Result<std::uint64_t> file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;
  Status sync_dir(const std::string& dir) override;
};

}  // namespace bftsim
