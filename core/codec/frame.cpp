// Framing: see frame.h.
#include "core/codec/frame.h"

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {

void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  BFTSIM_ASSERT(!payload.empty());
  BFTSIM_ASSERT(payload.size() <= frame_size_bytes_max);
  auto size_bytes = static_cast<std::uint32_t>(payload.size());
  out.reserve(out.size() + frame_header_size_bytes + payload.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(size_bytes >> (8 * i)));
  out.insert(out.end(), payload.begin(), payload.end());
}

void FrameDecoder::feed(std::span<const std::uint8_t> chunk) {
  if (error_ || chunk.empty()) return;
  // Drop the consumed prefix once it is at least half the buffer, so the
  // buffer stays bounded and each byte is moved O(1) times on average.
  if (read_offset_ != 0 && read_offset_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_offset_));
    read_offset_ = 0;
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
}

Result<std::optional<std::vector<std::uint8_t>>> FrameDecoder::next() {
  if (error_) return tl::unexpected(*error_);
  std::size_t available = buffered_size_bytes();
  if (available < frame_header_size_bytes) return std::optional<std::vector<std::uint8_t>>();
  const std::uint8_t* header = buffer_.data() + read_offset_;
  std::uint32_t size_bytes = 0;
  for (int i = 0; i < 4; ++i) size_bytes |= static_cast<std::uint32_t>(header[i]) << (8 * i);
  // Checked before the payload arrives, so a bad length never makes us buffer it.
  if (size_bytes == 0) {
    error_ = Error{ErrorCode::malformed, "frame length 0"};
    return tl::unexpected(*error_);
  }
  if (size_bytes > frame_size_bytes_max) {
    error_ = Error{ErrorCode::malformed, fmt::format("frame length {} exceeds frame_size_bytes_max {}",
                                                     size_bytes, frame_size_bytes_max)};
    return tl::unexpected(*error_);
  }
  if (available - frame_header_size_bytes < size_bytes) return std::optional<std::vector<std::uint8_t>>();
  const std::uint8_t* payload = header + frame_header_size_bytes;
  std::optional<std::vector<std::uint8_t>> out(std::in_place, payload, payload + size_bytes);
  read_offset_ += frame_header_size_bytes + size_bytes;
  if (read_offset_ == buffer_.size()) {
    buffer_.clear();
    read_offset_ = 0;
  }
  return out;
}

}  // namespace bftsim
