// Little-endian fixed-width and varint encoding for the storage formats (WAL
// records, table blocks, the manifest). Writers append to a caller-owned byte
// vector; Decoder reads a caller-owned span and never reads past its end: a
// failed read returns false and leaves the value unspecified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bftsim {

using Bytes = std::vector<std::uint8_t>;

// Hot encoders size an entry first, grow the buffer once and store through a
// pointer (store_*), rather than pay a vector insert per field (put_*).
inline std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  for (; value >= 0x80; value >>= 7) ++size;
  return size;
}
inline std::uint8_t* store_varint(std::uint8_t* out, std::uint64_t value) {
  for (; value >= 0x80; value >>= 7) *out++ = static_cast<std::uint8_t>(value | 0x80);
  *out++ = static_cast<std::uint8_t>(value);
  return out;
}
inline std::uint8_t* store_u32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) *out++ = static_cast<std::uint8_t>(value >> (8 * i));
  return out;
}
inline std::uint8_t* store_u64(std::uint8_t* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) *out++ = static_cast<std::uint8_t>(value >> (8 * i));
  return out;
}
inline std::uint8_t* store_raw(std::uint8_t* out, std::string_view bytes) {
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}
// Appends `size` bytes to `out` and returns where they start, for store_*.
inline std::uint8_t* grow(Bytes& out, std::size_t size) {
  const std::size_t start = out.size();
  out.resize(start + size);
  return out.data() + start;
}

inline void put_u8(Bytes& out, std::uint8_t value) { out.push_back(value); }
inline void put_u32(Bytes& out, std::uint32_t value) {
  std::uint8_t bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
  out.insert(out.end(), bytes, bytes + 4);
}
inline void put_u64(Bytes& out, std::uint64_t value) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
  out.insert(out.end(), bytes, bytes + 8);
}
inline void put_varint(Bytes& out, std::uint64_t value) {
  std::uint8_t bytes[10];
  int size = 0;
  while (value >= 0x80) {
    bytes[size++] = static_cast<std::uint8_t>(value | 0x80);
    value >>= 7;
  }
  bytes[size++] = static_cast<std::uint8_t>(value);
  out.insert(out.end(), bytes, bytes + size);
}
inline void put_raw(Bytes& out, std::string_view bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }
// A varint length, then the bytes.
inline void put_string(Bytes& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  put_raw(out, bytes);
}

inline std::uint32_t load_u32(const std::uint8_t* bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(bytes[i]) << (8 * i);
  return value;
}
inline std::uint64_t load_u64(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  return value;
}

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Bounds-checked reads over stored bytes; offset() says how far it got, so
// errors can name the byte where decoding stopped.
class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining_bytes() const { return bytes_.size() - offset_; }
  bool at_end() const { return offset_ == bytes_.size(); }

  bool u8(std::uint8_t& value) {
    if (remaining_bytes() < 1) return false;
    value = bytes_[offset_++];
    return true;
  }
  bool u32(std::uint32_t& value) {
    if (remaining_bytes() < 4) return false;
    value = load_u32(bytes_.data() + offset_);
    offset_ += 4;
    return true;
  }
  bool u64(std::uint64_t& value) {
    if (remaining_bytes() < 8) return false;
    value = load_u64(bytes_.data() + offset_);
    offset_ += 8;
    return true;
  }
  bool varint(std::uint64_t& value) {
    if (offset_ < bytes_.size() && bytes_[offset_] < 0x80) {  // one byte: most lengths and counts
      value = bytes_[offset_++];
      return true;
    }
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t byte = 0;
      if (!u8(byte)) return false;
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;  // more than 10 bytes: not a varint we wrote
  }
  // Exactly `size` bytes, viewed in place.
  bool raw(std::size_t size, std::string_view& out) {
    if (remaining_bytes() < size) return false;
    out = as_text(bytes_.subspan(offset_, size));
    offset_ += size;
    return true;
  }
  // A varint length, then the bytes (see put_string).
  bool string(std::string_view& out) {
    std::uint64_t size = 0;
    return varint(size) && size <= remaining_bytes() && raw(static_cast<std::size_t>(size), out);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

}  // namespace bftsim
