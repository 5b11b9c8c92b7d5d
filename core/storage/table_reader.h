// TableReader: an open table file (docs/sstable_format.md). open() checks
// the footer, reads the index and the Bloom filter into memory and checks
// their CRCs; get() and the iterator read one data block at a time and check
// its CRC. Every error names the file and the byte offset of the bad part:
// "db/000012.sst: offset 8192: block checksum mismatch". Immutable after
// open; shared by the Db and its iterators through shared_ptr. When the
// file system maps the file, blocks are checked and decoded in place, with
// no read call and no copy.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/entry.h"
#include "core/storage/file_system.h"
#include "core/storage/table_format.h"
#include "core/types/assert.h"

namespace bftsim {

// One data block, read, checked and decoded. Keys are prefix-compressed on
// disk, so each is assembled once into one buffer; values are views into
// the block's own bytes. An iterator decodes block after block into the
// same DataBlock, which keeps its buffers' capacity: walking a table
// allocates per block, not per entry.
class DataBlock {
 public:
  std::size_t size() const { return slots_.size(); }
  std::string_view key(std::size_t i) const { return {keys_.data() + slots_[i].key_offset, slots_[i].key_size}; }
  std::string_view value(std::size_t i) const {
    return {reinterpret_cast<const char*>(bytes_.data()) + slots_[i].value_offset, slots_[i].value_size};
  }
  std::uint64_t sequence(std::size_t i) const { return slots_[i].sequence; }
  EntryKind kind(std::size_t i) const { return slots_[i].kind; }
  // The position of the first key >= `key` (size() when none is).
  std::size_t lower_bound(std::string_view key) const;
  // Empties the block, keeping its buffers' capacity.
  void clear() {
    owned_.clear();
    bytes_ = {};
    keys_.clear();
    slots_.clear();
  }

 private:
  friend class TableReader;
  // Offsets and sizes fit 32 bits: a block is at most 4 GiB (BlockHandle).
  struct Slot {
    std::uint32_t key_offset = 0;  // into keys_
    std::uint32_t key_size = 0;
    std::uint32_t value_offset = 0;  // into bytes_
    std::uint32_t value_size = 0;
    std::uint64_t sequence = 0;
    EntryKind kind = EntryKind::value;
  };

  // The block's checked contents: a view into the table's mapped file, or
  // into owned_ when the file was read.
  std::span<const std::uint8_t> bytes_;
  std::vector<std::uint8_t> owned_;
  std::string keys_;
  std::vector<Slot> slots_;
};

class TableReader;

// The cursor over one table's entries. Public (and final) so that a level
// iterator can hold one by value and call it without virtual dispatch, and
// point it at the next table while keeping its block buffers.
class TableIterator final : public EntryIterator {
 public:
  explicit TableIterator(std::shared_ptr<const TableReader> table) : table_(std::move(table)) {}

  // Moves to `table`, unpositioned (seek next); keeps the buffers.
  void reset(std::shared_ptr<const TableReader> table);

  bool valid() const override { return !error_ && position_ < block_.size(); }
  void seek_to_first() override { load(0, {}); }
  void seek(std::string_view key) override;
  void next() override {
    BFTSIM_ASSERT(valid());
    if (++position_ == block_.size()) load(block_index_ + 1, {});
  }
  std::string_view key() const override { return block_.key(position_); }
  std::uint64_t sequence() const override { return block_.sequence(position_); }
  EntryKind kind() const override { return block_.kind(position_); }
  std::string_view value() const override { return block_.value(position_); }
  Status status() const override {
    if (error_) return tl::unexpected<Error>(*error_);
    return {};
  }

 private:
  // Loads block `block_index` and positions at its first key >= `key`,
  // moving on to later blocks when none is.
  void load(std::size_t block_index, std::string_view key);

  std::shared_ptr<const TableReader> table_;
  std::size_t block_index_ = 0;
  DataBlock block_;
  std::size_t position_ = 0;
  // The last read's error, if it failed. Not a Status member: resetting one
  // draws a false -Wmaybe-uninitialized from GCC 12 under the sanitizers.
  std::optional<Error> error_;
};

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
  // The same into `block`, reusing its buffers; on error `block` is empty.
  Status read_data_block(std::size_t block_index, DataBlock& block) const;
  const std::vector<IndexEntry>& index() const { return index_; }

 private:
  TableReader(std::string path, std::unique_ptr<ReadableFile> file) : path_(std::move(path)), file_(std::move(file)) {}
  // Reads and checks the block at `handle`: its contents (without the CRC)
  // as a view into the mapped file, or into `buffer`, which it fills.
  Result<std::span<const std::uint8_t>> read_block(const BlockHandle& handle, const char* what,
                                                   std::vector<std::uint8_t>& buffer) const;
  template <typename Visit>
  Status walk_data_block(std::size_t block_index, std::span<const std::uint8_t> contents, std::string& keys,
                         Visit&& visit) const;
  tl::unexpected<Error> corruption(std::uint64_t offset, const std::string& reason) const;

  std::string path_;
  std::unique_ptr<ReadableFile> file_;
  TableFooter footer_;
  std::vector<IndexEntry> index_;
  std::vector<std::uint8_t> filter_;
  mutable std::uint64_t bloom_skip_count_ = 0;
};

}  // namespace bftsim
