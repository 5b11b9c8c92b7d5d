// KvStore: the narrow storage interface the KV state machine writes through:
// MemoryKvStore in memory, or core/node's LsmKvStore over the LSM. Calls are
// infallible here on purpose: a store that can fail (I/O, a checksum) records
// its first error, reads then return nothing, and the Node checks the error
// before anything computed from those reads leaves (LsmKvStore::error()).
// Values are returned by copy: the caller owns them; the store owns its data.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bftsim {

class KvStore {
 public:
  virtual ~KvStore() = default;

  // The value stored under `key`, or nullopt when the key is absent.
  virtual std::optional<std::string> get(std::string_view key) const = 0;
  // Inserts or overwrites `key`.
  virtual void put(std::string_view key, std::string_view value) = 0;
  // Removes `key`; returns whether it existed.
  virtual bool erase(std::string_view key) = 0;
  // The number of keys stored.
  virtual std::size_t size() const = 0;
  // Calls `visit` for every pair in key order.
  virtual void for_each(
      const std::function<void(std::string_view key, std::string_view value)>& visit) const = 0;
};

}  // namespace bftsim
