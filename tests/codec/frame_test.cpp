// Tests of the stream framing (core/codec/frame.h): whole payloads come out
// however the stream is chunked, and bad lengths fail the decoder for good.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/codec/frame.h"

namespace bftsim::test_codec_frame_test {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

// Feeds `stream` in the given chunk sizes (cycled) and collects every payload.
std::vector<std::vector<std::uint8_t>> drain(FrameDecoder& decoder, const std::vector<std::uint8_t>& stream,
                                             const std::vector<std::size_t>& chunk_sizes) {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < stream.size(); ++i) {
    std::size_t size = std::min(chunk_sizes[i % chunk_sizes.size()], stream.size() - offset);
    decoder.feed(std::span<const std::uint8_t>(stream.data() + offset, size));
    offset += size;
    for (;;) {
      auto next = decoder.next();
      REQUIRE(next.has_value());
      if (!next->has_value()) break;
      payloads.push_back(std::move(**next));
    }
  }
  return payloads;
}

void write_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

}  // namespace

TEST_CASE("frame: a frame is a u32 little-endian length and the payload") {
  // Goal: the documented layout. Method: compare append_frame's bytes.
  std::vector<std::uint8_t> out = {0xee};
  append_frame(out, bytes_of("abc"));
  CHECK(out == std::vector<std::uint8_t>{0xee, 3, 0, 0, 0, 'a', 'b', 'c'});
}

TEST_CASE("frame: payloads survive a split at every chunk boundary") {
  // Goal: chunking never changes what comes out. Method: three frames, fed
  // as two chunks split at every offset, then byte by byte, then in mixed sizes.
  std::vector<std::vector<std::uint8_t>> payloads = {bytes_of("first"), bytes_of("x"),
                                                     std::vector<std::uint8_t>(300, 0xab)};
  std::vector<std::uint8_t> stream;
  for (const auto& payload : payloads) append_frame(stream, payload);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    std::vector<std::size_t> sizes = {split == 0 ? stream.size() : split, stream.size()};
    CHECK(drain(decoder, stream, sizes) == payloads);
    CHECK(decoder.buffered_size_bytes() == 0);
  }
  FrameDecoder byte_by_byte;
  CHECK(drain(byte_by_byte, stream, {1}) == payloads);
  FrameDecoder mixed;
  std::vector<std::uint8_t> long_stream;
  std::vector<std::vector<std::uint8_t>> long_payloads;
  for (int i = 1; i <= 200; ++i) {
    long_payloads.push_back(std::vector<std::uint8_t>(static_cast<std::size_t>(i * 7 % 61 + 1), static_cast<std::uint8_t>(i)));
    append_frame(long_stream, long_payloads.back());
  }
  CHECK(drain(mixed, long_stream, {3, 1, 50, 7, 2, 129, 4}) == long_payloads);
}

TEST_CASE("frame: a partial header or payload yields nothing yet") {
  // Goal: next() waits for whole frames. Method: feed a frame in two parts.
  FrameDecoder decoder;
  std::vector<std::uint8_t> stream;
  append_frame(stream, bytes_of("hello"));
  decoder.feed(std::span<const std::uint8_t>(stream.data(), 2));
  auto next = decoder.next();
  REQUIRE(next.has_value());
  CHECK(!next->has_value());
  decoder.feed(std::span<const std::uint8_t>(stream.data() + 2, 5));
  next = decoder.next();
  REQUIRE(next.has_value());
  CHECK(!next->has_value());
  CHECK(decoder.buffered_size_bytes() == 7);
  decoder.feed(std::span<const std::uint8_t>(stream.data() + 7, stream.size() - 7));
  next = decoder.next();
  REQUIRE(next.has_value());
  REQUIRE(next->has_value());
  CHECK(**next == bytes_of("hello"));
}

TEST_CASE("frame: zero and over-limit lengths fail the decoder for good") {
  // Goal: a zero length and a length over frame_size_bytes_max are malformed,
  // detected from the header alone, and the decoder stays failed. Method:
  // feed bad headers, then valid frames, and call next() again.
  FrameDecoder zero;
  std::vector<std::uint8_t> stream;
  write_u32(stream, 0);
  append_frame(stream, bytes_of("ok"));
  zero.feed(stream);
  auto next = zero.next();
  REQUIRE(!next.has_value());
  CHECK(next.error().code == ErrorCode::malformed);
  CHECK(next.error().message == "frame length 0");
  CHECK(zero.failed());
  next = zero.next();
  REQUIRE(!next.has_value());
  CHECK(next.error().message == "frame length 0");

  FrameDecoder oversized;
  std::vector<std::uint8_t> header;
  write_u32(header, frame_size_bytes_max + 1);
  oversized.feed(header);
  next = oversized.next();
  REQUIRE(!next.has_value());
  CHECK(next.error().code == ErrorCode::malformed);
  CHECK(next.error().message.find("frame length 16777217 exceeds frame_size_bytes_max 16777216") != std::string::npos);
  std::vector<std::uint8_t> good;
  append_frame(good, bytes_of("later"));
  oversized.feed(good);
  CHECK(oversized.buffered_size_bytes() == 4);  // nothing buffered after the failure
  CHECK(!oversized.next().has_value());

  // Exactly the limit is a legal length: the decoder waits for the payload.
  FrameDecoder at_limit;
  std::vector<std::uint8_t> limit_header;
  write_u32(limit_header, frame_size_bytes_max);
  at_limit.feed(limit_header);
  next = at_limit.next();
  REQUIRE(next.has_value());
  CHECK(!next->has_value());
}

}  // namespace bftsim::test_codec_frame_test
