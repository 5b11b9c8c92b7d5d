// Length-prefixed framing for byte streams (bft-node's TCP links): a u32
// little-endian payload length, then the payload. FrameDecoder buffers the
// chunks a socket delivers and hands back whole payloads; it owns its buffer.
// A zero or over-limit length fails the decoder for good: the stream has lost
// its framing, and the caller drops the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/codec/limits.h"
#include "core/types/result.h"

namespace bftsim {

inline constexpr std::size_t frame_header_size_bytes = 4;

// Appends the frame of `payload` to `out`.
// Requires: 1 <= payload.size() <= frame_size_bytes_max.
void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);

class FrameDecoder {
 public:
  // Buffers `chunk` (any size, including empty). Ignored once failed.
  void feed(std::span<const std::uint8_t> chunk);
  // The next whole payload; nullopt when more bytes are needed; a malformed
  // error for a zero or over-limit length, and the same error on every call
  // after it.
  Result<std::optional<std::vector<std::uint8_t>>> next();

  bool failed() const { return error_.has_value(); }
  std::size_t buffered_size_bytes() const { return buffer_.size() - read_offset_; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t read_offset_ = 0;  // bytes of buffer_ already handed out
  std::optional<Error> error_;
};

}  // namespace bftsim
