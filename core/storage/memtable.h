// Memtable: the newest writes, in memory, ordered by key, until a flush
// writes them to a level-0 table. Keeps one version per key (the newest:
// the LSM has no snapshots), a tombstone for a delete, and an approximate
// memory size so the Db knows when to flush. Owns its keys and values.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/storage/entry.h"

namespace bftsim {

class Memtable {
 public:
  // Requires: sequence greater than every sequence added before.
  void put(std::string_view key, std::string_view value, std::uint64_t sequence);
  void remove(std::string_view key, std::uint64_t sequence);

  // The newest entry for `key` (possibly a tombstone), or nullptr.
  const Entry* find(std::string_view key) const;

  bool empty() const { return entries_.empty(); }
  std::size_t entry_count() const { return entries_.size(); }
  // Keys + values + a fixed overhead per entry; what flush thresholds use.
  std::size_t size_bytes() const { return size_bytes_; }

  // Iterates the entries; invalid once the memtable changes.
  std::unique_ptr<EntryIterator> iterator() const;

  using Map = std::map<std::string, Entry, std::less<>>;
  const Map& entries() const { return entries_; }

 private:
  void add(std::string_view key, Entry entry);

  Map entries_;
  std::size_t size_bytes_ = 0;
  std::uint64_t last_sequence_ = 0;
};

}  // namespace bftsim
