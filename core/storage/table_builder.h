// TableBuilder: writes one immutable sorted table file (an SSTable,
// docs/sstable_format.md) from entries given in ascending key order, one
// version per key: ~4 KiB data blocks with prefix-compressed keys, a Bloom
// filter block, an index block, and a footer. finish() syncs the file; the
// caller makes its name durable (sync_dir) before naming it in a manifest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/storage/file_system.h"
#include "core/storage/table_format.h"

namespace bftsim {

struct TableOptions {
  std::size_t block_size_bytes = 4096;
  int bloom_bits_per_key = 10;
};

// What finish() reports; the manifest records it.
struct TableInfo {
  std::uint64_t file_size_bytes = 0;
  std::uint64_t entry_count = 0;
  std::string smallest_key;
  std::string largest_key;
};

class TableBuilder {
 public:
  TableBuilder(std::string path, std::unique_ptr<WritableFile> file, TableOptions options);

  // Requires: key greater than every key added before; finish() not called.
  Status add(const BlockEntry& entry);
  // Writes the last block, filter, index and footer, syncs and closes.
  Result<TableInfo> finish();

  std::uint64_t entry_count() const { return entry_count_; }
  // Bytes written so far plus the open block: for splitting outputs.
  std::uint64_t estimated_size_bytes() const { return file_->size() + block_.size(); }

 private:
  Status flush_block();
  Status write_block(const Bytes& contents, BlockHandle& handle);

  std::string path_;
  std::unique_ptr<WritableFile> file_;
  TableOptions options_;
  Bytes block_;
  std::string block_previous_key_;
  std::vector<IndexEntry> index_;
  std::vector<std::string> keys_;  // for the Bloom filter
  std::uint64_t entry_count_ = 0;
  std::string smallest_key_;
  bool finished_ = false;
};

}  // namespace bftsim
