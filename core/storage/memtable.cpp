// Memtable over an arena-backed std::pmr::map; see memtable.h.
#include "core/storage/memtable.h"

#include <cstring>

#include "core/types/assert.h"

namespace bftsim {
namespace {

// Roughly a map node plus an entry, so small entries are not undercounted.
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
  add(key, EntryKind::value, value, sequence);
}

void Memtable::remove(std::string_view key, std::uint64_t sequence) { add(key, EntryKind::tombstone, {}, sequence); }

void Memtable::clear() {
  entries_.clear();
  arena_.release();
  size_bytes_ = 0;
}

std::string_view Memtable::store(std::string_view bytes) {
  if (bytes.empty()) return {};
  auto* copy = static_cast<char*>(arena_.allocate(bytes.size(), 1));
  std::memcpy(copy, bytes.data(), bytes.size());
  return {copy, bytes.size()};
}

void Memtable::add(std::string_view key, EntryKind kind, std::string_view value, std::uint64_t sequence) {
  BFTSIM_ASSERT(sequence > last_sequence_);
  BFTSIM_ASSERT(kind == EntryKind::value || value.empty());
  last_sequence_ = sequence;
  auto it = entries_.lower_bound(key);
  if (it == entries_.end() || it->first != key) {
    size_bytes_ += key.size() + value.size() + entry_overhead_bytes;
    std::string_view stored = store(value);
    entries_.emplace_hint(it, store(key), MemtableEntry{sequence, kind, stored, stored.size()});
    return;
  }
  MemtableEntry& entry = it->second;
  BFTSIM_ASSERT(size_bytes_ >= entry.value.size());
  size_bytes_ = size_bytes_ - entry.value.size() + value.size();
  // A value that fits where the old one was is written over it (the
  // memtable promises no view past a change); a longer one gets new bytes.
  if (value.size() <= entry.value_capacity_bytes) {
    char* bytes = const_cast<char*>(entry.value.data());
    if (!value.empty()) std::memmove(bytes, value.data(), value.size());
    entry.value = {bytes, value.size()};
  } else {
    entry.value = store(value);
    entry.value_capacity_bytes = value.size();
  }
  entry.sequence = sequence;
  entry.kind = kind;
}

const MemtableEntry* Memtable::find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::unique_ptr<EntryIterator> Memtable::iterator() const { return std::make_unique<MemtableIterator>(entries_); }

}  // namespace bftsim
