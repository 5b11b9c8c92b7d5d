// Db: writes, reads, flushes and compactions, and the background thread
// that runs the last two when DbOptions::background is on. Recovery is
// in db_recovery.cpp.
#include "core/storage/db.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/storage/file_names.h"
#include "core/storage/level_iterator.h"
#include "core/storage/merging_iterator.h"
#include "core/types/assert.h"

namespace bftsim {

Db::Db(FileSystem& fs, std::string dir, DbOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(options), memtable_(std::make_unique<Memtable>()) {
  auto empty = std::make_shared<Version>();
  empty->levels.assign(static_cast<std::size_t>(options_.level_count), {});
  current_ = std::move(empty);
}

Db::~Db() {
  if (thread_ == nullptr) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  thread_.reset();  // joins
}

Status Db::stick(Status status) {
  if (!status && !error_) error_ = status.error();
  return status;
}

Status Db::check_error() {
  if (!error_ && background_failed_.load(std::memory_order_acquire)) {
    std::lock_guard lock(mutex_);
    error_ = background_error_;
  }
  if (error_) return tl::unexpected(*error_);
  return {};
}

std::shared_ptr<const Db::Version> Db::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Status Db::log_record(bool sync) {
  Status status = wal_->finish_record();
  // A batch over the record maximum is refused before any byte is written:
  // the caller's mistake, which need not stop later writes.
  if (!status && status.error().code == ErrorCode::invalid_argument) return status;
  if (status) ++write_mark_;
  if (status && sync) status = wal_->sync();
  if (status) wal_unsynced_ = !sync;
  return stick(status);
}

Status Db::flush_if_full() {
  if (memtable_->size_bytes() >= options_.memtable_size_bytes_max || wal_->size_bytes() >= options_.wal_size_bytes_max)
    return options_.background != nullptr ? make_room() : flush();
  return {};
}

Status Db::write(const WriteBatch& batch, bool sync) {
  if (auto status = check_error(); !status) return status;
  if (batch.empty()) return sync ? this->sync() : Status{};
  const std::uint64_t first_sequence = last_sequence_ + 1;
  // The payload is the batch's own bytes behind a header (docs/wal_format.md).
  const auto operations = batch.operations_bytes();
  Bytes& record = wal_->start_record();
  std::uint8_t* at = grow(record, write_batch_header_size_bytes + operations.size());
  at = store_u64(at, first_sequence);
  at = store_u32(at, static_cast<std::uint32_t>(batch.operation_count()));
  if (!operations.empty()) std::memcpy(at, operations.data(), operations.size());
  if (auto status = log_record(sync); !status) return status;
  std::uint64_t sequence = first_sequence;
  batch.for_each([&](const WriteBatch::Operation& operation) {
    if (operation.kind == EntryKind::value) {
      memtable_->put(operation.key, operation.value, sequence++);
    } else {
      memtable_->remove(operation.key, sequence++);
    }
  });
  last_sequence_ = sequence - 1;
  return flush_if_full();
}

// A put or remove is a batch of one, logged as exactly the bytes such a
// WriteBatch encodes to, but without building one (and copying key and value).
Status Db::write_one(EntryKind kind, std::string_view key, std::string_view value, bool sync) {
  if (auto status = check_error(); !status) return status;
  std::uint64_t sequence = last_sequence_ + 1;
  encode_single_write(kind, key, value, sequence, wal_->start_record());
  if (auto status = log_record(sync); !status) return status;
  if (kind == EntryKind::value) {
    memtable_->put(key, value, sequence);
  } else {
    memtable_->remove(key, sequence);
  }
  last_sequence_ = sequence;
  return flush_if_full();
}

Status Db::put(std::string_view key, std::string_view value, bool sync) {
  return write_one(EntryKind::value, key, value, sync);
}

Status Db::remove(std::string_view key, bool sync) { return write_one(EntryKind::tombstone, key, {}, sync); }

Status Db::sync() {
  if (auto status = check_error(); !status) return status;
  Status status = wal_->sync();
  if (status) wal_unsynced_ = false;
  return stick(status);
}

Result<std::optional<std::string>> Db::get(std::string_view key) const {
  auto from_memtable = [](const MemtableEntry& entry) {
    return entry.kind == EntryKind::value ? std::optional<std::string>(entry.value) : std::nullopt;
  };
  if (const MemtableEntry* entry = memtable_->find(key)) return from_memtable(*entry);
  // Without background work only this thread changes the tables, so the
  // version needs no lock or reference. With it, current_ is read only
  // under the lock (the background thread replaces it).
  std::shared_ptr<const Memtable> imm;
  std::shared_ptr<const Version> held;
  const Version* version = nullptr;
  if (options_.background != nullptr) {
    std::lock_guard lock(mutex_);
    imm = imm_;
    held = current_;
    version = held.get();
  } else {
    version = current_.get();
  }
  if (imm)
    if (const MemtableEntry* entry = imm->find(key)) return from_memtable(*entry);
  auto lookup = [&](const TableMeta& table) { return version->tables.at(table.file_number)->get(key); };
  auto found = [](Entry& entry) {
    if (entry.kind == EntryKind::tombstone) return std::optional<std::string>{};
    return std::optional<std::string>(std::move(entry.value));
  };
  // Level-0 tables overlap: ask each that covers the key, newest first.
  const auto& levels = version->levels;
  for (const TableMeta* table : levels[0]) {
    if (key < table->smallest_key || key > table->largest_key) continue;
    auto entry = lookup(*table);
    if (!entry) return tl::unexpected(entry.error());
    if (entry->has_value()) return found(**entry);
  }
  // Levels 1.. hold disjoint ranges sorted by smallest key: the one table
  // that can hold the key is the first whose largest key is >= it.
  for (std::size_t level = 1; level < levels.size(); ++level) {
    const auto& tables = levels[level];
    auto it = std::partition_point(tables.begin(), tables.end(),
                                   [&](const TableMeta* table) { return table->largest_key < key; });
    if (it == tables.end() || key < (*it)->smallest_key) continue;
    auto entry = lookup(**it);
    if (!entry) return tl::unexpected(entry.error());
    if (entry->has_value()) return found(**entry);
  }
  return std::optional<std::string>{};
}

Result<Db::KeyValues> Db::scan(std::string_view begin, std::string_view end, std::size_t count_max) const {
  KeyValues out;
  if (auto status = scan(begin, end, count_max, out); !status) return tl::unexpected(status.error());
  return out;
}

Status Db::scan(std::string_view begin, std::string_view end, std::size_t count_max, KeyValues& out) const {
  auto outside = [&](const TableMeta& table) {
    return table.largest_key < begin || (!end.empty() && table.smallest_key >= end);
  };
  // Level-0 tables overlap, so each is a child of the merge; a deeper level is
  // one child that opens its tables in turn, so a short scan with no `end`
  // reads a block per level rather than a block per table.
  std::shared_ptr<const Memtable> imm;
  std::shared_ptr<const Version> version;
  {
    std::lock_guard lock(mutex_);
    imm = imm_;
    version = current_;
  }
  std::vector<std::unique_ptr<EntryIterator>> children;
  children.push_back(memtable_->iterator());
  if (imm) {
    std::lock_guard lock(imm_order_mutex_);
    children.push_back(imm->iterator());
  }
  for (const TableMeta* table : version->levels[0])
    if (!outside(*table)) children.push_back(version->tables.at(table->file_number)->iterator());
  for (std::size_t level = 1; level < version->levels.size(); ++level) {
    std::vector<std::shared_ptr<const TableReader>> tables;
    for (const TableMeta* table : version->levels[level])  // by smallest key
      if (!outside(*table)) tables.push_back(version->tables.at(table->file_number));
    if (!tables.empty()) children.push_back(std::make_unique<LevelIterator>(std::move(tables)));
  }
  MergingIterator merged(std::move(children));
  // The merge yields each key once, newest version first. The pairs already
  // in `out` are overwritten in place, so a caller that scans in a loop
  // reuses their strings' buffers too.
  std::size_t count = 0;
  for (merged.seek(begin); merged.valid() && count < count_max; merged.next()) {
    std::string_view key = merged.key();
    if (!end.empty() && key >= end) break;
    if (merged.kind() != EntryKind::value) continue;
    if (count < out.size()) {
      out[count].first.assign(key);
      out[count].second.assign(merged.value());
    } else {
      out.emplace_back(key, merged.value());
    }
    ++count;
  }
  out.resize(count);
  return merged.status();
}

Status Db::flush() {
  if (auto status = check_error(); !status) return status;
  if (options_.background != nullptr) {
    if (!memtable_->empty())
      if (auto status = make_room(); !status) return status;
    return wait_idle();
  }
  if (memtable_->empty()) return {};
  if (auto status = stick(flush_memtable()); !status) return status;
  return stick(maybe_compact());
}

Status Db::write_level0(EntryIterator& input, ManifestState& next, Readers& opened) {
  auto outputs = write_tables(TableSink{fs_, dir_, options_, next_file_number_}, input, 0, UINT64_MAX,
                              [](std::string_view) { return false; });
  if (!outputs) return tl::unexpected(outputs.error());
  for (const TableMeta& table : *outputs) {
    auto reader = open_table(table);
    if (!reader) return tl::unexpected(reader.error());
    opened[table.file_number] = std::move(*reader);
    next.tables.push_back(table);
  }
  return {};
}

// On the caller's thread: without background work, and at recovery.
Status Db::flush_memtable() {
  ManifestState next = current()->state;
  Readers opened;
  if (!memtable_->empty()) {
    auto input = memtable_->iterator();
    input->seek_to_first();
    if (auto status = write_level0(*input, next, opened); !status) return status;
    std::lock_guard lock(mutex_);
    ++counters_.flush_count;
  }
  std::uint64_t log_number = next_file_number_++;
  next.log_number = log_number;
  next.last_sequence = last_sequence_;
  if (auto status = install(std::move(next), opened); !status) return status;
  memtable_->clear();
  if (auto status = start_new_log(log_number); !status) return status;
  return remove_obsolete_files();
}

Status Db::start_new_log(std::uint64_t number) {
  BFTSIM_ASSERT(number >= current()->state.log_number);
  // Everything in the old log is in a table now; it closes when the last
  // SyncTarget holding it is gone.
  wal_.reset();
  std::string path = path_of(wal_file_name(number));
  auto file = fs_.open_writable(path, OpenMode::truncate);
  if (!file) return tl::unexpected(file.error());
  // The name must be durable before a sync of the log can promise anything.
  if (auto status = fs_.sync_dir(dir_); !status) return status;
  wal_ = std::make_shared<WalWriter>(path, std::move(*file));
  wal_unsynced_ = false;
  std::lock_guard lock(mutex_);
  wal_number_ = number;
  return {};
}

Status Db::make_room() {
  std::unique_lock lock(mutex_);
  auto blocked = [&] {
    return imm_ != nullptr ||
           static_cast<int>(current_->levels[0].size()) >= options_.level0_table_count_stop;
  };
  if (blocked() && !background_error_) {
    const std::uint64_t start_ns = options_.background->now_ns();
    work_done_.wait(lock, [&] { return background_error_ || !blocked(); });
    ++counters_.stall_count;
    counters_.stall_ns += options_.background->now_ns() - start_ns;
  }
  lock.unlock();
  if (auto status = check_error(); !status) return status;
  return stick(rotate_memtable());
}

Status Db::rotate_memtable() {
  // A sync of the new log promises nothing about the old one's writes, so
  // they are made durable now (a replica syncs often: little is left).
  if (wal_unsynced_) {
    if (auto status = wal_->sync(); !status) return status;
    wal_unsynced_ = false;
  }
  const std::uint64_t log_number = next_file_number_++;
  std::string path = path_of(wal_file_name(log_number));
  auto file = fs_.open_writable(path, OpenMode::truncate);
  if (!file) return tl::unexpected(file.error());
  if (auto status = fs_.sync_dir(dir_); !status) return status;
  // The old log stays on disk, live in the manifest, until the background
  // thread has its memtable in an installed table.
  // It closes when the last SyncTarget holding it is gone.
  wal_ = std::make_shared<WalWriter>(path, std::move(*file));
  {
    std::lock_guard lock(mutex_);
    wal_number_ = log_number;
    imm_ = std::shared_ptr<const Memtable>(std::move(memtable_));
    imm_next_log_number_ = log_number;
    imm_last_sequence_ = last_sequence_;
  }
  memtable_ = std::make_unique<Memtable>();
  work_ready_.notify_one();
  return {};
}

Status Db::wait_idle() {
  {
    std::unique_lock lock(mutex_);
    work_done_.wait(lock, [&] { return background_error_ || (!imm_ && !busy_ && !compaction_wanted_); });
  }
  return check_error();
}

void Db::background_main() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stop_ || (!background_error_ && !manual_ && (imm_ || compaction_wanted_)); });
    if (stop_) return;
    busy_ = true;
    Status status;
    if (imm_) {  // a flush goes before any compaction: writers may wait on it
      lock.unlock();
      status = flush_immutable();
      lock.lock();
    } else if (auto pick = pick_compaction(current_->state, options_, compact_pointers_)) {
      lock.unlock();
      status = compact_and_install(*pick);
      lock.lock();
    } else {
      compaction_wanted_ = false;
    }
    busy_ = false;
    if (!status) {
      background_error_ = status.error();
      background_failed_.store(true, std::memory_order_release);
    }
    work_done_.notify_all();
  }
}

// On the background thread: the immutable memtable to a level-0 table.
Status Db::flush_immutable() {
  std::shared_ptr<const Memtable> imm;
  ManifestState next;
  {
    std::lock_guard lock(mutex_);
    imm = imm_;
    next = current_->state;
    next.log_number = imm_next_log_number_;
    next.last_sequence = imm_last_sequence_;
  }
  Readers opened;
  std::unique_ptr<EntryIterator> input;
  {
    // Its first iterator sorts its keys, here rather than on the caller's thread.
    std::lock_guard lock(imm_order_mutex_);
    input = imm->iterator();
  }
  input->seek_to_first();
  if (auto status = write_level0(*input, next, opened); !status) return status;
  if (auto status = install(std::move(next), opened); !status) return status;
  {
    // Readers now find these writes in the table; the memtable can go.
    std::lock_guard lock(mutex_);
    imm_.reset();
    ++counters_.flush_count;
    compaction_wanted_ = true;
  }
  work_done_.notify_all();
  return remove_obsolete_files();
}

Status Db::maybe_compact() {
  for (int round = 0;; ++round) {
    BFTSIM_ASSERT(round < 10'000);  // each round removes input bytes from a level over its limit
    auto pick = pick_compaction(current()->state, options_, compact_pointers_);
    if (!pick) return {};
    if (auto status = compact_and_install(*pick); !status) return status;
  }
}

Status Db::compact() {
  if (auto status = flush(); !status) return status;
  if (options_.background == nullptr) return compact_whole();
  {
    // Take the manifest from the background thread while it is idle.
    std::unique_lock lock(mutex_);
    work_done_.wait(lock, [&] { return background_error_ || (!imm_ && !busy_ && !compaction_wanted_); });
    if (!background_error_) manual_ = true;
  }
  if (auto status = check_error(); !status) return status;
  Status status = compact_whole();
  {
    std::lock_guard lock(mutex_);
    manual_ = false;
  }
  return status;
}

Status Db::compact_whole() {
  for (int level = 0; level + 1 < options_.level_count; ++level) {
    const std::shared_ptr<const Version> version = current();
    if (tables_at(version->state, level).empty()) continue;
    if (auto status = stick(compact_and_install(pick_whole_level(version->state, level))); !status) return status;
  }
  return {};
}

Status Db::compact_and_install(const CompactionPick& pick) {
  std::shared_ptr<const Version> base = current();
  ManifestState next = base->state;
  auto outputs = run_compaction(TableSink{fs_, dir_, options_, next_file_number_}, pick, base->state, base->tables);
  if (!outputs) return tl::unexpected(outputs.error());
  std::uint64_t bytes_read = 0, bytes_written = 0;
  for (const auto* inputs : {&pick.level_inputs, &pick.next_inputs}) {
    for (const TableMeta& input : *inputs) {
      bytes_read += input.file_size_bytes;
      std::erase_if(next.tables, [&](const TableMeta& table) { return table.file_number == input.file_number; });
    }
  }
  {
    std::lock_guard lock(mutex_);
    counters_.compaction_bytes_read += bytes_read;
  }
  Readers opened;
  for (const TableMeta& table : *outputs) {
    // Opening reads back the footer, index and filter just written.
    auto reader = open_table(table);
    if (!reader) return tl::unexpected(reader.error());
    opened[table.file_number] = std::move(*reader);
    bytes_written += table.file_size_bytes;
    next.tables.push_back(table);
  }
  {
    std::lock_guard lock(mutex_);
    counters_.compaction_bytes_written += bytes_written;
  }
  if (auto status = install(std::move(next), opened); !status) return status;
  {
    std::lock_guard lock(mutex_);
    ++counters_.compaction_count;
  }
  return remove_obsolete_files();
}

Status Db::install(ManifestState state, const Readers& opened) {
  std::sort(state.tables.begin(), state.tables.end(), [](const TableMeta& a, const TableMeta& b) {
    return std::tie(a.level, a.smallest_key, a.file_number) < std::tie(b.level, b.smallest_key, b.file_number);
  });
  // Levels 1.. must hold disjoint key ranges: a compaction bug, not bad data.
  for (std::size_t i = 1; i < state.tables.size(); ++i) {
    const TableMeta& previous = state.tables[i - 1];
    if (previous.level == state.tables[i].level && previous.level > 0)
      BFTSIM_ASSERT(previous.largest_key < state.tables[i].smallest_key);
  }
  // Every number drawn so far, the caller's new log's included.
  state.next_file_number = next_file_number_.load();
  if (auto status = write_manifest(fs_, dir_, state); !status) return status;
  auto version = make_version(std::move(state), opened, current().get());
  std::lock_guard lock(mutex_);
  current_ = std::move(version);
  return {};
}

std::shared_ptr<const Db::Version> Db::make_version(ManifestState state, const Readers& opened,
                                                    const Version* base) const {
  auto version = std::make_shared<Version>();
  version->state = std::move(state);
  version->levels.assign(static_cast<std::size_t>(options_.level_count), {});
  for (const TableMeta& table : version->state.tables) {
    auto reader = opened.find(table.file_number);
    version->tables[table.file_number] =
        reader != opened.end() ? reader->second : base->tables.at(table.file_number);
    version->levels[static_cast<std::size_t>(table.level)].push_back(&table);
  }
  std::sort(version->levels[0].begin(), version->levels[0].end(),
            [](const TableMeta* a, const TableMeta* b) { return a->file_number > b->file_number; });
  return version;
}

Status Db::remove_obsolete_files() {
  std::shared_ptr<const Version> version;
  std::uint64_t live_log_number = 0;
  {
    std::lock_guard lock(mutex_);
    version = current_;
    live_log_number = wal_number_;
  }
  const ManifestState& state = version->state;
  auto names = fs_.list(dir_);
  if (!names) return tl::unexpected(names.error());
  for (const std::string& name : *names) {
    bool obsolete = name == manifest_temp_file_name;
    if (auto parsed = parse_file_name(name)) {
      // A log or table numbered above everything the version knows is being
      // written by the other thread (a new log), never obsolete.
      if (parsed->kind == FileKind::wal) obsolete = parsed->number < state.log_number && parsed->number != live_log_number;
      if (parsed->kind == FileKind::table)
        obsolete = parsed->number < state.next_file_number &&
                   std::none_of(state.tables.begin(), state.tables.end(),
                                [&](const TableMeta& table) { return table.file_number == parsed->number; });
    }
    if (obsolete)
      if (auto status = fs_.remove(path_of(name)); !status) return status;
  }
  return {};
}

DbStats Db::stats() const {
  DbStats stats;
  std::shared_ptr<const Version> version;
  {
    std::lock_guard lock(mutex_);
    stats = counters_;
    version = current_;
  }
  stats.table_count_per_level.assign(static_cast<std::size_t>(options_.level_count), 0);
  stats.size_bytes_per_level.assign(static_cast<std::size_t>(options_.level_count), 0);
  for (const TableMeta& table : version->state.tables) {
    stats.table_count_per_level[static_cast<std::size_t>(table.level)] += 1;
    stats.size_bytes_per_level[static_cast<std::size_t>(table.level)] += table.file_size_bytes;
  }
  stats.wal_size_bytes = wal_ ? wal_->size_bytes() : 0;
  stats.memtable_size_bytes = memtable_->size_bytes();
  stats.last_sequence = last_sequence_;
  return stats;
}

}  // namespace bftsim
