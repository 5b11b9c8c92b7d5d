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
  std::uint64_t estimated_size_bytes() const { return file_->size() + output_.size(); }

 private:
  // Ends the open data block: its CRC trailer and its index entry.
  Status flush_block();
  // Appends `contents` and its CRC trailer to the output.
  Status write_block(std::span<const std::uint8_t> contents, BlockHandle& handle);
  // Appends the output to the file once it holds output_size_bytes_min.
  Status flush_output(bool always);
  std::size_t open_block_size_bytes() const { return output_.size() - block_start_; }

  std::string path_;
  std::unique_ptr<WritableFile> file_;
  TableOptions options_;
  // Bytes not yet appended to the file, ending with the open data block,
  // which entries are encoded into in place (no copy per block). Appended in
  // pieces of at least 64 KiB: one write(2) per 16 blocks, not per block.
  Bytes output_;
  std::size_t block_start_ = 0;  // where the open block starts in output_
  std::string block_previous_key_;  // "" at the start of a block
  std::vector<IndexEntry> index_;
  std::vector<std::uint64_t> key_hashes_;  // bloom_key_hash of each key, for the filter
  std::uint64_t entry_count_ = 0;
  std::string smallest_key_;
  std::string largest_key_;  // the last key added
  bool finished_ = false;
};

}  // namespace bftsim
