// MergingIterator; see merging_iterator.h.
#include "core/storage/merging_iterator.h"

#include "core/types/assert.h"

namespace bftsim {

void MergingIterator::seek(std::string_view key) {
  for (auto& child : children_) child->seek(key);
  pick_current();
}

void MergingIterator::seek_to_first() {
  for (auto& child : children_) child->seek_to_first();
  pick_current();
}

void MergingIterator::next() {
  BFTSIM_ASSERT(valid());
  current_->next();
  pick_current();
}

Status MergingIterator::status() const {
  for (const auto& child : children_)
    if (auto status = child->status(); !status) return status;
  return {};
}

void MergingIterator::pick_current() {
  current_ = nullptr;
  // A child that failed stops the whole merge: an entry it would have hidden
  // (a newer tombstone) must not show through.
  for (auto& child : children_)
    if (!child->status()) return;
  for (auto& child : children_) {
    if (!child->valid()) continue;
    if (current_ == nullptr) {
      current_ = child.get();
      continue;
    }
    int order = child->key().compare(current_->key());
    if (order < 0 || (order == 0 && child->sequence() > current_->sequence())) current_ = child.get();
  }
}

}  // namespace bftsim
