// Little-endian primitive writers for the codec. ByteCounter and ByteWriter
// share one interface, so one templated traversal first sizes a message and
// then writes it into a buffer reserved to the exact size (no reallocation).
// ByteWriter writes into caller-owned memory and never grows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "core/types/assert.h"

namespace bftsim {

// Counts the bytes a traversal would write.
class ByteCounter {
 public:
  void u8(std::uint8_t) { size_bytes_ += 1; }
  void u16(std::uint16_t) { size_bytes_ += 2; }
  void u32(std::uint32_t) { size_bytes_ += 4; }
  void u64(std::uint64_t) { size_bytes_ += 8; }
  void raw(std::span<const std::uint8_t> bytes) { size_bytes_ += bytes.size(); }
  void raw(std::string_view bytes) { size_bytes_ += bytes.size(); }
  std::size_t size_bytes() const { return size_bytes_; }

 private:
  std::size_t size_bytes_ = 0;
};

// Writes into [begin, end); every write is bounds-checked by assertion
// because the size came from a ByteCounter pass over the same data.
class ByteWriter {
 public:
  ByteWriter(std::uint8_t* begin, std::uint8_t* end) : cursor_(begin), end_(end) {}

  void u8(std::uint8_t value) {
    reserve(1);
    *cursor_++ = value;
  }
  void u16(std::uint16_t value) { put_le<2>(value); }
  void u32(std::uint32_t value) { put_le<4>(value); }
  void u64(std::uint64_t value) { put_le<8>(value); }
  void raw(std::span<const std::uint8_t> bytes) { copy(bytes.data(), bytes.size()); }
  void raw(std::string_view bytes) { copy(bytes.data(), bytes.size()); }

  bool at_end() const { return cursor_ == end_; }

 private:
  void reserve(std::size_t count) { BFTSIM_ASSERT(static_cast<std::size_t>(end_ - cursor_) >= count); }
  // Byte by byte, so the layout does not depend on the host's byte order;
  // compilers fold this into one store on little-endian machines.
  template <int size_bytes>
  void put_le(std::uint64_t value) {
    reserve(size_bytes);
    for (int i = 0; i < size_bytes; ++i) cursor_[i] = static_cast<std::uint8_t>(value >> (8 * i));
    cursor_ += size_bytes;
  }
  void copy(const void* data, std::size_t count) {
    reserve(count);
    if (count != 0) std::memcpy(cursor_, data, count);
    cursor_ += count;
  }

  std::uint8_t* cursor_;
  std::uint8_t* end_;
};

}  // namespace bftsim
