// Db: the LSM storage engine's facade. Writes go to the WAL, then the
// memtable; a full memtable is flushed to a level-0 table, and leveled
// compaction (compaction.h) runs synchronously inside the same call. Reads
// look newest-first: memtable, level-0 tables newest first, then levels 1..
// Errors stick: after a failed write, sync, flush or compaction every later
// write returns that first error (reads still work). Damaged files give
// errors naming the file and byte offset, never a crash or wrong data.
// Single-threaded; owns its files; the FileSystem must outlive the Db.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/storage/compaction.h"
#include "core/storage/db_options.h"
#include "core/storage/file_system.h"
#include "core/storage/manifest.h"
#include "core/storage/memtable.h"
#include "core/storage/table_reader.h"
#include "core/storage/wal.h"
#include "core/storage/write_batch.h"

namespace bftsim {

struct DbStats {
  std::vector<std::size_t> table_count_per_level;
  std::vector<std::uint64_t> size_bytes_per_level;
  std::uint64_t wal_size_bytes = 0;
  std::uint64_t memtable_size_bytes = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t flush_count = 0;
  std::uint64_t compaction_count = 0;
  std::uint64_t compaction_bytes_read = 0;
  std::uint64_t compaction_bytes_written = 0;
  // WAL replay at open stopped at a torn tail (normal after a crash).
  std::uint64_t torn_wal_tail_count = 0;
  // The last such stop, e.g. "db/000005.log: offset 1234: truncated header".
  std::string torn_wal_tail_last;
};

class Db {
 public:
  // Opens the database in `dir`, creating it when it has no MANIFEST, and
  // recovers: reads the manifest, opens its tables, replays the live WALs
  // into the memtable and flushes it, then starts a new WAL.
  static Result<std::unique_ptr<Db>> open(FileSystem& fs, std::string dir, DbOptions options);

  // Applies the batch atomically (one WAL record). With sync, the batch and
  // every earlier write are durable when this returns ok.
  Status write(const WriteBatch& batch, bool sync);
  Status put(std::string_view key, std::string_view value, bool sync);
  Status remove(std::string_view key, bool sync);
  // Makes every write so far durable (group commit: one WAL sync).
  Status sync();

  // The newest value of `key`, or nullopt when absent or deleted.
  Result<std::optional<std::string>> get(std::string_view key) const;
  // Live keys in [begin, end) in order with their values; an empty `end`
  // means no upper bound. At most `count_max` pairs.
  using KeyValues = std::vector<std::pair<std::string, std::string>>;
  Result<KeyValues> scan(std::string_view begin, std::string_view end, std::size_t count_max = SIZE_MAX) const;
  // The same into `out`, replacing what it held: its pairs are overwritten
  // in place, so a caller that scans in a loop reuses the vector's capacity
  // and the strings' buffers. On error `out` holds what was read.
  Status scan(std::string_view begin, std::string_view end, std::size_t count_max, KeyValues& out) const;

  // Writes the memtable to a level-0 table (durable on return) and starts a
  // new WAL; then compacts if a threshold is passed.
  Status flush();
  // Flushes, then merges every level down into the last one, dropping
  // tombstones and overwritten versions.
  Status compact();

  DbStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  Db(FileSystem& fs, std::string dir, DbOptions options) : fs_(fs), dir_(std::move(dir)), options_(options) {}

  // Appends the record built in the WAL's buffer (WalWriter::start_record)
  // and syncs when asked.
  Status log_record(bool sync);
  // Flushes when the memtable or the WAL is past its limit.
  Status flush_if_full();
  Status write_one(EntryKind kind, std::string_view key, std::string_view value, bool sync);
  Status recover();
  Status replay_logs(const std::vector<std::uint64_t>& log_numbers);
  Status start_new_log(std::uint64_t number);
  Status open_table(const TableMeta& table);
  Status flush_memtable();
  Status maybe_compact();
  Status compact_and_install(const CompactionPick& pick);
  Status install(ManifestState state);
  Status remove_obsolete_files();
  void rebuild_levels();
  std::string path_of(const std::string& name) const { return join_path(dir_, name); }
  // Records the first error of a mutating step and returns it.
  Status stick(Status status);

  FileSystem& fs_;
  std::string dir_;
  DbOptions options_;
  ManifestState state_;
  std::map<std::uint64_t, std::shared_ptr<TableReader>> tables_;
  // Per level, the tables in search order: level 0 newest (highest file
  // number) first, other levels by smallest key. Points into state_.tables.
  std::vector<std::vector<const TableMeta*>> levels_;
  Memtable memtable_;
  std::unique_ptr<WalWriter> wal_;
  std::uint64_t wal_number_ = 0;
  std::uint64_t last_sequence_ = 0;
  std::vector<std::string> compact_pointers_;
  std::optional<Error> error_;
  DbStats counters_;
};

}  // namespace bftsim
