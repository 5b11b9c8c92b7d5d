// Db::open and recovery: read the manifest (or create one), open every live
// table (checking its size against the manifest), replay the live WALs into
// the memtable, flush it, start a new WAL and remove files nothing names;
// then start the background thread when DbOptions::background is set.
#include <algorithm>

#include <fmt/format.h>

#include "core/storage/db.h"
#include "core/storage/file_names.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

Status check_options(const DbOptions& options) {
  if (options.level_count < 2 || options.level_count > manifest_level_count_max || options.level0_table_count_max < 1 ||
      options.level_size_multiplier < 2 || options.memtable_size_bytes_max == 0 || options.wal_size_bytes_max == 0 || options.table.block_size_bytes == 0 ||
      options.table.bloom_bits_per_key < 1 || options.table_size_bytes_target == 0)
    return make_error(ErrorCode::invalid_argument, "DbOptions out of range");
  if (options.background != nullptr && options.level0_table_count_stop <= options.level0_table_count_max)
    return make_error(ErrorCode::invalid_argument,
                      "DbOptions: level0_table_count_stop must be above level0_table_count_max");
  return {};
}

}  // namespace

Result<std::unique_ptr<Db>> Db::open(FileSystem& fs, std::string dir, DbOptions options) {
  if (auto status = check_options(options); !status) return tl::unexpected(status.error());
  std::unique_ptr<Db> db(new Db(fs, std::move(dir), options));
  if (auto status = db->recover(); !status) return tl::unexpected(status.error());
  if (db->options_.background != nullptr)
    db->thread_ = db->options_.background->start([raw = db.get()] { raw->background_main(); });
  return db;
}

Status Db::recover() {
  if (auto status = fs_.create_dir(dir_); !status) return status;
  auto manifest = read_manifest(fs_, dir_);
  if (!manifest) return tl::unexpected(manifest.error());
  ManifestState state;
  if (manifest->has_value()) {
    state = std::move(**manifest);
  } else {
    // A new database: the manifest exists (durably) before any WAL does.
    if (auto status = write_manifest(fs_, dir_, state); !status) return status;
  }
  Readers opened;
  for (const TableMeta& table : state.tables) {
    if (table.level >= options_.level_count)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: table {} is at level {} but DbOptions has {} levels",
                                    path_of(manifest_file_name), table.file_number, table.level, options_.level_count));
    auto reader = open_table(table);
    if (!reader) return tl::unexpected(reader.error());
    opened[table.file_number] = std::move(*reader);
  }
  last_sequence_ = state.last_sequence;

  // Live logs, and a file number above every file present, so a log or table
  // left by a crashed flush is never truncated and reused under its name.
  auto names = fs_.list(dir_);
  if (!names) return tl::unexpected(names.error());
  std::vector<std::uint64_t> log_numbers;
  for (const std::string& name : *names) {
    auto parsed = parse_file_name(name);
    if (!parsed) continue;
    state.next_file_number = std::max(state.next_file_number, parsed->number + 1);
    if (parsed->kind == FileKind::wal && parsed->number >= state.log_number) log_numbers.push_back(parsed->number);
  }
  next_file_number_ = state.next_file_number;
  current_ = make_version(std::move(state), opened, nullptr);
  std::sort(log_numbers.begin(), log_numbers.end());
  if (auto status = replay_logs(log_numbers); !status) return status;
  // The replayed writes go to a table, so the old logs can go.
  if (auto status = flush_memtable(); !status) return status;
  return maybe_compact();
}

Status Db::replay_logs(const std::vector<std::uint64_t>& log_numbers) {
  for (std::uint64_t number : log_numbers) {
    std::string path = path_of(wal_file_name(number));
    auto replay = replay_wal(fs_, path);
    if (!replay) return tl::unexpected(replay.error());
    if (replay->torn_tail) {
      ++counters_.torn_wal_tail_count;
      counters_.torn_wal_tail_last =
          fmt::format("{}: offset {}: {}", path, replay->torn_tail->offset, replay->torn_tail->reason);
    }
    for (const WalRecord& record : replay->records) {
      auto decoded = decode_write_batch(record.payload);
      if (!decoded)
        return make_error(ErrorCode::corruption,
                          fmt::format("{}: offset {}: {}", path, record.offset, decoded.error().message));
      if (decoded->first_sequence <= last_sequence_)
        return make_error(ErrorCode::corruption,
                          fmt::format("{}: offset {}: sequence {} is not after {}", path, record.offset,
                                      decoded->first_sequence, last_sequence_));
      std::uint64_t sequence = decoded->first_sequence;
      decoded->batch.for_each([&](const WriteBatch::Operation& operation) {
        if (operation.kind == EntryKind::value) {
          memtable_->put(operation.key, operation.value, sequence++);
        } else {
          memtable_->remove(operation.key, sequence++);
        }
      });
      last_sequence_ = sequence - 1;
    }
  }
  return {};
}

Result<std::shared_ptr<TableReader>> Db::open_table(const TableMeta& table) {
  std::string path = path_of(table_file_name(table.file_number));
  auto size_bytes = fs_.file_size(path);
  if (!size_bytes) {
    if (size_bytes.error().code == ErrorCode::not_found)
      return make_error(ErrorCode::corruption, fmt::format("{}: offset 0: table named in the manifest is missing", path));
    return tl::unexpected(size_bytes.error());
  }
  if (*size_bytes != table.file_size_bytes)
    return make_error(ErrorCode::corruption,
                      fmt::format("{}: offset {}: file is {} bytes but the manifest says {} (truncated?)", path,
                                  std::min(*size_bytes, table.file_size_bytes), *size_bytes, table.file_size_bytes));
  auto reader = TableReader::open(fs_, path);
  if (!reader) return tl::unexpected(reader.error());
  if ((*reader)->entry_count() != table.entry_count)
    return make_error(ErrorCode::corruption,
                      fmt::format("{}: offset {}: table holds {} entries but the manifest says {}", path,
                                  *size_bytes - table_footer_size_bytes, (*reader)->entry_count(), table.entry_count));
  return std::move(*reader);
}

}  // namespace bftsim
