// Memtable: the newest writes, in memory, ordered by key, until a flush
// writes them to a level-0 table. Keeps one version per key (the newest:
// the LSM has no snapshots), a tombstone for a delete, and an approximate
// memory size so the Db knows when to flush. Keys, values and map nodes all
// live in one arena (a monotonic buffer) that clear() releases at once: a
// put costs no heap allocation of its own, and a flush no per-entry frees.
// Not copyable or movable (the map points into the arena).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <memory_resource>
#include <string_view>

#include "core/storage/entry.h"

namespace bftsim {

// One key's newest version; `value` points into the memtable's arena.
struct MemtableEntry {
  std::uint64_t sequence = 0;
  EntryKind kind = EntryKind::value;
  std::string_view value;        // empty for a tombstone
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
  // Drops every entry and releases the arena.
  void clear();

  // The newest entry for `key` (possibly a tombstone), or nullptr. Valid
  // until the memtable changes.
  const MemtableEntry* find(std::string_view key) const;

  bool empty() const { return entries_.empty(); }
  std::size_t entry_count() const { return entries_.size(); }
  // Live keys + values + a fixed overhead per entry; what flush thresholds
  // use. A rewrite with a longer value leaves the old bytes unused in the
  // arena until clear(); each rewrite also appends at least its value to the
  // WAL, so that waste stays below the WAL's size limit, which flushes.
  std::size_t size_bytes() const { return size_bytes_; }

  // Iterates the entries; invalid once the memtable changes.
  std::unique_ptr<EntryIterator> iterator() const;

  using Map = std::pmr::map<std::string_view, MemtableEntry, std::less<>>;

 private:
  void add(std::string_view key, EntryKind kind, std::string_view value, std::uint64_t sequence);
  // A copy of `bytes` in the arena.
  std::string_view store(std::string_view bytes);

  // Declared before entries_: the map's nodes live in it.
  std::pmr::monotonic_buffer_resource arena_{arena_chunk_size_bytes};
  Map entries_{&arena_};
  std::size_t size_bytes_ = 0;
  std::uint64_t last_sequence_ = 0;

  static constexpr std::size_t arena_chunk_size_bytes = 64u << 10;
};

}  // namespace bftsim
