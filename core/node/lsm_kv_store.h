// LsmKvStore: the KV state machine's KvStore over the node's LSM (core/storage
// Db), with every user key under the prefix "k". Writes are buffered in an
// overlay until the Node takes them into the batch that records the block
// (take_writes), so one block's writes, its client records and the block
// itself reach the WAL as one atomic record. Reads see the overlay first.
// A failed read (I/O, a checksum) is remembered in error(); the read returns
// nothing, and the Node checks error() before anything computed from it
// leaves. Single-threaded. The Db must outlive the store.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/kv/kv_store.h"
#include "core/storage/db.h"
#include "core/storage/write_batch.h"

namespace bftsim {

class LsmKvStore final : public KvStore {
 public:
  static constexpr std::string_view key_prefix = "k";

  // Counts the keys already stored (a recovered state).
  explicit LsmKvStore(Db& db);

  std::optional<std::string> get(std::string_view key) const override;
  void put(std::string_view key, std::string_view value) override;
  bool erase(std::string_view key) override;
  std::size_t size() const override { return size_; }
  void for_each(const std::function<void(std::string_view, std::string_view)>& visit) const override;

  // Moves every write since the last call into `batch`, keys prefixed.
  void take_writes(WriteBatch& batch);
  const std::optional<Error>& error() const { return error_; }

 private:
  std::optional<std::string> read_db(std::string_view key) const;
  bool contains(std::string_view key) const;

  Db& db_;
  // Pending writes: a value, or nullopt for a delete.
  std::map<std::string, std::optional<std::string>, std::less<>> pending_;
  std::size_t size_ = 0;
  mutable std::optional<Error> error_;
  mutable std::string key_buffer_;  // the prefixed key of the last Db read
  // The last key get() looked up and whether it was there (every write goes
  // through this store, so the answer stays true until the next write).
  mutable std::string last_lookup_key_;
  mutable bool last_lookup_found_ = false;
};

// The end of the key range of everything under `prefix` (prefix with its
// last byte incremented); Requires: prefix is non-empty and its last byte is
// not 0xff.
std::string prefix_end(std::string_view prefix);

}  // namespace bftsim
