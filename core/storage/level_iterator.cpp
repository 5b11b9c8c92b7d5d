// LevelIterator; see level_iterator.h.
#include "core/storage/level_iterator.h"

#include <algorithm>

#include "core/types/assert.h"

namespace bftsim {
namespace {

// A table's largest key is the last key of its last block ("" when empty).
std::string_view largest_key(const TableReader& table) {
  return table.index().empty() ? std::string_view{} : std::string_view(table.index().back().last_key);
}

}  // namespace

LevelIterator::LevelIterator(std::vector<std::shared_ptr<const TableReader>> tables) : tables_(std::move(tables)) {
  for (std::size_t i = 1; i < tables_.size(); ++i)
    BFTSIM_ASSERT(tables_[i]->index().empty() || largest_key(*tables_[i - 1]) < tables_[i]->index().front().last_key);
}

void LevelIterator::open(std::size_t table_index) {
  table_index_ = table_index;
  open_ = table_index < tables_.size();
  if (!open_) return;
  if (current_) {
    current_->reset(tables_[table_index]);
  } else {
    current_.emplace(tables_[table_index]);
  }
}

void LevelIterator::seek(std::string_view key) {
  // The first table whose largest key is >= key; earlier tables hold only smaller keys.
  auto it = std::partition_point(tables_.begin(), tables_.end(),
                                 [&](const auto& table) { return largest_key(*table) < key; });
  open(static_cast<std::size_t>(it - tables_.begin()));
  if (open_) current_->seek(key);
  skip_exhausted();
}

void LevelIterator::seek_to_first() {
  open(0);
  if (open_) current_->seek_to_first();
  skip_exhausted();
}

void LevelIterator::next() {
  BFTSIM_ASSERT(valid());
  current_->next();
  skip_exhausted();
}

void LevelIterator::skip_exhausted() {
  // An error stops here: status() reports it and valid() is false.
  while (open_ && !current_->valid() && current_->status()) {
    open(table_index_ + 1);
    if (open_) current_->seek_to_first();
  }
}

}  // namespace bftsim
