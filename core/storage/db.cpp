// Db: writes, reads, flushes and compactions. Recovery is in db_recovery.cpp.
#include "core/storage/db.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/storage/file_names.h"
#include "core/storage/level_iterator.h"
#include "core/storage/merging_iterator.h"
#include "core/types/assert.h"

namespace bftsim {

Status Db::stick(Status status) {
  if (!status && !error_) error_ = status.error();
  return status;
}

Status Db::log_record(bool sync) {
  Status status = wal_->finish_record();
  // A batch over the record maximum is refused before any byte is written:
  // the caller's mistake, which need not stop later writes.
  if (!status && status.error().code == ErrorCode::invalid_argument) return status;
  if (status && sync) status = wal_->sync();
  return stick(status);
}

Status Db::flush_if_full() {
  if (memtable_.size_bytes() >= options_.memtable_size_bytes_max || wal_->size_bytes() >= options_.wal_size_bytes_max)
    return flush();
  return {};
}

Status Db::write(const WriteBatch& batch, bool sync) {
  if (error_) return tl::unexpected(*error_);
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
      memtable_.put(operation.key, operation.value, sequence++);
    } else {
      memtable_.remove(operation.key, sequence++);
    }
  });
  last_sequence_ = sequence - 1;
  return flush_if_full();
}

// A put or remove is a batch of one, logged as exactly the bytes such a
// WriteBatch encodes to, but without building one (and copying key and value).
Status Db::write_one(EntryKind kind, std::string_view key, std::string_view value, bool sync) {
  if (error_) return tl::unexpected(*error_);
  std::uint64_t sequence = last_sequence_ + 1;
  encode_single_write(kind, key, value, sequence, wal_->start_record());
  if (auto status = log_record(sync); !status) return status;
  if (kind == EntryKind::value) {
    memtable_.put(key, value, sequence);
  } else {
    memtable_.remove(key, sequence);
  }
  last_sequence_ = sequence;
  return flush_if_full();
}

Status Db::put(std::string_view key, std::string_view value, bool sync) {
  return write_one(EntryKind::value, key, value, sync);
}

Status Db::remove(std::string_view key, bool sync) { return write_one(EntryKind::tombstone, key, {}, sync); }

Status Db::sync() {
  if (error_) return tl::unexpected(*error_);
  return stick(wal_->sync());
}

Result<std::optional<std::string>> Db::get(std::string_view key) const {
  if (const MemtableEntry* entry = memtable_.find(key))
    return entry->kind == EntryKind::value ? std::optional<std::string>(entry->value) : std::nullopt;
  auto lookup = [&](const TableMeta& table) { return tables_.at(table.file_number)->get(key); };
  auto found = [](Entry& entry) {
    if (entry.kind == EntryKind::tombstone) return std::optional<std::string>{};
    return std::optional<std::string>(std::move(entry.value));
  };
  // Level-0 tables overlap: ask each that covers the key, newest first.
  for (const TableMeta* table : levels_[0]) {
    if (key < table->smallest_key || key > table->largest_key) continue;
    auto entry = lookup(*table);
    if (!entry) return tl::unexpected(entry.error());
    if (entry->has_value()) return found(**entry);
  }
  // Levels 1.. hold disjoint ranges sorted by smallest key: the one table
  // that can hold the key is the first whose largest key is >= it.
  for (std::size_t level = 1; level < levels_.size(); ++level) {
    const auto& tables = levels_[level];
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
  std::vector<std::unique_ptr<EntryIterator>> children;
  children.push_back(memtable_.iterator());
  for (const TableMeta* table : levels_[0])
    if (!outside(*table)) children.push_back(tables_.at(table->file_number)->iterator());
  for (std::size_t level = 1; level < levels_.size(); ++level) {
    std::vector<std::shared_ptr<const TableReader>> tables;
    for (const TableMeta* table : levels_[level])  // by smallest key
      if (!outside(*table)) tables.push_back(tables_.at(table->file_number));
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
  if (error_) return tl::unexpected(*error_);
  if (memtable_.empty()) return {};
  if (auto status = stick(flush_memtable()); !status) return status;
  return stick(maybe_compact());
}

Status Db::flush_memtable() {
  ManifestState next = state_;
  if (!memtable_.empty()) {
    auto input = memtable_.iterator();
    input->seek_to_first();
    // Level 0 keeps tombstones: older tables may hold the keys they delete.
    auto outputs = write_tables(TableSink{fs_, dir_, options_, next.next_file_number}, *input, 0, UINT64_MAX,
                                [](std::string_view) { return false; });
    if (!outputs) return tl::unexpected(outputs.error());
    for (const TableMeta& table : *outputs) {
      if (auto status = open_table(table); !status) return status;
      next.tables.push_back(table);
    }
    ++counters_.flush_count;
  }
  std::uint64_t log_number = next.next_file_number++;
  next.log_number = log_number;
  next.last_sequence = last_sequence_;
  if (auto status = install(std::move(next)); !status) return status;
  memtable_.clear();
  if (auto status = start_new_log(log_number); !status) return status;
  return remove_obsolete_files();
}

Status Db::start_new_log(std::uint64_t number) {
  BFTSIM_ASSERT(number >= state_.log_number);
  if (wal_) {
    (void)wal_->close();  // everything in it is in a table now
    wal_.reset();
  }
  std::string path = path_of(wal_file_name(number));
  auto file = fs_.open_writable(path, OpenMode::truncate);
  if (!file) return tl::unexpected(file.error());
  // The name must be durable before a sync of the log can promise anything.
  if (auto status = fs_.sync_dir(dir_); !status) return status;
  wal_ = std::make_unique<WalWriter>(path, std::move(*file));
  wal_number_ = number;
  return {};
}

Status Db::maybe_compact() {
  for (int round = 0;; ++round) {
    BFTSIM_ASSERT(round < 10'000);  // each round removes input bytes from a level over its limit
    auto pick = pick_compaction(state_, options_, compact_pointers_);
    if (!pick) return {};
    if (auto status = compact_and_install(*pick); !status) return status;
  }
}

Status Db::compact() {
  if (auto status = flush(); !status) return status;
  for (int level = 0; level + 1 < options_.level_count; ++level) {
    if (tables_at(state_, level).empty()) continue;
    if (auto status = stick(compact_and_install(pick_whole_level(state_, level))); !status) return status;
  }
  return {};
}

Status Db::compact_and_install(const CompactionPick& pick) {
  ManifestState next = state_;
  auto outputs = run_compaction(TableSink{fs_, dir_, options_, next.next_file_number}, pick, state_, tables_);
  if (!outputs) return tl::unexpected(outputs.error());
  for (const auto* inputs : {&pick.level_inputs, &pick.next_inputs}) {
    for (const TableMeta& input : *inputs) {
      counters_.compaction_bytes_read += input.file_size_bytes;
      std::erase_if(next.tables, [&](const TableMeta& table) { return table.file_number == input.file_number; });
    }
  }
  for (const TableMeta& table : *outputs) {
    // Opening reads back the footer, index and filter just written.
    if (auto status = open_table(table); !status) return status;
    counters_.compaction_bytes_written += table.file_size_bytes;
    next.tables.push_back(table);
  }
  if (auto status = install(std::move(next)); !status) return status;
  ++counters_.compaction_count;
  return remove_obsolete_files();
}

Status Db::install(ManifestState state) {
  std::sort(state.tables.begin(), state.tables.end(), [](const TableMeta& a, const TableMeta& b) {
    return std::tie(a.level, a.smallest_key, a.file_number) < std::tie(b.level, b.smallest_key, b.file_number);
  });
  // Levels 1.. must hold disjoint key ranges: a compaction bug, not bad data.
  for (std::size_t i = 1; i < state.tables.size(); ++i) {
    const TableMeta& previous = state.tables[i - 1];
    if (previous.level == state.tables[i].level && previous.level > 0)
      BFTSIM_ASSERT(previous.largest_key < state.tables[i].smallest_key);
  }
  if (auto status = write_manifest(fs_, dir_, state); !status) return status;
  state_ = std::move(state);
  rebuild_levels();
  return {};
}

void Db::rebuild_levels() {
  levels_.assign(static_cast<std::size_t>(options_.level_count), {});
  for (const TableMeta& table : state_.tables) levels_[static_cast<std::size_t>(table.level)].push_back(&table);
  std::sort(levels_[0].begin(), levels_[0].end(),
            [](const TableMeta* a, const TableMeta* b) { return a->file_number > b->file_number; });
}

Status Db::remove_obsolete_files() {
  auto names = fs_.list(dir_);
  if (!names) return tl::unexpected(names.error());
  for (const std::string& name : *names) {
    bool obsolete = name == manifest_temp_file_name;
    if (auto parsed = parse_file_name(name)) {
      if (parsed->kind == FileKind::wal) obsolete = parsed->number < state_.log_number && parsed->number != wal_number_;
      if (parsed->kind == FileKind::table) {
        obsolete = std::none_of(state_.tables.begin(), state_.tables.end(),
                                [&](const TableMeta& table) { return table.file_number == parsed->number; });
        if (obsolete) tables_.erase(parsed->number);
      }
    }
    if (obsolete)
      if (auto status = fs_.remove(path_of(name)); !status) return status;
  }
  return {};
}

DbStats Db::stats() const {
  DbStats stats = counters_;
  stats.table_count_per_level.assign(static_cast<std::size_t>(options_.level_count), 0);
  stats.size_bytes_per_level.assign(static_cast<std::size_t>(options_.level_count), 0);
  for (const TableMeta& table : state_.tables) {
    stats.table_count_per_level[static_cast<std::size_t>(table.level)] += 1;
    stats.size_bytes_per_level[static_cast<std::size_t>(table.level)] += table.file_size_bytes;
  }
  stats.wal_size_bytes = wal_ ? wal_->size_bytes() : 0;
  stats.memtable_size_bytes = memtable_.size_bytes();
  stats.last_sequence = last_sequence_;
  return stats;
}

}  // namespace bftsim
