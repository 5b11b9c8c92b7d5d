// MemoryKvStore: see memory_kv_store.h.
#include "core/kv/memory_kv_store.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace bftsim {

std::optional<std::string> MemoryKvStore::get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void MemoryKvStore::put(std::string_view key, std::string_view value) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(std::string(key), std::string(value));
  } else {
    it->second.assign(value);
  }
}

bool MemoryKvStore::erase(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::size_t MemoryKvStore::size() const { return entries_.size(); }

void MemoryKvStore::for_each(
    const std::function<void(std::string_view, std::string_view)>& visit) const {
  std::vector<const std::pair<const std::string, std::string>*> sorted;
  sorted.reserve(entries_.size());
  for (const auto& entry : entries_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : sorted) visit(entry->first, entry->second);
}

}  // namespace bftsim
