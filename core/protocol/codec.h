// The wire codec: every Message to and from bytes (docs/wire_format.md), and
// the canonical bytes and hash of a Block. Decoding treats its input as a
// peer's: it never trusts a length or count, and any deviation from the one
// canonical encoding is an ErrorCode::malformed error, so whatever decodes
// re-encodes to the same bytes. Pure functions, no shared state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/codec/frame.h"
#include "core/codec/limits.h"
#include "core/protocol/messages.h"
#include "core/crypto/hash.h"
#include "core/types/result.h"

namespace bftsim {

// u8 wire_version, u8 MessageType, then the message's body.
std::vector<std::uint8_t> encode_message(const Message& message);
// The exact size encode_message would return, without encoding.
std::size_t encoded_message_size_bytes(const Message& message);

Result<Message> decode_message(std::span<const std::uint8_t> bytes);

// The canonical bytes of a block: the body encoding a Proposal embeds.
std::vector<std::uint8_t> encode_block(const Block& block);
// The size encode_block would return, and the same bytes written into `out`
// (Requires: out.size() == encoded_block_size_bytes(block)), for a caller
// that stores the block in a buffer of its own without a copy.
std::size_t encoded_block_size_bytes(const Block& block);
void encode_block(const Block& block, std::span<std::uint8_t> out);
// blake2b_256(encode_block(block)).
Hash32 block_hash(const Block& block);
// The inverse of encode_block, as strict as decode_message.
Result<Block> decode_block(std::span<const std::uint8_t> bytes);

// An operation on its own, in the encoding requests embed (what a client signs).
std::vector<std::uint8_t> encode_operation(const Operation& op);

// A QC on its own, in the encoding messages embed (for stored safety state).
std::vector<std::uint8_t> encode_quorum_cert(const QuorumCert& qc);
Result<QuorumCert> decode_quorum_cert(std::span<const std::uint8_t> bytes);

}  // namespace bftsim
