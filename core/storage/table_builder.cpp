// TableBuilder and the shared encoders of table_format.h.
#include "core/storage/table_builder.h"

#include <algorithm>

#include "core/storage/bloom.h"
#include "core/storage/crc32c.h"
#include "core/types/assert.h"

namespace bftsim {

void encode_footer(Bytes& out, const TableFooter& footer) {
  std::size_t start = out.size();
  put_u64(out, footer.index.offset);
  put_u32(out, footer.index.size_bytes);
  put_u64(out, footer.filter.offset);
  put_u32(out, footer.filter.size_bytes);
  put_u64(out, footer.entry_count);
  put_u32(out, crc32c(std::span<const std::uint8_t>(out).subspan(start, 32)));
  put_u64(out, table_magic);
  BFTSIM_ASSERT(out.size() - start == table_footer_size_bytes);
}

void encode_block_entry(Bytes& out, std::string_view previous_key, std::string_view key, std::uint64_t sequence,
                        EntryKind kind, std::string_view value) {
  std::size_t shared = 0;
  std::size_t shared_max = std::min(previous_key.size(), key.size());
  while (shared < shared_max && previous_key[shared] == key[shared]) ++shared;
  const std::string_view unshared = key.substr(shared);
  std::uint8_t* at = grow(out, varint_size(shared) + varint_size(unshared.size()) + varint_size(value.size()) + 1 +
                                   varint_size(sequence) + unshared.size() + value.size());
  at = store_varint(at, shared);
  at = store_varint(at, unshared.size());
  at = store_varint(at, value.size());
  *at++ = static_cast<std::uint8_t>(kind);
  at = store_varint(at, sequence);
  at = store_raw(at, unshared);
  store_raw(at, value);
}

void encode_block_entry(Bytes& out, const std::string& previous_key, const BlockEntry& entry) {
  encode_block_entry(out, previous_key, entry.key, entry.sequence, entry.kind, entry.value);
}

void encode_index_entry(Bytes& out, const IndexEntry& entry) {
  put_string(out, entry.last_key);
  put_varint(out, entry.handle.offset);
  put_varint(out, entry.handle.size_bytes);
}

namespace {

constexpr std::size_t output_size_bytes_min = 64u << 10;

}  // namespace

TableBuilder::TableBuilder(std::string path, std::unique_ptr<WritableFile> file, TableOptions options)
    : path_(std::move(path)), file_(std::move(file)), options_(options) {
  BFTSIM_ASSERT(file_->size() == 0);
}

Status TableBuilder::add(std::string_view key, std::uint64_t sequence, EntryKind kind, std::string_view value) {
  BFTSIM_ASSERT(!finished_);
  BFTSIM_ASSERT(entry_count_ == 0 || key > largest_key_);
  BFTSIM_ASSERT(kind == EntryKind::value || value.empty());
  if (entry_count_ == 0) smallest_key_ = key;
  encode_block_entry(output_, block_previous_key_, key, sequence, kind, value);
  block_previous_key_.assign(key);
  largest_key_.assign(key);
  key_hashes_.push_back(bloom_key_hash(key));
  ++entry_count_;
  if (open_block_size_bytes() >= options_.block_size_bytes) return flush_block();
  return {};
}

Status TableBuilder::flush_block() {
  const std::size_t size_bytes = open_block_size_bytes();
  if (size_bytes == 0) return {};
  BFTSIM_ASSERT(size_bytes <= UINT32_MAX);
  IndexEntry index_entry{block_previous_key_, {file_->size() + block_start_, static_cast<std::uint32_t>(size_bytes)}};
  put_u32(output_, crc32c(std::span<const std::uint8_t>(output_).subspan(block_start_)));
  index_.push_back(std::move(index_entry));
  block_previous_key_.clear();
  block_start_ = output_.size();
  return flush_output(false);
}

Status TableBuilder::write_block(std::span<const std::uint8_t> contents, BlockHandle& handle) {
  BFTSIM_ASSERT(open_block_size_bytes() == 0);
  BFTSIM_ASSERT(contents.size() <= UINT32_MAX);
  handle = BlockHandle{file_->size() + output_.size(), static_cast<std::uint32_t>(contents.size())};
  output_.insert(output_.end(), contents.begin(), contents.end());
  put_u32(output_, crc32c(contents));
  block_start_ = output_.size();
  return flush_output(false);
}

Status TableBuilder::flush_output(bool always) {
  BFTSIM_ASSERT(open_block_size_bytes() == 0);
  if (output_.empty() || (!always && output_.size() < output_size_bytes_min)) return {};
  Status status = file_->append(output_);
  output_.clear();
  block_start_ = 0;
  return status;
}

Result<TableInfo> TableBuilder::finish() {
  BFTSIM_ASSERT(!finished_);
  BFTSIM_ASSERT(entry_count_ > 0);  // an empty table is never written
  finished_ = true;
  if (auto status = flush_block(); !status) return tl::unexpected(status.error());
  TableFooter footer;
  footer.entry_count = entry_count_;
  Bytes filter = build_bloom_filter_from_hashes(key_hashes_, options_.bloom_bits_per_key);
  if (auto status = write_block(filter, footer.filter); !status) return tl::unexpected(status.error());
  Bytes index;
  for (const IndexEntry& entry : index_) encode_index_entry(index, entry);
  if (auto status = write_block(index, footer.index); !status) return tl::unexpected(status.error());
  encode_footer(output_, footer);
  block_start_ = output_.size();
  if (auto status = flush_output(true); !status) return tl::unexpected(status.error());
  if (auto status = file_->sync(); !status) return tl::unexpected(status.error());
  if (auto status = file_->close(); !status) return tl::unexpected(status.error());
  return TableInfo{file_->size(), entry_count_, smallest_key_, largest_key_};
}

}  // namespace bftsim
