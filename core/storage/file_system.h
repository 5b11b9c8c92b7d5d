// FileSystem: the only way storage touches a disk (STYLE.md section 7). Two
// implementations: PosixFileSystem (core/storage/posix_file_system.h: real
// files, fdatasync, directory fsync; used by bft-node and bench/) and the
// simulated disk (sim/disk/: in memory, deterministic, with faults).
// Durability contract, which both implement and the LSM relies on:
//   - appended bytes survive a crash only once WritableFile::sync() returned ok;
//   - a created, renamed or removed name survives a crash only once
//     sync_dir() of its directory returned ok;
//   - rename() replaces the target atomically: after a crash the name holds
//     either the old file or the new one, never a mix.
// Every call returns Status/Result; nothing here throws or asserts on I/O.
// Ownership: files are handed out as unique_ptr and may outlive nothing but
// their FileSystem. Paths are '/'-separated; a FileSystem has no current dir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/types/result.h"

namespace bftsim {

// A file open for appending.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::span<const std::uint8_t> bytes) = 0;
  // Makes every byte appended so far durable (fdatasync).
  virtual Status sync() = 0;
  // Closing does not sync.
  virtual Status close() = 0;
  // The file's size in bytes: what it held when opened plus what was appended.
  virtual std::uint64_t size() const = 0;
};

// A file open for positional reads.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads `size` bytes at `offset`; fewer only where the file ends (an empty
  // result at or past the end). An I/O error is an error, not a short read.
  virtual Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::size_t size) const = 0;
  virtual std::uint64_t size() const = 0;
  // The whole file as read-only memory, valid while this object lives, for
  // an implementation that maps files; empty when it does not (then read()
  // is the only way in). Only for files nobody writes or truncates while
  // they are open, such as tables: bytes cut from a mapped file fault.
  virtual std::span<const std::uint8_t> mapped_bytes() const { return {}; }
};

enum class OpenMode : std::uint8_t {
  truncate,  // create, or empty an existing file
  append,    // create, or keep an existing file's bytes and append after them
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path,
                                                              OpenMode mode) = 0;
  // ErrorCode::not_found when the file does not exist.
  virtual Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) = 0;
  virtual Result<std::uint64_t> file_size(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (POSIX rename).
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  // The names (not paths) of the entries of `dir`, sorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Creates `dir` and its missing parents; ok when it exists.
  virtual Status create_dir(const std::string& dir) = 0;
  // Makes the creations, renames and removals in `dir` durable (fsync of the directory).
  virtual Status sync_dir(const std::string& dir) = 0;
};

// "dir/name" without a doubled '/'.
inline std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace bftsim
