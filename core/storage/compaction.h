// Leveled compaction (the LevelDB/RocksDB scheme). Level 0 holds flushed
// memtables, whose key ranges overlap; levels 1.. each hold tables with
// disjoint ranges, each level ~10x the bytes of the one above. Chosen over
// size-tiered because a replica reads on every client get and digests its
// state: leveled bounds a point lookup to the L0 tables plus one table per
// level and keeps space amplification near 1.1x, at the price of more write
// amplification, which the simulator's small data sets barely feel.
// Db runs it inside the write, flush or compact call, or on its background
// thread (DbOptions::background).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/db_options.h"
#include "core/storage/entry.h"
#include "core/storage/file_system.h"
#include "core/storage/manifest.h"
#include "core/storage/table_reader.h"

namespace bftsim {

struct CompactionPick {
  int level = 0;                        // inputs come from level and level + 1
  std::vector<TableMeta> level_inputs;  // from `level`
  std::vector<TableMeta> next_inputs;   // from level + 1, overlapping level_inputs
};

// The compaction the thresholds ask for, or nullopt. `compact_pointers`
// (one key per level) rotates which table of a level goes next.
std::optional<CompactionPick> pick_compaction(const ManifestState& state, const DbOptions& options,
                                              std::vector<std::string>& compact_pointers);

// All of `level` plus what overlaps it in level + 1 (for Db::compact()).
CompactionPick pick_whole_level(const ManifestState& state, int level);

std::vector<TableMeta> tables_at(const ManifestState& state, int level);
std::uint64_t level_size_bytes(const ManifestState& state, int level);

// Where output tables go and how their numbers are drawn (the Db's counter,
// which its caller's thread also draws log numbers from).
struct TableSink {
  FileSystem& fs;
  const std::string& dir;
  const DbOptions& options;
  std::atomic<std::uint64_t>& next_file_number;
};

// Writes each entry of `input` (one version per key, such as a merged
// stream's newest ones) to new synced tables at `level`, cut near `table_size_bytes`.
// A tombstone is dropped when drop_tombstone(key) says no older table can
// hold the key. Returns the new tables (possibly none).
Result<std::vector<TableMeta>> write_tables(TableSink sink, EntryIterator& input, int level,
                                            std::uint64_t table_size_bytes,
                                            const std::function<bool(std::string_view)>& drop_tombstone);

// Runs `pick`: merges its inputs into tables at pick.level + 1. `readers`
// maps file numbers to open tables.
Result<std::vector<TableMeta>> run_compaction(TableSink sink, const CompactionPick& pick, const ManifestState& state,
                                              const std::map<std::uint64_t, std::shared_ptr<TableReader>>& readers);

}  // namespace bftsim
