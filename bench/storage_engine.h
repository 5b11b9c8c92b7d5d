// StorageEngine: the few operations bench_storage times, over bftsim's LSM
// (core/storage/db.h) and, when the build found it, LevelDB. Both engines run
// on real files in a directory the caller owns and removes; each engine owns
// its database (and, for bftsim, the PosixFileSystem under it). Every read
// hands back owned std::string pairs, the shape Db::scan returns, and both
// engines overwrite the pairs already in the caller's vector (reusing their
// buffers, as Db::scan does), so both pay for the same copies and neither
// for allocations the other skips. Single-threaded use only.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types/result.h"

namespace bftsim::bench {

// The settings both engines get, so a row compares engines, not settings.
struct EngineOptions {
  std::size_t write_buffer_size_bytes = 4u << 20;  // memtable
  int bloom_bits_per_key = 10;
  std::size_t block_size_bytes = 4096;
  std::size_t table_size_bytes_target = 2u << 20;
};

using KeyValue = std::pair<std::string, std::string>;

class StorageEngine {
 public:
  virtual ~StorageEngine() = default;

  virtual Status put(std::string_view key, std::string_view value, bool sync) = 0;
  // All pairs as one atomic batch; with `sync`, one sync for the batch.
  virtual Status write_batch(std::span<const KeyValue> pairs, bool sync) = 0;
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  // Replaces `out` with up to `count_max` pairs from the first key >= `begin`,
  // overwriting its pairs in place.
  virtual Status scan(std::string_view begin, std::size_t count_max, std::vector<KeyValue>& out) = 0;
  // Reads every pair in key order, `chunk` pairs at a time into `out`, and
  // returns how many there were.
  virtual Result<std::size_t> read_all(std::size_t chunk_size, std::vector<KeyValue>& out) = 0;
  // Flushes the memtable and compacts every level, so reads see a settled tree.
  virtual Status compact() = 0;
};

Result<std::unique_ptr<StorageEngine>> open_bftsim_engine(const std::string& dir, const EngineOptions& options);

// LevelDB with no compression (our tables are uncompressed), a Bloom filter
// policy of options.bloom_bits_per_key and LevelDB's default 8 MiB block
// cache. Defined only when meson found LevelDB (BFTSIM_HAVE_LEVELDB).
Result<std::unique_ptr<StorageEngine>> open_leveldb_engine(const std::string& dir, const EngineOptions& options);

}  // namespace bftsim::bench
