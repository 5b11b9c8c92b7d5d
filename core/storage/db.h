// Db: the LSM storage engine's facade. Writes go to the WAL, then the
// memtable; a full memtable (or a full WAL) is flushed to a level-0 table,
// and leveled compaction (compaction.h) follows when a threshold is passed.
// Where that work runs is DbOptions::background:
//   - null (the default, the simulator's setting): inside the write that
//     filled the memtable, on the caller's thread; deterministic.
//   - a Background (bft-node's runner/thread_background.h; core/ starts no
//     thread and reads no clock itself, background.h): the full memtable
//     becomes immutable, a new WAL and memtable take the writes at once,
//     and one background thread writes the level-0 table, installs it in
//     the manifest, deletes the immutable memtable's WAL, then runs the
//     compactions the thresholds call for. The immutable memtable's WAL
//     stays live in the manifest until its table is installed, so a crash
//     mid-flush replays it. A writer waits (a stall, counted in DbStats)
//     only when the memtable fills again while the previous one is still
//     being flushed, or while level 0 holds level0_table_count_stop tables.
//     flush() and compact() wait for the background work, so they stay
//     synchronous to their caller.
// Reads look newest-first: memtable, the immutable memtable, level-0 tables
// newest first, then levels 1.. The tables are an immutable, shared
// "version" that an install swaps under a mutex, so reads are safe while the
// background thread installs tables.
// Errors stick: after a failed write, sync, flush or compaction (on either
// thread) every later write, sync and flush returns that first error (reads
// still work). Damaged files give errors naming the file and byte offset,
// never a crash or wrong data.
// Threading: one caller thread at a time (the Db's own background thread
// aside); owns its files; the FileSystem and the Background must outlive the
// Db and, with background work, the FileSystem be safe to call from two
// threads (PosixFileSystem is).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
  // With background work: writes that waited for the background thread (a
  // full memtable while the previous one was still being flushed, or level 0
  // at its stop count), and the wall time they waited.
  std::uint64_t stall_count = 0;
  std::uint64_t stall_ns = 0;
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
  // The same, done on another thread (bft-node's runner/sync_thread.h):
  // write without sync, take a SyncTarget here, call its sync() there while
  // this thread goes on writing. It syncs the log that was current when it
  // was taken, holding it open. The logs before that one were synced when
  // the Db left them (a rotation syncs the old log, a flush puts it in a
  // durable table), so a successful sync makes every write up to `mark`
  // durable. Its failure is the caller's to act on: the Db does not see it.
  struct SyncTarget {
    std::shared_ptr<WalWriter> log;
    std::uint64_t mark = 0;  // write_mark() when taken
    Status sync() const { return log->sync(); }
  };
  SyncTarget sync_target() const { return SyncTarget{wal_, write_mark_}; }
  // The number of writes (WAL records) appended since open: a write made
  // while this read m is durable once a sync of a target with mark >= m is.
  std::uint64_t write_mark() const { return write_mark_; }

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
  // new WAL; then compacts if a threshold is passed. With background work
  // the background thread does it and this waits until it is idle.
  Status flush();
  // Flushes, then merges every level down into the last one, dropping
  // tombstones and overwritten versions.
  Status compact();

  DbStats stats() const;
  const std::string& dir() const { return dir_; }

  // Stops and joins the background thread (a flush under way finishes; its
  // memtable's WAL is still live, so nothing is lost either way).
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

 private:
  // The tables: an immutable snapshot, replaced whole by each install.
  struct Version {
    ManifestState state;
    std::map<std::uint64_t, std::shared_ptr<TableReader>> tables;
    // Per level, the tables in search order: level 0 newest (highest file
    // number) first, other levels by smallest key. Points into state.tables.
    std::vector<std::vector<const TableMeta*>> levels;
  };
  using Readers = std::map<std::uint64_t, std::shared_ptr<TableReader>>;

  Db(FileSystem& fs, std::string dir, DbOptions options);

  // Appends the record built in the WAL's buffer (WalWriter::start_record)
  // and syncs when asked.
  Status log_record(bool sync);
  // Flushes when the memtable or the WAL is past its limit.
  Status flush_if_full();
  Status write_one(EntryKind kind, std::string_view key, std::string_view value, bool sync);
  Status recover();
  Status replay_logs(const std::vector<std::uint64_t>& log_numbers);
  Status start_new_log(std::uint64_t number);
  Result<std::shared_ptr<TableReader>> open_table(const TableMeta& table);
  // Writes `input` (positioned at its first entry) to level-0 tables, adds
  // them to `next` and their readers to `opened`. Level 0 keeps tombstones:
  // older tables may hold the keys they delete.
  Status write_level0(EntryIterator& input, ManifestState& next, Readers& opened);
  Status flush_memtable();
  Status maybe_compact();
  Status compact_whole();
  Status compact_and_install(const CompactionPick& pick);
  // Writes `state` to the manifest and makes it the current version, with
  // the readers of `opened` (new tables) and of the current version.
  Status install(ManifestState state, const Readers& opened);
  Status remove_obsolete_files();
  std::shared_ptr<const Version> current() const;
  // A version of `state`: the readers of `opened`, else of `base`.
  std::shared_ptr<const Version> make_version(ManifestState state, const Readers& opened, const Version* base) const;
  std::string path_of(const std::string& name) const { return join_path(dir_, name); }
  // Records the first error of a mutating step and returns it.
  Status stick(Status status);

  // Background work (DbOptions::background).
  // Takes over the background thread's error, if any; then error_.
  Status check_error();
  // The memtable is full: waits while the previous one is still being
  // flushed or level 0 is at its stop count, then makes it the immutable
  // memtable behind a new WAL and wakes the background thread.
  Status make_room();
  Status rotate_memtable();
  // Waits until the background thread has nothing to do (or failed).
  Status wait_idle();
  void background_main();
  Status flush_immutable();

  FileSystem& fs_;
  std::string dir_;
  DbOptions options_;
  // File numbers for tables and logs, drawn by both threads.
  std::atomic<std::uint64_t> next_file_number_{1};
  std::unique_ptr<Memtable> memtable_;
  std::shared_ptr<WalWriter> wal_;  // shared with SyncTargets being synced
  std::uint64_t write_mark_ = 0;
  std::uint64_t wal_number_ = 0;  // written under mutex_ (remove_obsolete_files reads it)
  bool wal_unsynced_ = false;     // records appended since its last sync
  std::uint64_t last_sequence_ = 0;
  std::vector<std::string> compact_pointers_;  // used by whoever holds the manifest
  std::optional<Error> error_;

  // Guards what follows; the caller's thread reads current_ and imm_ under it.
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // to the background thread
  std::condition_variable work_done_;   // to a waiting caller
  std::shared_ptr<const Version> current_;
  // The full memtable being flushed, with the log that follows its WAL (the
  // manifest's log_number once it is in a table) and its last sequence.
  std::shared_ptr<const Memtable> imm_;
  // The first iterator() of an immutable memtable sorts its keys (a write to
  // it); a later one only reads. Held around each iterator() of imm_.
  mutable std::mutex imm_order_mutex_;
  std::uint64_t imm_next_log_number_ = 0;
  std::uint64_t imm_last_sequence_ = 0;
  bool compaction_wanted_ = false;  // check the thresholds after a flush
  bool busy_ = false;               // the background thread is at work
  bool manual_ = false;             // compact() holds the manifest
  bool stop_ = false;
  std::optional<Error> background_error_;
  std::atomic<bool> background_failed_{false};
  DbStats counters_;
  std::unique_ptr<BackgroundThread> thread_;  // from options_.background; null without
};

}  // namespace bftsim
