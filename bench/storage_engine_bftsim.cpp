// StorageEngine over bftsim's Db on a PosixFileSystem; see storage_engine.h.
// Sequential reads use Db::scan in chunks, each chunk starting just past the
// previous chunk's last key: the Db has no long-lived iterator to hand out.
#include <fmt/format.h>

#include "bench/storage_engine.h"
#include "core/storage/db.h"
#include "core/storage/posix_file_system.h"

namespace bftsim::bench {
namespace {

class BftsimEngine final : public StorageEngine {
 public:
  Status open(const std::string& dir, const EngineOptions& options) {
    DbOptions db_options;
    db_options.memtable_size_bytes_max = options.write_buffer_size_bytes;
    db_options.table.bloom_bits_per_key = options.bloom_bits_per_key;
    db_options.table.block_size_bytes = options.block_size_bytes;
    db_options.table_size_bytes_target = options.table_size_bytes_target;
    auto db = Db::open(fs_, dir, db_options);
    if (!db) return tl::unexpected(db.error());
    db_ = std::move(*db);
    return {};
  }

  Status put(std::string_view key, std::string_view value, bool sync) override { return db_->put(key, value, sync); }

  Status write_batch(std::span<const KeyValue> pairs, bool sync) override {
    WriteBatch batch;
    for (const auto& [key, value] : pairs) batch.put(key, value);
    return db_->write(batch, sync);
  }

  Result<std::optional<std::string>> get(std::string_view key) override { return db_->get(key); }

  Status scan(std::string_view begin, std::size_t count_max, std::vector<KeyValue>& out) override {
    return db_->scan(begin, {}, count_max, out);
  }

  Result<std::size_t> read_all(std::size_t chunk_size, std::vector<KeyValue>& out) override {
    std::size_t count = 0;
    std::string begin;
    for (;;) {
      if (auto status = scan(begin, chunk_size, out); !status) return tl::unexpected(status.error());
      count += out.size();
      if (out.size() < chunk_size) return count;
      begin = out.back().first;
      begin.push_back('\0');  // the smallest key after the last one read
    }
  }

  Status compact() override { return db_->compact(); }

 private:
  PosixFileSystem fs_;  // declared first: the Db must not outlive it
  std::unique_ptr<Db> db_;
};

}  // namespace

Result<std::unique_ptr<StorageEngine>> open_bftsim_engine(const std::string& dir, const EngineOptions& options) {
  auto engine = std::make_unique<BftsimEngine>();
  if (auto status = engine->open(dir, options); !status) return tl::unexpected(status.error());
  return std::unique_ptr<StorageEngine>(std::move(engine));
}

}  // namespace bftsim::bench
