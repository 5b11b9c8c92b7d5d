// TableBuilder: writes one immutable sorted table file (an SSTable,
// docs/sstable_format.md) from entries given in ascending key order, one
// version per key: ~4 KiB data blocks with prefix-compressed keys, a Bloom
// filter block, an index block, and a footer. finish() syncs the file; the
// caller makes its name durable (sync_dir) before naming it in a manifest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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

  // Requires: key greater than every key added before; finish() not called;
  // an empty value for a tombstone. Copies what it keeps of key and value.
  Status add(std::string_view key, std::uint64_t sequence, EntryKind kind, std::string_view value);
  Status add(const BlockEntry& entry) { return add(entry.key, entry.sequence, entry.kind, entry.value); }
  // Writes the last block, filter, index and footer, syncs and closes.
  Result<TableInfo> finish();

  std::uint64_t entry_count() const { return entry_count_; }
  // Bytes written so far plus the open block: for splitting outputs.
  std::uint64_t estimated_size_bytes() const { return file_->size() + block_.size(); }

 private:
  Status flush_block();
  // Appends `contents` and its CRC trailer with one append() (one write(2)
  // on a real file); `contents` gets the trailer appended.
  Status write_block(Bytes& contents, BlockHandle& handle);

  std::string path_;
  std::unique_ptr<WritableFile> file_;
  TableOptions options_;
  Bytes block_;
  std::string block_previous_key_;  // "" at the start of a block
  std::vector<IndexEntry> index_;
  std::vector<std::uint64_t> key_hashes_;  // bloom_key_hash of each key, for the filter
  std::uint64_t entry_count_ = 0;
  std::string smallest_key_;
  std::string largest_key_;  // the last key added
  bool finished_ = false;
};

}  // namespace bftsim
