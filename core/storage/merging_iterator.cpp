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
  EntryIterator* best = nullptr;
  std::string_view best_key;
  for (auto& child : children_) {
    if (!child->valid()) {
      // A child that failed stops the whole merge: an entry it would have
      // hidden (a newer tombstone) must not show through. A failed child is
      // never valid, so only the exhausted ones need asking.
      if (!child->status()) return;
      continue;
    }
    std::string_view key = child->key();
    int order = best == nullptr ? -1 : key.compare(best_key);
    if (order < 0 || (order == 0 && child->sequence() > best->sequence())) {
      best = child.get();
      best_key = key;
    }
  }
  current_ = best;
}

}  // namespace bftsim
