// MergingIterator: one sorted stream over several EntryIterators (memtable
// and tables), yielding each key once, in its newest version (the highest
// sequence among the children that hold it); the older versions are
// skipped. Requires that each child holds at most one entry per key (true of
// the memtable, a table and a level). Owns its children. Each child's
// current key is cached, so a step compares cached keys and calls only the
// children it moves; linear in the child count per step: the Db has tens of
// tables, not thousands.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/storage/entry.h"

namespace bftsim {

class MergingIterator final : public EntryIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<EntryIterator>> children);

  bool valid() const override { return current_ != nullptr; }
  void seek(std::string_view key) override;
  void seek_to_first() override;
  void next() override;
  std::string_view key() const override { return current_->key; }
  std::uint64_t sequence() const override { return current_->iterator->sequence(); }
  EntryKind kind() const override { return current_->iterator->kind(); }
  std::string_view value() const override { return current_->iterator->value(); }
  // The first error of any child.
  Status status() const override;

 private:
  struct Child {
    std::unique_ptr<EntryIterator> iterator;
    bool valid = false;
    bool failed = false;   // stopped by an error (status() not ok)
    std::string_view key;  // the iterator's key while valid
  };
  // Re-reads a child's state after it moved.
  static void refresh(Child& child);
  void pick_current();

  std::vector<Child> children_;
  Child* current_ = nullptr;
};

}  // namespace bftsim
