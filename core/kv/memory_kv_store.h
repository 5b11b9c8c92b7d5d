// MemoryKvStore: a KvStore kept in an ordered std::map in memory; nothing is
// durable. The map's transparent comparator lets string_view keys look up
// without building a std::string. Single-threaded, like the rest of core/.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
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
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace bftsim
