// KvStore: the narrow storage interface the KV state machine writes through,
// so the LSM storage engine can later replace the in-memory MemoryKvStore.
// Calls are infallible for now; the storage-engine issue will turn them into
// Status/Result-returning calls once a store can fail (I/O, corruption).
// Values are returned by copy: the caller owns them; the store owns its data.
#pragma once

#include <cstddef>
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
};

}  // namespace bftsim
