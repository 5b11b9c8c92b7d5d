// Memtable: an insertion-ordered slot list behind a hash index, sorted on
// demand; see memtable.h.
#include "core/storage/memtable.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "core/storage/key_order.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

// Roughly a map node plus an entry, so small entries are not undercounted.
constexpr std::size_t entry_overhead_bytes = 64;

std::uint64_t hash_key(std::string_view key) { return std::hash<std::string_view>{}(key); }

class MemtableIterator final : public EntryIterator {
 public:
  MemtableIterator(const std::vector<Memtable::Slot>& slots, const std::vector<std::uint32_t>& sorted)
      : slots_(slots), sorted_(sorted) {}
  bool valid() const override { return position_ < sorted_.size(); }
  void seek(std::string_view key) override {
    auto it = std::partition_point(sorted_.begin(), sorted_.end(),
                                   [&](std::uint32_t slot) { return compare_keys(slots_[slot].key, key) < 0; });
    position_ = static_cast<std::size_t>(it - sorted_.begin());
  }
  void seek_to_first() override { position_ = 0; }
  void next() override {
    BFTSIM_ASSERT(valid());
    ++position_;
  }
  std::string_view key() const override { return slot().key; }
  std::uint64_t sequence() const override { return slot().entry.sequence; }
  EntryKind kind() const override { return slot().entry.kind; }
  std::string_view value() const override { return slot().entry.value; }
  Status status() const override { return {}; }

 private:
  const Memtable::Slot& slot() const { return slots_[sorted_[position_]]; }

  const std::vector<Memtable::Slot>& slots_;
  const std::vector<std::uint32_t>& sorted_;
  std::size_t position_ = 0;
};

}  // namespace

void Memtable::put(std::string_view key, std::string_view value, std::uint64_t sequence) {
  add(key, EntryKind::value, value, sequence);
}

void Memtable::remove(std::string_view key, std::uint64_t sequence) { add(key, EntryKind::tombstone, {}, sequence); }

void Memtable::clear() {
  slots_.clear();
  std::fill(index_.begin(), index_.end(), 0);
  sorted_.clear();
  key_arena_.release();
  value_arena_.release();
  size_bytes_ = 0;
}

std::string_view Memtable::store(std::pmr::monotonic_buffer_resource& arena, std::string_view bytes) {
  if (bytes.empty()) return {};
  auto* copy = static_cast<char*>(arena.allocate(bytes.size(), 1));
  std::memcpy(copy, bytes.data(), bytes.size());
  return {copy, bytes.size()};
}

namespace {

constexpr std::uint64_t hash_tag_mask = 0xffff'ffff'0000'0000ull;

std::uint32_t slot_of(std::uint64_t index_entry) { return static_cast<std::uint32_t>(index_entry); }

}  // namespace

std::size_t Memtable::probe(std::uint64_t hash, std::string_view key) const {
  BFTSIM_ASSERT(!index_.empty());
  const std::size_t mask = index_.size() - 1;
  const std::uint64_t tag = hash & hash_tag_mask;
  for (std::size_t position = hash & mask;; position = (position + 1) & mask) {
    const std::uint64_t entry = index_[position];
    if (entry == 0) return position;
    if ((entry & hash_tag_mask) != tag) continue;
    const Slot& candidate = slots_[slot_of(entry) - 1];
    if (candidate.hash == hash && candidate.key == key) return position;
  }
}

void Memtable::grow_index() {
  index_.assign(std::max<std::size_t>(16, index_.size() * 2), 0);
  const std::size_t mask = index_.size() - 1;
  for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
    const std::uint64_t hash = slots_[slot].hash;
    std::size_t position = hash & mask;
    while (index_[position] != 0) position = (position + 1) & mask;
    index_[position] = (hash & hash_tag_mask) | (slot + 1);
  }
}

void Memtable::add(std::string_view key, EntryKind kind, std::string_view value, std::uint64_t sequence) {
  BFTSIM_ASSERT(sequence > last_sequence_);
  BFTSIM_ASSERT(kind == EntryKind::value || value.empty());
  last_sequence_ = sequence;
  const std::uint64_t hash = hash_key(key);
  // At most half full after this add, so probes stay short and end.
  if ((slots_.size() + 1) * 2 > index_.size()) grow_index();
  const std::size_t position = probe(hash, key);
  if (index_[position] == 0) {
    BFTSIM_ASSERT(slots_.size() < UINT32_MAX);
    size_bytes_ += key.size() + value.size() + entry_overhead_bytes;
    const std::string_view stored = store(value_arena_, value);
    slots_.push_back(Slot{hash, store(key_arena_, key), MemtableEntry{sequence, kind, stored, stored.size()}});
    index_[position] = (hash & hash_tag_mask) | slots_.size();
    return;
  }
  MemtableEntry& entry = slots_[slot_of(index_[position]) - 1].entry;
  BFTSIM_ASSERT(size_bytes_ >= entry.value.size());
  size_bytes_ = size_bytes_ - entry.value.size() + value.size();
  // A value that fits where the old one was is written over it (the
  // memtable promises no view past a change); a longer one gets new bytes.
  if (value.size() <= entry.value_capacity_bytes) {
    char* bytes = const_cast<char*>(entry.value.data());
    if (!value.empty()) std::memmove(bytes, value.data(), value.size());
    entry.value = {bytes, value.size()};
  } else {
    entry.value = store(value_arena_, value);
    entry.value_capacity_bytes = value.size();
  }
  entry.sequence = sequence;
  entry.kind = kind;
}

const MemtableEntry* Memtable::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  const std::uint32_t slot = slot_of(index_[probe(hash_key(key), key)]);
  return slot == 0 ? nullptr : &slots_[slot - 1].entry;
}

void Memtable::sort_new_keys() const {
  const std::size_t sorted_count = sorted_.size();
  if (sorted_count == slots_.size()) return;
  for (std::size_t slot = sorted_count; slot < slots_.size(); ++slot) sorted_.push_back(static_cast<std::uint32_t>(slot));
  auto by_key = [&](std::uint32_t a, std::uint32_t b) { return compare_keys(slots_[a].key, slots_[b].key) < 0; };
  const auto middle = sorted_.begin() + static_cast<std::ptrdiff_t>(sorted_count);
  std::sort(middle, sorted_.end(), by_key);
  std::inplace_merge(sorted_.begin(), middle, sorted_.end(), by_key);
}

std::unique_ptr<EntryIterator> Memtable::iterator() const {
  sort_new_keys();
  return std::make_unique<MemtableIterator>(slots_, sorted_);
}

}  // namespace bftsim
