// The domain-separated byte strings signatures cover (signing.h,
// docs/wire_format.md): tag, chain id, message type, then the fields.
#include "core/protocol/signing.h"

#include <limits>
#include <string_view>

#include "core/protocol/messages.h"
#include "core/types/assert.h"

namespace bftsim::signing {
namespace {

constexpr std::string_view domain_tag = "bftsim/sig/v1";

// The common prefix; `fields_size_bytes` only sizes the reservation.
std::vector<std::uint8_t> begin(std::string_view chain_id, MessageType type, std::size_t fields_size_bytes) {
  BFTSIM_ASSERT(chain_id.size() <= std::numeric_limits<std::uint16_t>::max());
  std::vector<std::uint8_t> out;
  out.reserve(domain_tag.size() + 2 + chain_id.size() + 1 + fields_size_bytes);
  // Byte by byte: a range insert into the empty, reserved vector draws a
  // false -Wstringop-overflow from GCC 12 at -O3 (GCC bug 106199).
  for (const char c : domain_tag) out.push_back(static_cast<std::uint8_t>(c));
  out.push_back(static_cast<std::uint8_t>(chain_id.size()));
  out.push_back(static_cast<std::uint8_t>(chain_id.size() >> 8));
  out.insert(out.end(), chain_id.begin(), chain_id.end());
  out.push_back(static_cast<std::uint8_t>(type));
  return out;
}

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void append_hash(std::vector<std::uint8_t>& out, const Hash32& hash) {
  out.insert(out.end(), hash.bytes.begin(), hash.bytes.end());
}

}  // namespace

std::vector<std::uint8_t> proposal_bytes(std::string_view chain_id, const Hash32& block_hash) {
  std::vector<std::uint8_t> out = begin(chain_id, MessageType::proposal, 32);
  append_hash(out, block_hash);
  return out;
}

std::vector<std::uint8_t> vote_bytes(std::string_view chain_id, View view, const Hash32& block_hash) {
  std::vector<std::uint8_t> out = begin(chain_id, MessageType::vote, 8 + 32);
  append_u64(out, view);
  append_hash(out, block_hash);
  return out;
}

std::vector<std::uint8_t> timeout_bytes(std::string_view chain_id, View view, View high_qc_view) {
  std::vector<std::uint8_t> out = begin(chain_id, MessageType::timeout, 8 + 8);
  append_u64(out, view);
  append_u64(out, high_qc_view);
  return out;
}

std::vector<std::uint8_t> client_request_bytes(std::string_view chain_id, ClientId client,
                                               RequestNumber number,
                                               std::span<const std::uint8_t> operation_bytes) {
  std::vector<std::uint8_t> out =
      begin(chain_id, MessageType::client_request, 8 + 8 + operation_bytes.size());
  append_u64(out, client);
  append_u64(out, number);
  out.insert(out.end(), operation_bytes.begin(), operation_bytes.end());
  return out;
}

}  // namespace bftsim::signing
