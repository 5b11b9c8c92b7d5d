// The manifest: which tables are live at which level, the next file number,
// the last sequence number and the oldest live WAL (docs/manifest_format.md).
// It is one checksummed snapshot in the file MANIFEST, replaced atomically:
// write MANIFEST.tmp, sync it, rename it over MANIFEST, sync the directory.
// A crash at any step leaves either the old or the new snapshot, and the
// tables each one names were synced before it was written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/file_system.h"

namespace bftsim {

struct TableMeta {
  int level = 0;
  std::uint64_t file_number = 0;
  std::uint64_t file_size_bytes = 0;
  std::uint64_t entry_count = 0;
  std::string smallest_key;
  std::string largest_key;

  bool operator==(const TableMeta&) const = default;
};

struct ManifestState {
  std::uint64_t next_file_number = 1;
  std::uint64_t last_sequence = 0;
  // WALs numbered below this hold only writes already in tables.
  std::uint64_t log_number = 0;
  std::vector<TableMeta> tables;  // sorted by (level, smallest_key, file_number)

  bool operator==(const ManifestState&) const = default;
};

inline constexpr int manifest_level_count_max = 16;

// The state in dir/MANIFEST, or nullopt when there is none (a new database).
// A damaged or truncated file is corruption naming the file and offset.
Result<std::optional<ManifestState>> read_manifest(FileSystem& fs, const std::string& dir);

// Atomically replaces dir/MANIFEST with `state`; durable when it returns ok.
// Requires: every table `state` names is synced and its name durable.
Status write_manifest(FileSystem& fs, const std::string& dir, const ManifestState& state);

}  // namespace bftsim
