// TableReader: footer, index and filter at open; data blocks on demand.
#include "core/storage/table_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/storage/bloom.h"
#include "core/storage/crc32c.h"
#include "core/storage/key_order.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

// Where a block's index entry points: the first block whose last key >= key.
std::size_t find_block(const std::vector<IndexEntry>& index, std::string_view key) {
  auto it = std::lower_bound(index.begin(), index.end(), key,
                             [](const IndexEntry& entry, std::string_view k) { return entry.last_key < k; });
  return static_cast<std::size_t>(it - index.begin());
}

}  // namespace

std::size_t DataBlock::lower_bound(std::string_view key) const {
  auto it = std::partition_point(slots_.begin(), slots_.end(), [&](const Slot& slot) {
    return compare_keys(std::string_view(keys_.data() + slot.key_offset, slot.key_size), key) < 0;
  });
  return static_cast<std::size_t>(it - slots_.begin());
}

void TableIterator::reset(std::shared_ptr<const TableReader> table) {
  block_.clear();  // it may view the old table's mapped bytes
  table_ = std::move(table);
  block_index_ = 0;
  position_ = 0;
  error_.reset();
}

void TableIterator::seek(std::string_view key) { load(find_block(table_->index(), key), key); }

void TableIterator::load(std::size_t block_index, std::string_view key) {
  for (block_index_ = block_index; block_index_ < table_->index().size(); ++block_index_) {
    Status read = table_->read_data_block(block_index_, block_);
    position_ = 0;
    if (!read) {  // read_data_block left the block empty
      error_ = std::move(read.error());
      return;
    }
    position_ = key.empty() ? 0 : block_.lower_bound(key);
    if (position_ < block_.size()) return;
  }
  position_ = block_.size();
}

tl::unexpected<Error> TableReader::corruption(std::uint64_t offset, const std::string& reason) const {
  return make_error(ErrorCode::corruption, fmt::format("{}: offset {}: {}", path_, offset, reason));
}

Result<std::shared_ptr<TableReader>> TableReader::open(FileSystem& fs, const std::string& path) {
  auto file = fs.open_readable(path);
  if (!file) return tl::unexpected(file.error());
  std::shared_ptr<TableReader> table(new TableReader(path, std::move(*file)));
  std::uint64_t size_bytes = table->file_->size();
  if (size_bytes < table_footer_size_bytes)
    return table->corruption(0, fmt::format("file of {} bytes is too short for a table footer ({} bytes); truncated?",
                                            size_bytes, table_footer_size_bytes));
  std::uint64_t footer_offset = size_bytes - table_footer_size_bytes;
  auto footer_bytes = table->file_->read(footer_offset, table_footer_size_bytes);
  if (!footer_bytes) return tl::unexpected(footer_bytes.error());
  if (footer_bytes->size() != table_footer_size_bytes) return table->corruption(footer_offset, "short read of the footer");
  Decoder footer(*footer_bytes);
  TableFooter& parsed = table->footer_;
  std::uint32_t stored_crc = 0;
  std::uint64_t magic = 0;
  bool decoded = footer.u64(parsed.index.offset) && footer.u32(parsed.index.size_bytes) &&
                 footer.u64(parsed.filter.offset) && footer.u32(parsed.filter.size_bytes) &&
                 footer.u64(parsed.entry_count) && footer.u32(stored_crc) && footer.u64(magic);
  BFTSIM_ASSERT(decoded);  // the sizes add up to table_footer_size_bytes
  if (magic != table_magic) return table->corruption(footer_offset + 36, "bad magic number (truncated or not a table)");
  if (crc32c(std::span<const std::uint8_t>(*footer_bytes).subspan(0, 32)) != stored_crc)
    return table->corruption(footer_offset, "footer checksum mismatch");

  std::vector<std::uint8_t> buffer;
  auto filter = table->read_block(parsed.filter, "filter block", buffer);
  if (!filter) return tl::unexpected(filter.error());
  table->filter_.assign(filter->begin(), filter->end());
  auto index = table->read_block(parsed.index, "index block", buffer);
  if (!index) return tl::unexpected(index.error());
  Decoder decoder(*index);
  while (!decoder.at_end()) {
    std::size_t entry_offset = decoder.offset();
    std::string_view last_key;
    std::uint64_t offset = 0;
    std::uint64_t block_size_bytes = 0;
    if (!decoder.string(last_key) || !decoder.varint(offset) || !decoder.varint(block_size_bytes) ||
        block_size_bytes > UINT32_MAX || offset + block_size_bytes + block_trailer_size_bytes > parsed.filter.offset ||
        (!table->index_.empty() && last_key <= table->index_.back().last_key))
      return table->corruption(parsed.index.offset + entry_offset, "malformed index entry");
    table->index_.push_back(IndexEntry{std::string(last_key), {offset, static_cast<std::uint32_t>(block_size_bytes)}});
  }
  return table;
}

Result<std::span<const std::uint8_t>> TableReader::read_block(const BlockHandle& handle, const char* what,
                                                              std::vector<std::uint8_t>& buffer) const {
  std::uint64_t data_end = file_->size() - table_footer_size_bytes;
  if (handle.offset > data_end || handle.size_bytes + block_trailer_size_bytes > data_end - handle.offset)
    return corruption(handle.offset, fmt::format("{} of {} bytes runs past the end of the data", what, handle.size_bytes));
  std::size_t size_bytes = handle.size_bytes + block_trailer_size_bytes;
  std::span<const std::uint8_t> bytes = file_->mapped_bytes();
  if (bytes.size() == file_->size()) {
    bytes = bytes.subspan(static_cast<std::size_t>(handle.offset), size_bytes);
  } else {
    auto read = file_->read(handle.offset, size_bytes);
    if (!read) return tl::unexpected(read.error());
    if (read->size() != size_bytes) return corruption(handle.offset, fmt::format("short read of the {}", what));
    buffer = std::move(*read);
    bytes = buffer;
  }
  std::uint32_t stored_crc = load_u32(bytes.data() + handle.size_bytes);
  bytes = bytes.first(handle.size_bytes);
  if (crc32c(bytes) != stored_crc) return corruption(handle.offset, fmt::format("{} checksum mismatch", what));
  return bytes;
}

// Decodes `contents`, the checked bytes of data block `block_index`, in order:
// appends each key to `keys` (assembled from the previous key's prefix and
// the stored suffix) and passes each entry to
// visit(key_offset, key_size, sequence, kind, value), the key at
// keys[key_offset..] and the value a view into `contents`, so a caller that
// keeps one entry copies one entry. Checks what read_data_block promises:
// well-formed entries, ascending keys, the index key last.
template <typename Visit>
Status TableReader::walk_data_block(std::size_t block_index, std::span<const std::uint8_t> contents,
                                    std::string& keys, Visit&& visit) const {
  BFTSIM_ASSERT(block_index < index_.size());
  const BlockHandle& handle = index_[block_index].handle;
  Decoder decoder(contents);
  std::size_t previous_offset = keys.size();
  std::size_t previous_size = 0;
  bool empty = true;
  while (!decoder.at_end()) {
    std::size_t entry_offset = decoder.offset();
    std::uint64_t shared = 0, unshared = 0, value_size = 0, sequence = 0;
    std::uint8_t kind = 0;
    std::string_view key_suffix, value;
    if (!decoder.varint(shared) || !decoder.varint(unshared) || !decoder.varint(value_size) || !decoder.u8(kind) ||
        !decoder.varint(sequence) || shared > previous_size || kind > 1 ||
        !decoder.raw(static_cast<std::size_t>(std::min<std::uint64_t>(unshared, SIZE_MAX)), key_suffix) ||
        !decoder.raw(static_cast<std::size_t>(std::min<std::uint64_t>(value_size, SIZE_MAX)), value))
      return corruption(handle.offset + entry_offset, "malformed block entry");
    // Offsets, not pointers: growing `keys` may move it.
    const std::size_t key_offset = keys.size();
    const std::size_t key_size = static_cast<std::size_t>(shared) + key_suffix.size();
    keys.resize(key_offset + key_size);
    if (shared != 0) std::memcpy(keys.data() + key_offset, keys.data() + previous_offset, static_cast<std::size_t>(shared));
    if (!key_suffix.empty()) std::memcpy(keys.data() + key_offset + shared, key_suffix.data(), key_suffix.size());
    const std::string_view key(keys.data() + key_offset, key_size);
    if (!empty && compare_keys(key, std::string_view(keys.data() + previous_offset, previous_size)) <= 0)
      return corruption(handle.offset + entry_offset, "block keys out of order");
    visit(key_offset, key_size, sequence, static_cast<EntryKind>(kind), value);
    previous_offset = key_offset;
    previous_size = key_size;
    empty = false;
  }
  if (empty || std::string_view(keys.data() + previous_offset, previous_size) != index_[block_index].last_key)
    return corruption(handle.offset, "block does not end with its index key");
  return {};
}

Result<std::vector<BlockEntry>> TableReader::read_data_block(std::size_t block_index) const {
  DataBlock block;
  if (auto status = read_data_block(block_index, block); !status) return tl::unexpected(status.error());
  std::vector<BlockEntry> entries;
  entries.reserve(block.size());
  for (std::size_t i = 0; i < block.size(); ++i)
    entries.push_back(BlockEntry{std::string(block.key(i)), block.sequence(i), block.kind(i), std::string(block.value(i))});
  return entries;
}

Status TableReader::read_data_block(std::size_t block_index, DataBlock& block) const {
  BFTSIM_ASSERT(block_index < index_.size());
  block.clear();
  auto contents = read_block(index_[block_index].handle, "block", block.owned_);
  if (!contents) return tl::unexpected(contents.error());
  block.bytes_ = *contents;
  const std::uint8_t* base = block.bytes_.data();
  auto status = walk_data_block(
      block_index, block.bytes_, block.keys_,
      [&](std::size_t key_offset, std::size_t key_size, std::uint64_t sequence, EntryKind kind, std::string_view value) {
        // A block is at most 4 GiB (BlockHandle::size_bytes), so all fit.
        block.slots_.push_back(DataBlock::Slot{
            static_cast<std::uint32_t>(key_offset), static_cast<std::uint32_t>(key_size),
            static_cast<std::uint32_t>(reinterpret_cast<const std::uint8_t*>(value.data()) - base),
            static_cast<std::uint32_t>(value.size()), sequence, kind});
      });
  if (!status) {
    block.clear();
    return status;
  }
  return {};
}

Result<std::optional<Entry>> TableReader::get(std::string_view key) const {
  if (!bloom_may_contain(filter_, key)) {
    ++bloom_skip_count_;
    return std::optional<Entry>{};
  }
  std::size_t block_index = find_block(index_, key);
  if (block_index == index_.size()) return std::optional<Entry>{};
  // The whole block is still walked and checked; only the match is copied.
  std::vector<std::uint8_t> buffer;
  auto contents = read_block(index_[block_index].handle, "block", buffer);
  if (!contents) return tl::unexpected(contents.error());
  std::optional<Entry> found;
  std::string keys;
  auto status = walk_data_block(
      block_index, *contents, keys,
      [&](std::size_t key_offset, std::size_t key_size, std::uint64_t sequence, EntryKind kind, std::string_view value) {
        if (std::string_view(keys.data() + key_offset, key_size) == key) found = Entry{sequence, kind, std::string(value)};
      });
  if (!status) return tl::unexpected(status.error());
  return found;
}

std::unique_ptr<EntryIterator> TableReader::iterator() const {
  return std::make_unique<TableIterator>(shared_from_this());
}

}  // namespace bftsim
