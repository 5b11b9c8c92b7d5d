// Flag bits the two halves of the wire codec (codec_encode.cpp,
// codec_decode.cpp) share; docs/wire_format.md describes them. Internal to
// core/protocol: include codec.h for the codec itself.
#pragma once

#include <cstdint>

namespace bftsim::codec_flags {

// Bit 7 of an operation's type byte: a ClientAuth follows the operation.
constexpr std::uint8_t op_signed = 0x80;
// Bit 7 of a reply's status byte: a batch's per-operation results follow.
constexpr std::uint8_t result_batch = 0x80;

}  // namespace bftsim::codec_flags
