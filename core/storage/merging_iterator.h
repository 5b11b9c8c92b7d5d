// MergingIterator: one sorted stream over several EntryIterators (memtable
// and tables). For equal keys it yields the higher sequence first, so the
// first entry of each key is its newest version; callers skip the rest.
// Owns its children. Linear in the child count per step: the Db has tens of
// tables, not thousands.
#pragma once

#include <memory>
#include <vector>

#include "core/storage/entry.h"

namespace bftsim {

class MergingIterator final : public EntryIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<EntryIterator>> children) : children_(std::move(children)) {}

  bool valid() const override { return current_ != nullptr; }
  void seek(std::string_view key) override;
  void seek_to_first() override;
  void next() override;
  std::string_view key() const override { return current_->key(); }
  std::uint64_t sequence() const override { return current_->sequence(); }
  EntryKind kind() const override { return current_->kind(); }
  std::string_view value() const override { return current_->value(); }
  // The first error of any child.
  Status status() const override;

 private:
  void pick_current();

  std::vector<std::unique_ptr<EntryIterator>> children_;
  EntryIterator* current_ = nullptr;
};

}  // namespace bftsim
