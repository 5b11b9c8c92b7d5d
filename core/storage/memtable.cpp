// Memtable over std::map; see memtable.h.
#include "core/storage/memtable.h"

#include "core/types/assert.h"

namespace bftsim {
namespace {

// Roughly a map node plus an Entry, so small entries are not undercounted.
constexpr std::size_t entry_overhead_bytes = 64;

class MemtableIterator final : public EntryIterator {
 public:
  explicit MemtableIterator(const Memtable::Map& entries) : entries_(entries), it_(entries.begin()) {}
  bool valid() const override { return it_ != entries_.end(); }
  void seek(std::string_view key) override { it_ = entries_.lower_bound(key); }
  void seek_to_first() override { it_ = entries_.begin(); }
  void next() override {
    BFTSIM_ASSERT(valid());
    ++it_;
  }
  std::string_view key() const override { return it_->first; }
  std::uint64_t sequence() const override { return it_->second.sequence; }
  EntryKind kind() const override { return it_->second.kind; }
  std::string_view value() const override { return it_->second.value; }
  Status status() const override { return {}; }

 private:
  const Memtable::Map& entries_;
  Memtable::Map::const_iterator it_;
};

}  // namespace

void Memtable::put(std::string_view key, std::string_view value, std::uint64_t sequence) {
  add(key, Entry{sequence, EntryKind::value, std::string(value)});
}

void Memtable::remove(std::string_view key, std::uint64_t sequence) {
  add(key, Entry{sequence, EntryKind::tombstone, {}});
}

void Memtable::add(std::string_view key, Entry entry) {
  BFTSIM_ASSERT(entry.sequence > last_sequence_);
  last_sequence_ = entry.sequence;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    size_bytes_ += key.size() + entry.value.size() + entry_overhead_bytes;
    entries_.emplace(std::string(key), std::move(entry));
    return;
  }
  BFTSIM_ASSERT(size_bytes_ >= it->second.value.size());
  size_bytes_ = size_bytes_ - it->second.value.size() + entry.value.size();
  it->second = std::move(entry);
}

const Entry* Memtable::find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::unique_ptr<EntryIterator> Memtable::iterator() const { return std::make_unique<MemtableIterator>(entries_); }

}  // namespace bftsim
