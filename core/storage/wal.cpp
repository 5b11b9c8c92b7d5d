// WAL writer and replay; the format is in docs/wal_format.md and the damage
// policy at the top of wal.h.
#include "core/storage/wal.h"

#include <fmt/format.h>

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

constexpr std::size_t record_buffer_size_bytes_max = 1u << 20;

std::uint32_t record_crc(std::uint8_t type, std::span<const std::uint8_t> payload) {
  std::uint8_t type_byte[1] = {type};
  return crc32c_extend(crc32c(type_byte), payload);
}

enum class Damage : std::uint8_t { torn, corrupt };
struct RecordDamage {
  Damage kind;
  std::string reason;
};

// Why the record at `offset` is not intact, or nullopt when it is. A torn
// write keeps a prefix of the record, so "torn" is only what a cut can
// produce: a header or payload that runs past the end of the file, or zeros
// to the end (a file system that extended the file but not its data).
// A complete header is covered by its own checksum, so a flipped length
// cannot pass for a cut.
std::optional<RecordDamage> check_record(std::span<const std::uint8_t> file, std::size_t offset,
                                         std::uint32_t& payload_size_bytes) {
  const std::size_t left = file.size() - offset;
  bool zeros_to_end = true;
  for (std::size_t i = offset; i < file.size() && zeros_to_end; ++i) zeros_to_end = file[i] == 0;
  if (left < wal_header_size_bytes)
    return RecordDamage{Damage::torn, fmt::format("truncated header ({} of {} bytes)", left, wal_header_size_bytes)};
  const std::uint8_t* header = file.data() + offset;
  payload_size_bytes = load_u32(header);
  const std::uint32_t stored_crc = load_u32(header + 4);
  const std::uint8_t type = header[8];
  const std::uint32_t stored_header_crc = load_u32(header + 9);
  if (crc32c(std::span(header, 9)) != stored_header_crc) {
    if (zeros_to_end) return RecordDamage{Damage::torn, "zeros to the end of the file"};
    return RecordDamage{Damage::corrupt, "header checksum mismatch"};
  }
  if (type != wal_record_type_full) return RecordDamage{Damage::corrupt, fmt::format("unknown record type {}", type)};
  if (payload_size_bytes > wal_payload_size_bytes_max)
    return RecordDamage{Damage::corrupt, fmt::format("record length {} exceeds the maximum {}", payload_size_bytes,
                                                     wal_payload_size_bytes_max)};
  if (payload_size_bytes > left - wal_header_size_bytes)
    return RecordDamage{Damage::torn, fmt::format("truncated record (length {}, {} bytes left)", payload_size_bytes,
                                                  left - wal_header_size_bytes)};
  auto payload = file.subspan(offset + wal_header_size_bytes, payload_size_bytes);
  if (record_crc(type, payload) != stored_crc) return RecordDamage{Damage::corrupt, "record checksum mismatch"};
  return std::nullopt;
}

}  // namespace

Status WalWriter::append(std::span<const std::uint8_t> payload) {
  Bytes& record = start_record();
  record.insert(record.end(), payload.begin(), payload.end());
  return finish_record();
}

Bytes& WalWriter::start_record() {
  record_.assign(wal_header_size_bytes, 0);
  return record_;
}

Status WalWriter::finish_record() {
  BFTSIM_ASSERT(record_.size() >= wal_header_size_bytes);
  const std::size_t payload_size_bytes = record_.size() - wal_header_size_bytes;
  Status status;
  if (payload_size_bytes > wal_payload_size_bytes_max) {
    status = make_error(ErrorCode::invalid_argument, fmt::format("{}: record of {} bytes exceeds the maximum {}", path_,
                                                                 payload_size_bytes, wal_payload_size_bytes_max));
  } else {
    std::uint8_t* header = record_.data();
    auto payload = std::span<const std::uint8_t>(record_).subspan(wal_header_size_bytes);
    store_u32(header, static_cast<std::uint32_t>(payload_size_bytes));
    store_u32(header + 4, record_crc(wal_record_type_full, payload));
    header[8] = wal_record_type_full;
    store_u32(header + 9, crc32c(std::span<const std::uint8_t>(header, 9)));
    status = file_->append(record_);
  }
  // Keep a small buffer for the next record, not the largest one ever seen.
  if (record_.capacity() > record_buffer_size_bytes_max) record_ = Bytes{};
  return status;
}

Status WalWriter::sync() { return file_->sync(); }

Status WalWriter::close() { return file_->close(); }

Result<WalReplay> replay_wal(FileSystem& fs, const std::string& path) {
  auto file = fs.open_readable(path);
  if (!file) return tl::unexpected(file.error());
  auto bytes = (*file)->read(0, static_cast<std::size_t>((*file)->size()));
  if (!bytes) return tl::unexpected(bytes.error());
  std::span<const std::uint8_t> data = *bytes;

  WalReplay replay;
  std::size_t offset = 0;
  while (offset < data.size()) {
    std::uint32_t payload_size_bytes = 0;
    auto damage = check_record(data, offset, payload_size_bytes);
    if (damage) {
      if (damage->kind == Damage::corrupt)
        return make_error(ErrorCode::corruption, fmt::format("{}: offset {}: {}", path, offset, damage->reason));
      replay.torn_tail = WalTornTail{offset, damage->reason};
      break;
    }
    auto payload = data.subspan(offset + wal_header_size_bytes, payload_size_bytes);
    replay.records.push_back(WalRecord{offset, {payload.begin(), payload.end()}});
    offset += wal_header_size_bytes + payload_size_bytes;
    replay.intact_size_bytes = offset;
  }
  BFTSIM_ASSERT(replay.intact_size_bytes <= data.size());
  return replay;
}

}  // namespace bftsim
