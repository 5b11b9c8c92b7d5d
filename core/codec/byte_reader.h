// Bounds-checked little-endian reads over untrusted bytes (a peer's message).
// The first failure sticks: later reads return zeros without advancing, and
// counts read as 0, so a decoder can read a whole struct and check ok() once
// per loop iteration. The reader views the caller's bytes and copies only
// into the strings and arrays it fills.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "core/types/result.h"

namespace bftsim {

class ByteReader {
 public:
  // `context` names what is decoded (e.g. "vote") in error messages; it must
  // outlive the reader.
  ByteReader(std::span<const std::uint8_t> bytes, const char* context)
      : cursor_(bytes.data()), end_(bytes.data() + bytes.size()), context_(context) {}

  bool ok() const { return !error_.has_value(); }
  std::size_t remaining_bytes() const { return static_cast<std::size_t>(end_ - cursor_); }
  const char* context() const { return context_; }
  void set_context(const char* context) { context_ = context; }

  std::uint8_t u8(const char* field) {
    if (!need(1, field)) return 0;
    return *cursor_++;
  }
  std::uint16_t u16(const char* field) { return static_cast<std::uint16_t>(get_le<2>(field)); }
  std::uint32_t u32(const char* field) { return static_cast<std::uint32_t>(get_le<4>(field)); }
  std::uint64_t u64(const char* field) { return get_le<8>(field); }

  // A u8 that must be 0 or 1 (a bool, or the tag of an optional).
  bool flag(const char* what, const char* field) {
    std::uint8_t value = u8(field);
    if (value > 1) fail(fmt::format("{} {} is {}, not 0 or 1", what, field, value));
    return value == 1;
  }

  // Exactly out.size() raw bytes (a hash or a signature).
  void raw(std::span<std::uint8_t> out, const char* field) {
    if (!need(out.size(), field)) return;
    // memcpy's pointers must not be null even for 0 bytes, and an empty
    // vector's data() may be (UBSan: nonnull-attribute; found by fuzz_wire).
    if (out.empty()) return;
    std::memcpy(out.data(), cursor_, out.size());
    cursor_ += out.size();
  }

  // A u32 length, at most size_max, then that many bytes.
  void string(std::string& out, const char* field, std::uint32_t size_max, const char* limit_name) {
    std::uint32_t size_bytes = u32(field);
    if (!ok()) return;
    if (size_bytes > size_max) {
      fail(fmt::format("{} length {} exceeds {} {}", field, size_bytes, limit_name, size_max));
      return;
    }
    if (!need(size_bytes, field)) return;
    out.assign(reinterpret_cast<const char*>(cursor_), size_bytes);
    cursor_ += size_bytes;
  }

  // A u32 count of items, each at least item_size_bytes_min long; checked
  // against count_max and against the bytes left, so the caller may reserve
  // `count` items. Returns 0 after a failure.
  std::uint32_t count(const char* field, std::uint32_t count_max, const char* limit_name,
                      std::size_t item_size_bytes_min) {
    std::uint32_t value = u32(field);
    if (!ok()) return 0;
    if (value > count_max) {
      fail(fmt::format("{} count {} exceeds {} {}", field, value, limit_name, count_max));
      return 0;
    }
    std::size_t size_bytes_min = static_cast<std::size_t>(value) * item_size_bytes_min;
    if (size_bytes_min > remaining_bytes()) {
      fail(fmt::format("truncated {}: {} count {} needs at least {} bytes, {} left", context_, field,
                       value, size_bytes_min, remaining_bytes()));
      return 0;
    }
    return value;
  }

  // Records the first failure; later ones are ignored.
  void fail(std::string message) {
    if (!error_) error_ = Error{ErrorCode::malformed, std::move(message)};
  }
  // Requires: !ok().
  Error take_error() {
    BFTSIM_ASSERT(error_.has_value());
    return std::move(*error_);
  }

 private:
  bool need(std::size_t size_bytes, const char* field) {
    if (error_) return false;
    if (remaining_bytes() >= size_bytes) return true;
    fail(fmt::format("truncated {}: need {} bytes for {}, {} left", context_, size_bytes, field,
                     remaining_bytes()));
    return false;
  }
  template <int size_bytes>
  std::uint64_t get_le(const char* field) {
    if (!need(size_bytes, field)) return 0;
    std::uint64_t value = 0;
    for (int i = 0; i < size_bytes; ++i) value |= static_cast<std::uint64_t>(cursor_[i]) << (8 * i);
    cursor_ += size_bytes;
    return value;
  }

  const std::uint8_t* cursor_;
  const std::uint8_t* end_;
  const char* context_;
  std::optional<Error> error_;
};

}  // namespace bftsim
