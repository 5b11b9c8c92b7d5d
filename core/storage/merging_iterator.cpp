// MergingIterator; see merging_iterator.h.
#include "core/storage/merging_iterator.h"

#include "core/storage/key_order.h"
#include "core/types/assert.h"

namespace bftsim {

MergingIterator::MergingIterator(std::vector<std::unique_ptr<EntryIterator>> children) {
  children_.reserve(children.size());
  for (auto& child : children) children_.push_back(Child{.iterator = std::move(child), .valid = false, .failed = false, .key = {}});
}

void MergingIterator::refresh(Child& child) {
  child.valid = child.iterator->valid();
  // A failed child is never valid, so only an exhausted one needs asking.
  child.failed = !child.valid && !child.iterator->status();
  if (child.valid) child.key = child.iterator->key();
}

void MergingIterator::seek(std::string_view key) {
  for (Child& child : children_) {
    child.iterator->seek(key);
    refresh(child);
  }
  pick_current();
}

void MergingIterator::seek_to_first() {
  for (Child& child : children_) {
    child.iterator->seek_to_first();
    refresh(child);
  }
  pick_current();
}

void MergingIterator::next() {
  BFTSIM_ASSERT(valid());
  // Older versions of the current key sit at the front of other children:
  // move those past it first, while current_->key still views a live key.
  for (Child& child : children_) {
    if (&child == current_ || !child.valid || child.key != current_->key) continue;
    child.iterator->next();
    refresh(child);
  }
  current_->iterator->next();
  refresh(*current_);
  pick_current();
}

Status MergingIterator::status() const {
  for (const Child& child : children_)
    if (auto status = child.iterator->status(); !status) return status;
  return {};
}

void MergingIterator::pick_current() {
  current_ = nullptr;
  Child* best = nullptr;
  for (Child& child : children_) {
    // A child that failed stops the whole merge: an entry it would have
    // hidden (a newer tombstone) must not show through.
    if (child.failed) return;
    if (!child.valid) continue;
    int order = best == nullptr ? -1 : compare_keys(child.key, best->key);
    if (order < 0 || (order == 0 && child.iterator->sequence() > best->iterator->sequence())) best = &child;
  }
  current_ = best;
}

}  // namespace bftsim
