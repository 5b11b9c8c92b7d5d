// StorageEngine over LevelDB (Debian libleveldb-dev); see storage_engine.h.
// Built only when meson finds LevelDB. A LevelDB Status becomes an io_error
// carrying its ToString(). LevelDB compacts on its own background thread;
// compact() runs CompactRange over the whole key space, which waits for it.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "bench/storage_engine.h"

namespace bftsim::bench {
namespace {

Status from_leveldb(const leveldb::Status& status) {
  if (status.ok()) return {};
  return make_error(ErrorCode::io_error, "leveldb: " + status.ToString());
}

leveldb::Slice slice_of(std::string_view bytes) { return {bytes.data(), bytes.size()}; }

class LeveldbEngine final : public StorageEngine {
 public:
  ~LeveldbEngine() override {
    db_.reset();  // before the filter policy it points to
  }

  Status open(const std::string& dir, const EngineOptions& options) {
    filter_policy_.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    leveldb::Options db_options;
    db_options.create_if_missing = true;
    db_options.error_if_exists = true;
    db_options.write_buffer_size = options.write_buffer_size_bytes;
    db_options.block_size = options.block_size_bytes;
    db_options.max_file_size = options.table_size_bytes_target;
    db_options.compression = leveldb::kNoCompression;
    db_options.filter_policy = filter_policy_.get();
    leveldb::DB* db = nullptr;
    if (auto status = from_leveldb(leveldb::DB::Open(db_options, dir, &db)); !status) return status;
    db_.reset(db);
    return {};
  }

  Status put(std::string_view key, std::string_view value, bool sync) override {
    leveldb::WriteOptions write_options;
    write_options.sync = sync;
    return from_leveldb(db_->Put(write_options, slice_of(key), slice_of(value)));
  }

  Status write_batch(std::span<const KeyValue> pairs, bool sync) override {
    leveldb::WriteBatch batch;
    for (const auto& [key, value] : pairs) batch.Put(key, value);
    leveldb::WriteOptions write_options;
    write_options.sync = sync;
    return from_leveldb(db_->Write(write_options, &batch));
  }

  Result<std::optional<std::string>> get(std::string_view key) override {
    std::string value;
    leveldb::Status status = db_->Get(leveldb::ReadOptions(), slice_of(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>{};
    if (auto error = from_leveldb(status); !error) return tl::unexpected(error.error());
    return std::optional<std::string>(std::move(value));
  }

  Status scan(std::string_view begin, std::size_t count_max, std::vector<KeyValue>& out) override {
    std::size_t count = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    for (it->Seek(slice_of(begin)); it->Valid() && count < count_max; it->Next()) store(out, count++, *it);
    out.resize(count);
    return from_leveldb(it->status());
  }

  Result<std::size_t> read_all(std::size_t chunk_size, std::vector<KeyValue>& out) override {
    std::size_t count = 0;
    std::size_t in_chunk = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (in_chunk == chunk_size) {
        count += in_chunk;
        in_chunk = 0;  // the next chunk overwrites this one, as bftsim's chunks do
      }
      store(out, in_chunk++, *it);
    }
    out.resize(in_chunk);
    if (auto status = from_leveldb(it->status()); !status) return tl::unexpected(status.error());
    return count + in_chunk;
  }

  // Pair `index` of `out` becomes the iterator's: overwritten in place when
  // it exists (reusing its strings' buffers, as Db::scan does), else added.
  static void store(std::vector<KeyValue>& out, std::size_t index, const leveldb::Iterator& it) {
    if (index < out.size()) {
      out[index].first.assign(it.key().data(), it.key().size());
      out[index].second.assign(it.value().data(), it.value().size());
    } else {
      out.emplace_back(it.key().ToString(), it.value().ToString());
    }
  }

  Status compact() override {
    db_->CompactRange(nullptr, nullptr);
    return {};
  }

 private:
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

Result<std::unique_ptr<StorageEngine>> open_leveldb_engine(const std::string& dir, const EngineOptions& options) {
  auto engine = std::make_unique<LeveldbEngine>();
  if (auto status = engine->open(dir, options); !status) return tl::unexpected(status.error());
  return std::unique_ptr<StorageEngine>(std::move(engine));
}

}  // namespace bftsim::bench
