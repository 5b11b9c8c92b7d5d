// The exact bytes each signature covers. Every signed message starts with a
// domain tag, the chain id and the message type, so a signature made for one
// chain or one message type never verifies as another (docs/wire_format.md).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/crypto/hash.h"
#include "core/types/ids.h"

namespace bftsim::signing {

// "bftsim/sig/v1", u16 chain-id length + chain id, u8 MessageType::proposal, block hash.
std::vector<std::uint8_t> proposal_bytes(std::string_view chain_id, const Hash32& block_hash);
// ... u8 MessageType::vote, u64 view, block hash.
std::vector<std::uint8_t> vote_bytes(std::string_view chain_id, View view, const Hash32& block_hash);
// ... u8 MessageType::timeout, u64 view, u64 high_qc_view.
std::vector<std::uint8_t> timeout_bytes(std::string_view chain_id, View view, View high_qc_view);

// ... u8 MessageType::client_request, u64 client, u64 number, the operation's
// encoding (codec.h encode_operation).
std::vector<std::uint8_t> client_request_bytes(std::string_view chain_id, ClientId client,
                                               RequestNumber number,
                                               std::span<const std::uint8_t> operation_bytes);

}  // namespace bftsim::signing
