// Manifest encoding and its atomic replacement; see manifest.h and
// docs/manifest_format.md.
#include "core/storage/manifest.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/file_names.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

constexpr std::uint64_t manifest_magic = 0x316e'616d'6d69'7366ull;  // "fsimman1" little-endian
constexpr std::uint32_t manifest_version = 1;
constexpr std::size_t manifest_header_size_bytes = 8 + 4 + 8 + 8 + 8 + 4;

Bytes encode(const ManifestState& state) {
  Bytes out;
  put_u64(out, manifest_magic);
  put_u32(out, manifest_version);
  put_u64(out, state.next_file_number);
  put_u64(out, state.last_sequence);
  put_u64(out, state.log_number);
  put_u32(out, static_cast<std::uint32_t>(state.tables.size()));
  for (const TableMeta& table : state.tables) {
    BFTSIM_ASSERT(table.level >= 0 && table.level < manifest_level_count_max);
    BFTSIM_ASSERT(table.file_number < state.next_file_number);
    put_u8(out, static_cast<std::uint8_t>(table.level));
    put_u64(out, table.file_number);
    put_u64(out, table.file_size_bytes);
    put_u64(out, table.entry_count);
    put_string(out, table.smallest_key);
    put_string(out, table.largest_key);
  }
  put_u32(out, crc32c(out));
  return out;
}

}  // namespace

Result<std::optional<ManifestState>> read_manifest(FileSystem& fs, const std::string& dir) {
  std::string path = join_path(dir, manifest_file_name);
  auto file = fs.open_readable(path);
  if (!file) {
    if (file.error().code == ErrorCode::not_found) return std::optional<ManifestState>{};
    return tl::unexpected(file.error());
  }
  auto bytes = (*file)->read(0, static_cast<std::size_t>((*file)->size()));
  if (!bytes) return tl::unexpected(bytes.error());
  auto corrupt = [&](std::uint64_t offset, const std::string& reason) {
    return make_error(ErrorCode::corruption, fmt::format("{}: offset {}: {}", path, offset, reason));
  };
  if (bytes->size() < manifest_header_size_bytes + 4)
    return corrupt(0, fmt::format("file of {} bytes is too short for a manifest; truncated?", bytes->size()));
  if (load_u64(bytes->data()) != manifest_magic) return corrupt(0, "bad magic number (not a manifest)");
  std::size_t crc_offset = bytes->size() - 4;
  if (crc32c(std::span<const std::uint8_t>(*bytes).subspan(0, crc_offset)) != load_u32(bytes->data() + crc_offset))
    return corrupt(crc_offset, "manifest checksum mismatch (truncated or damaged)");

  Decoder decoder(std::span<const std::uint8_t>(*bytes).subspan(0, crc_offset));
  ManifestState state;
  std::uint64_t magic = 0;
  std::uint32_t version = 0, table_count = 0;
  bool ok = decoder.u64(magic) && decoder.u32(version) && decoder.u64(state.next_file_number) &&
            decoder.u64(state.last_sequence) && decoder.u64(state.log_number) && decoder.u32(table_count);
  BFTSIM_ASSERT(ok);  // the size was checked above
  if (version != manifest_version) return corrupt(8, fmt::format("unknown manifest version {}", version));
  std::set<std::uint64_t> numbers;
  for (std::uint32_t i = 0; i < table_count; ++i) {
    std::size_t offset = decoder.offset();
    TableMeta table;
    std::uint8_t level = 0;
    std::string_view smallest, largest;
    if (!decoder.u8(level) || !decoder.u64(table.file_number) || !decoder.u64(table.file_size_bytes) ||
        !decoder.u64(table.entry_count) || !decoder.string(smallest) || !decoder.string(largest))
      return corrupt(offset, fmt::format("truncated table entry {} of {}", i, table_count));
    table.level = level;
    table.smallest_key = smallest;
    table.largest_key = largest;
    if (level >= manifest_level_count_max || table.file_number >= state.next_file_number ||
        !numbers.insert(table.file_number).second || table.smallest_key > table.largest_key)
      return corrupt(offset, fmt::format("inconsistent table entry {} (file {})", i, table.file_number));
    state.tables.push_back(std::move(table));
  }
  if (!decoder.at_end()) return corrupt(decoder.offset(), "trailing bytes after the table list");
  return std::optional<ManifestState>(std::move(state));
}

Status write_manifest(FileSystem& fs, const std::string& dir, const ManifestState& state) {
  std::string temp_path = join_path(dir, manifest_temp_file_name);
  auto file = fs.open_writable(temp_path, OpenMode::truncate);
  if (!file) return tl::unexpected(file.error());
  if (auto status = (*file)->append(encode(state)); !status) return status;
  if (auto status = (*file)->sync(); !status) return status;
  if (auto status = (*file)->close(); !status) return status;
  if (auto status = fs.rename(temp_path, join_path(dir, manifest_file_name)); !status) return status;
  return fs.sync_dir(dir);
}

}  // namespace bftsim
