// The write-ahead log: a file of checksummed records (docs/wal_format.md).
// WalWriter appends records and syncs them (group commit: many appends, one
// sync). replay_wal() reads a whole log and returns its intact records in
// order. Policy on damage: what a crash can do to an unsynced write — cut it
// (a header or payload running past the end of the file) or leave zeros to
// the end — is a torn tail, and replay succeeds, saying where and why it
// stopped. Anything else (a header or record checksum mismatch in bytes that
// are all there) is corruption of written data, and replay fails naming the
// file and the byte offset, even for the last record: it may be a synced one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/file_system.h"

namespace bftsim {

// Header: u32 payload length, u32 CRC-32C of (type byte + payload), u8 type,
// u32 CRC-32C of those 9 bytes.
inline constexpr std::size_t wal_header_size_bytes = 13;
inline constexpr std::uint8_t wal_record_type_full = 1;
// A record larger than this is refused on write and read as damage on replay.
inline constexpr std::uint32_t wal_payload_size_bytes_max = 64u << 20;

class WalWriter {
 public:
  // Requires: `file` positioned at the end of a log (a new file, or an
  // existing log whose replay ended without a torn tail).
  WalWriter(std::string path, std::unique_ptr<WritableFile> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  // Appends one record with one append() call, so a crash tears at most
  // this record. Not durable until sync().
  Status append(std::span<const std::uint8_t> payload);
  // The same without copying the payload from elsewhere: start_record()
  // returns the record buffer, holding room for the header; the caller
  // appends the payload to it (nothing else), then finish_record() fills in
  // the header and appends the record.
  Bytes& start_record();
  Status finish_record();
  Status sync();
  Status close();
  std::uint64_t size_bytes() const { return file_->size(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  Bytes record_;  // header + payload of the record being appended, reused
};

struct WalRecord {
  std::uint64_t offset = 0;  // of the record's header in the file
  std::vector<std::uint8_t> payload;
};

struct WalTornTail {
  std::uint64_t offset = 0;  // where the first damaged record starts
  std::string reason;        // e.g. "truncated header", "checksum mismatch"
};

struct WalReplay {
  std::vector<WalRecord> records;
  std::uint64_t intact_size_bytes = 0;  // the end of the last intact record
  std::optional<WalTornTail> torn_tail;
};

// Reads the log at `path`. Errors: not_found, io_error, and corruption
// ("path: offset N: reason; an intact record follows at offset M").
Result<WalReplay> replay_wal(FileSystem& fs, const std::string& path);

}  // namespace bftsim
