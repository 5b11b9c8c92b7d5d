// MemoryKvStore: a KvStore kept in a hash table in memory; nothing is
// durable. The table's transparent hash lets string_view keys look up without
// building a std::string. for_each sorts the keys first, so nothing outside
// sees the hash order. A hash table, not a std::map: every replica applies
// every request, and at n = 1,000 the map's tree walk was a cache miss per
// level, 9% of the run. Single-threaded, like the rest of core/.
#pragma once

#include <cstddef>
#include <functional>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>

#include "core/kv/kv_store.h"

namespace bftsim {

class MemoryKvStore final : public KvStore {
 public:
  std::optional<std::string> get(std::string_view key) const override;
  void put(std::string_view key, std::string_view value) override;
  bool erase(std::string_view key) override;
  std::size_t size() const override;
  void for_each(const std::function<void(std::string_view, std::string_view)>& visit) const override;

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  std::unordered_map<std::string, std::string, KeyHash, std::equal_to<>> entries_;
};

}  // namespace bftsim
