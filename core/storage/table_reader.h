// TableReader: an open table file (docs/sstable_format.md). open() checks
// the footer, reads the index and the Bloom filter into memory and checks
// their CRCs; get() and the iterator read one data block at a time and check
// its CRC. Every error names the file and the byte offset of the bad part:
// "db/000012.sst: offset 8192: block checksum mismatch". Immutable after
// open; shared by the Db and its iterators through shared_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/entry.h"
#include "core/storage/file_system.h"
#include "core/storage/table_format.h"

namespace bftsim {

class TableReader : public std::enable_shared_from_this<TableReader> {
 public:
  static Result<std::shared_ptr<TableReader>> open(FileSystem& fs, const std::string& path);

  // The entry for `key` (a value or a tombstone), or nullopt if the table
  // does not hold the key. Consults the Bloom filter first.
  Result<std::optional<Entry>> get(std::string_view key) const;

  std::unique_ptr<EntryIterator> iterator() const;

  const std::string& path() const { return path_; }
  std::uint64_t entry_count() const { return footer_.entry_count; }
  std::uint64_t file_size_bytes() const { return file_->size(); }
  // How many data-block reads get() skipped thanks to the filter.
  std::uint64_t bloom_skip_count() const { return bloom_skip_count_; }

  // Reads, checks and decodes the data block at index position `block_index`.
  Result<std::vector<BlockEntry>> read_data_block(std::size_t block_index) const;
  const std::vector<IndexEntry>& index() const { return index_; }

 private:
  TableReader(std::string path, std::unique_ptr<ReadableFile> file) : path_(std::move(path)), file_(std::move(file)) {}
  Result<std::vector<std::uint8_t>> read_block(const BlockHandle& handle, const char* what) const;
  template <typename Visit>
  Status walk_data_block(std::size_t block_index, Visit&& visit) const;
  tl::unexpected<Error> corruption(std::uint64_t offset, const std::string& reason) const;

  std::string path_;
  std::unique_ptr<ReadableFile> file_;
  TableFooter footer_;
  std::vector<IndexEntry> index_;
  std::vector<std::uint8_t> filter_;
  mutable std::uint64_t bloom_skip_count_ = 0;
};

}  // namespace bftsim
