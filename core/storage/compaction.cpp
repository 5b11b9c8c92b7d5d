// Leveled compaction: picking inputs, merging them, writing output tables.
// See compaction.h for why leveled.
#include "core/storage/compaction.h"

#include <algorithm>

#include "core/storage/file_names.h"
#include "core/storage/level_iterator.h"
#include "core/storage/merging_iterator.h"
#include "core/storage/table_builder.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

bool overlaps(const TableMeta& table, std::string_view smallest, std::string_view largest) {
  return !(table.largest_key < smallest || table.smallest_key > largest);
}

std::vector<TableMeta> overlapping(const ManifestState& state, int level, std::string_view smallest,
                                   std::string_view largest) {
  std::vector<TableMeta> out;
  for (const TableMeta& table : state.tables)
    if (table.level == level && overlaps(table, smallest, largest)) out.push_back(table);
  return out;
}

CompactionPick with_next_inputs(const ManifestState& state, int level, std::vector<TableMeta> level_inputs) {
  BFTSIM_ASSERT(!level_inputs.empty());
  std::string smallest = level_inputs.front().smallest_key;
  std::string largest = level_inputs.front().largest_key;
  for (const TableMeta& table : level_inputs) {
    smallest = std::min(smallest, table.smallest_key);
    largest = std::max(largest, table.largest_key);
  }
  CompactionPick pick{level, std::move(level_inputs), overlapping(state, level + 1, smallest, largest)};
  return pick;
}

}  // namespace

std::vector<TableMeta> tables_at(const ManifestState& state, int level) {
  std::vector<TableMeta> out;
  for (const TableMeta& table : state.tables)
    if (table.level == level) out.push_back(table);
  return out;
}

std::uint64_t level_size_bytes(const ManifestState& state, int level) {
  std::uint64_t total = 0;
  for (const TableMeta& table : state.tables)
    if (table.level == level) total += table.file_size_bytes;
  return total;
}

CompactionPick pick_whole_level(const ManifestState& state, int level) {
  return with_next_inputs(state, level, tables_at(state, level));
}

std::optional<CompactionPick> pick_compaction(const ManifestState& state, const DbOptions& options,
                                              std::vector<std::string>& compact_pointers) {
  BFTSIM_ASSERT(options.level_count >= 2 && options.level_count <= manifest_level_count_max);
  compact_pointers.resize(static_cast<std::size_t>(options.level_count));
  if (static_cast<int>(tables_at(state, 0).size()) >= options.level0_table_count_max)
    return pick_whole_level(state, 0);
  std::uint64_t size_bytes_max = options.level1_size_bytes_max;
  for (int level = 1; level + 1 < options.level_count; ++level) {
    if (level_size_bytes(state, level) > size_bytes_max) {
      // Tables are sorted by smallest key; take the first after the pointer,
      // wrapping around, so every part of the key space gets its turn.
      std::vector<TableMeta> tables = tables_at(state, level);
      std::string& pointer = compact_pointers[static_cast<std::size_t>(level)];
      auto it = std::find_if(tables.begin(), tables.end(),
                             [&](const TableMeta& table) { return table.smallest_key > pointer; });
      if (it == tables.end()) it = tables.begin();
      pointer = it->largest_key;
      return with_next_inputs(state, level, {*it});
    }
    size_bytes_max *= static_cast<std::uint64_t>(options.level_size_multiplier);
  }
  return std::nullopt;
}

Result<std::vector<TableMeta>> write_tables(TableSink sink, EntryIterator& input, int level,
                                            std::uint64_t table_size_bytes,
                                            const std::function<bool(std::string_view)>& drop_tombstone) {
  std::vector<TableMeta> outputs;
  std::unique_ptr<TableBuilder> builder;
  std::uint64_t file_number = 0;
  auto finish = [&]() -> Status {
    auto info = builder->finish();
    builder.reset();
    if (!info) return tl::unexpected(info.error());
    outputs.push_back(TableMeta{level, file_number, info->file_size_bytes, info->entry_count,
                                std::move(info->smallest_key), std::move(info->largest_key)});
    return {};
  };
  for (; input.valid(); input.next()) {
    const std::string_view key = input.key();
    if (input.kind() == EntryKind::tombstone && drop_tombstone(key)) continue;
    if (!builder) {
      file_number = sink.next_file_number++;
      std::string path = join_path(sink.dir, table_file_name(file_number));
      auto file = sink.fs.open_writable(path, OpenMode::truncate);
      if (!file) return tl::unexpected(file.error());
      builder = std::make_unique<TableBuilder>(path, std::move(*file), sink.options.table);
    }
    if (auto status = builder->add(key, input.sequence(), input.kind(), input.value()); !status)
      return tl::unexpected(status.error());
    if (builder->estimated_size_bytes() >= table_size_bytes)
      if (auto status = finish(); !status) return tl::unexpected(status.error());
  }
  if (auto status = input.status(); !status) return tl::unexpected(status.error());
  if (builder)
    if (auto status = finish(); !status) return tl::unexpected(status.error());
  return outputs;
}

Result<std::vector<TableMeta>> run_compaction(TableSink sink, const CompactionPick& pick, const ManifestState& state,
                                              const std::map<std::uint64_t, std::shared_ptr<TableReader>>& readers) {
  int output_level = pick.level + 1;
  BFTSIM_ASSERT(output_level < sink.options.level_count);
  auto reader_of = [&](const TableMeta& table) {
    auto reader = readers.find(table.file_number);
    BFTSIM_ASSERT(reader != readers.end());
    return reader->second;
  };
  // Each input of `level` is a child of the merge (level-0 tables overlap);
  // the inputs from level + 1 are disjoint and sorted by smallest key, so
  // they form one child that reads its tables in turn, which keeps the
  // merge's per-entry work at a handful of children.
  std::vector<std::unique_ptr<EntryIterator>> children;
  for (const TableMeta& table : pick.level_inputs) children.push_back(reader_of(table)->iterator());
  if (!pick.next_inputs.empty()) {
    std::vector<std::shared_ptr<const TableReader>> next_tables;
    for (const TableMeta& table : pick.next_inputs) next_tables.push_back(reader_of(table));
    children.push_back(std::make_unique<LevelIterator>(std::move(next_tables)));
  }
  MergingIterator merged(std::move(children));
  merged.seek_to_first();
  // Older versions of a key can only live in levels below the output level:
  // every newer level either fed this compaction or holds newer data.
  std::vector<const TableMeta*> deeper;
  for (const TableMeta& table : state.tables)
    if (table.level > output_level) deeper.push_back(&table);
  auto drop_tombstone = [&](std::string_view key) {
    for (const TableMeta* table : deeper)
      if (overlaps(*table, key, key)) return false;
    return true;
  };
  return write_tables(sink, merged, output_level, sink.options.table_size_bytes_target, drop_tombstone);
}

}  // namespace bftsim
