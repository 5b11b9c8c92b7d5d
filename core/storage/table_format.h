// The byte layout pieces shared by TableBuilder and TableReader
// (docs/sstable_format.md): block handles, the fixed-size footer, and the
// data-block entry encoding. Every block on disk is its contents followed by
// a u32 CRC-32C of the contents (not masked).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/entry.h"

namespace bftsim {

inline constexpr std::uint64_t table_magic = 0x3174'7373'6d69'7366ull;  // "fsimsst1" little-endian
inline constexpr std::size_t table_footer_size_bytes = 44;
inline constexpr std::size_t block_trailer_size_bytes = 4;

struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint32_t size_bytes = 0;  // contents only, without the CRC trailer
};

struct TableFooter {
  BlockHandle index;
  BlockHandle filter;
  std::uint64_t entry_count = 0;
};

void encode_footer(Bytes& out, const TableFooter& footer);

// One decoded entry of a data block.
struct BlockEntry {
  std::string key;
  std::uint64_t sequence = 0;
  EntryKind kind = EntryKind::value;
  std::string value;
};

// Appends an entry; `previous_key` is the block's previous key ("" for the
// first), whose shared prefix is not stored again.
void encode_block_entry(Bytes& out, std::string_view previous_key, std::string_view key, std::uint64_t sequence,
                        EntryKind kind, std::string_view value);
void encode_block_entry(Bytes& out, const std::string& previous_key, const BlockEntry& entry);

// One index entry: the last key of a data block and where the block is.
struct IndexEntry {
  std::string last_key;
  BlockHandle handle;
};

void encode_index_entry(Bytes& out, const IndexEntry& entry);

}  // namespace bftsim
