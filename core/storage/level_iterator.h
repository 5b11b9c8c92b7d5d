// LevelIterator: one sorted stream over the tables of one level >= 1, whose
// key ranges are disjoint and given in ascending key order. It opens a
// table's iterator only when the stream reaches that table, so a short scan
// of a level of many tables reads a block or two, not one block per table.
// Shares the tables (shared_ptr); a level holds one version per key. One
// TableIterator, held by value, moves from table to table, so the per-entry
// calls are direct and its block buffers are reused.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/storage/entry.h"
#include "core/storage/table_reader.h"

namespace bftsim {

class LevelIterator final : public EntryIterator {
 public:
  // Requires: each table's keys all below the next table's.
  explicit LevelIterator(std::vector<std::shared_ptr<const TableReader>> tables);

  bool valid() const override { return open_ && current_->valid(); }
  void seek(std::string_view key) override;
  void seek_to_first() override;
  void next() override;
  std::string_view key() const override { return current_->key(); }
  std::uint64_t sequence() const override { return current_->sequence(); }
  EntryKind kind() const override { return current_->kind(); }
  std::string_view value() const override { return current_->value(); }
  Status status() const override { return open_ ? current_->status() : Status{}; }

 private:
  // Opens tables_[table_index] (none past the end).
  void open(std::size_t table_index);
  // Moves on to the next tables while the current one is used up.
  void skip_exhausted();

  std::vector<std::shared_ptr<const TableReader>> tables_;
  std::size_t table_index_ = 0;
  std::optional<TableIterator> current_;  // created at the first open, then reset
  bool open_ = false;                     // current_ is on tables_[table_index_]
};

}  // namespace bftsim
