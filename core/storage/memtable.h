// Memtable: the newest writes, in memory, until a flush writes them to a
// level-0 table. Keeps one version per key (the newest: the LSM has no
// snapshots), a tombstone for a delete, and an approximate memory size so
// the Db knows when to flush. Keys and values live in arenas (monotonic
// buffers) that clear() releases at once.
// Shape: writes and point reads far outnumber ordered reads (a flush, a
// scan), so entries sit in insertion order behind an open-addressing hash
// index: a put or find costs a hash and a probe or two, not ~20 key compares
// down a tree of scattered nodes. Key order is built only when an iterator
// asks for it, by sorting the keys added since the last ordered read and
// merging them into the order kept from then; it stays valid across
// updates of existing keys. Not copyable or movable (views into the arena).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "core/storage/entry.h"

namespace bftsim {

// One key's newest version.
struct MemtableEntry {
  std::uint64_t sequence = 0;
  EntryKind kind = EntryKind::value;
  std::string_view value;        // in the value arena; empty for a tombstone
  std::size_t value_capacity_bytes = 0;  // arena bytes reserved at value.data()
};

class Memtable {
 public:
  Memtable() = default;
  Memtable(const Memtable&) = delete;
  Memtable& operator=(const Memtable&) = delete;

  // Requires: sequence greater than every sequence added before.
  void put(std::string_view key, std::string_view value, std::uint64_t sequence);
  void remove(std::string_view key, std::uint64_t sequence);
  // Drops every entry and releases the arena (the index keeps its capacity).
  void clear();

  // The newest entry for `key` (possibly a tombstone), or nullptr. Valid
  // until the memtable changes.
  const MemtableEntry* find(std::string_view key) const;

  bool empty() const { return slots_.empty(); }
  std::size_t entry_count() const { return slots_.size(); }
  // Live keys + values + a fixed overhead per entry; what flush thresholds
  // use. A rewrite with a longer value leaves the old bytes unused in the
  // arena until clear(); each rewrite also appends at least its value to the
  // WAL, so that waste stays below the WAL's size limit, which flushes.
  std::size_t size_bytes() const { return size_bytes_; }

  // Iterates the entries in key order; invalid once the memtable changes.
  std::unique_ptr<EntryIterator> iterator() const;

  // One key and its entry; slots_ holds them in insertion order.
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view key;  // in key_arena_
    MemtableEntry entry;
  };

 private:
  void add(std::string_view key, EntryKind kind, std::string_view value, std::uint64_t sequence);
  // A copy of `bytes` in `arena`.
  static std::string_view store(std::pmr::monotonic_buffer_resource& arena, std::string_view bytes);
  // The index_ position holding `key` or, when absent, the empty one where it would go.
  std::size_t probe(std::uint64_t hash, std::string_view key) const;
  // Doubles index_ (at least 16 positions) and re-inserts every slot.
  void grow_index();
  // Brings sorted_ up to date with slots_.
  void sort_new_keys() const;

  // Keys and values in separate arenas: keys stay dense, so the key compare
  // that ends a probe touches memory shared with other keys, not a line
  // between two large values.
  std::pmr::monotonic_buffer_resource key_arena_{key_arena_chunk_size_bytes};
  std::pmr::monotonic_buffer_resource value_arena_{value_arena_chunk_size_bytes};
  std::vector<Slot> slots_;
  // Open addressing with linear probing, a power-of-two size, at most half
  // full: each position holds 0 when empty, else the key's hash in the high
  // 32 bits and its slot number + 1 in the low 32, so a probe passes over
  // other keys without touching their slots (a cache miss each).
  std::vector<std::uint64_t> index_;
  // Slot numbers in key order: all of slots_ up to sorted_.size(); the
  // slots added after are merged in by the next iterator().
  mutable std::vector<std::uint32_t> sorted_;
  std::size_t size_bytes_ = 0;
  std::uint64_t last_sequence_ = 0;

  static constexpr std::size_t key_arena_chunk_size_bytes = 16u << 10;
  static constexpr std::size_t value_arena_chunk_size_bytes = 64u << 10;
};

}  // namespace bftsim
