// The peer handshake's messages and signed bytes (handshake.h).
#include "runner/handshake.h"

#include <sodium.h>

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim::runner {
namespace {

constexpr std::uint8_t kind_hello = 1;
constexpr std::uint8_t kind_challenge = 2;
constexpr std::uint8_t kind_proof = 3;

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint32_t get_u32(const std::uint8_t* in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(in[i]) << (8 * i);
  return value;
}

template <std::size_t N>
void put_bytes(std::vector<std::uint8_t>& out, const std::array<std::uint8_t, N>& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

tl::unexpected<Error> malformed(std::string message) {
  return make_error(ErrorCode::malformed, std::move(message));
}

}  // namespace

Nonce random_nonce() {
  BFTSIM_ASSERT(sodium_init() >= 0);
  Nonce nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  return nonce;
}

std::vector<std::uint8_t> handshake_bytes(HandshakeRole role, const std::string& chain_id,
                                          ReplicaIndex from, ReplicaIndex to, const Nonce& dial_nonce,
                                          const Nonce& accept_nonce) {
  static constexpr std::string_view tag = "bftsim/handshake/v1";
  BFTSIM_ASSERT(chain_id.size() <= 0xffff);
  std::vector<std::uint8_t> out(tag.begin(), tag.end());
  out.push_back(static_cast<std::uint8_t>(chain_id.size()));
  out.push_back(static_cast<std::uint8_t>(chain_id.size() >> 8));
  out.insert(out.end(), chain_id.begin(), chain_id.end());
  out.push_back(static_cast<std::uint8_t>(role));
  append_u32(out, from);
  append_u32(out, to);
  put_bytes(out, dial_nonce);
  put_bytes(out, accept_nonce);
  return out;
}

std::vector<std::uint8_t> encode_hello(const PeerHello& hello) {
  BFTSIM_ASSERT(hello.chain_id.size() <= 0xffff);
  std::vector<std::uint8_t> out;
  out.reserve(3 + hello.chain_id.size() + 40);
  out.push_back(kind_hello);
  out.push_back(static_cast<std::uint8_t>(hello.chain_id.size()));
  out.push_back(static_cast<std::uint8_t>(hello.chain_id.size() >> 8));
  out.insert(out.end(), hello.chain_id.begin(), hello.chain_id.end());
  append_u32(out, hello.from);
  append_u32(out, hello.to);
  put_bytes(out, hello.nonce);
  return out;
}

std::vector<std::uint8_t> encode_challenge(const PeerChallenge& challenge) {
  std::vector<std::uint8_t> out;
  out.reserve(1 + 32 + 64);
  out.push_back(kind_challenge);
  put_bytes(out, challenge.nonce);
  put_bytes(out, challenge.signature.bytes);
  return out;
}

std::vector<std::uint8_t> encode_proof(const PeerProof& proof) {
  std::vector<std::uint8_t> out;
  out.reserve(1 + 64);
  out.push_back(kind_proof);
  put_bytes(out, proof.signature.bytes);
  return out;
}

Result<PeerHello> decode_hello(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 3 || bytes[0] != kind_hello) return malformed("not a handshake hello");
  const std::size_t chain_size = bytes[1] | static_cast<std::size_t>(bytes[2]) << 8;
  if (bytes.size() != 3 + chain_size + 4 + 4 + 32)
    return malformed(fmt::format("handshake hello of {} bytes, expected {}", bytes.size(), 3 + chain_size + 40));
  PeerHello hello;
  hello.chain_id.assign(bytes.begin() + 3, bytes.begin() + 3 + static_cast<std::ptrdiff_t>(chain_size));
  const std::uint8_t* rest = bytes.data() + 3 + chain_size;
  hello.from = get_u32(rest);
  hello.to = get_u32(rest + 4);
  std::copy(rest + 8, rest + 40, hello.nonce.begin());
  return hello;
}

Result<PeerChallenge> decode_challenge(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 1 + 32 + 64 || bytes[0] != kind_challenge) return malformed("not a handshake challenge");
  PeerChallenge challenge;
  std::copy(bytes.begin() + 1, bytes.begin() + 33, challenge.nonce.begin());
  std::copy(bytes.begin() + 33, bytes.end(), challenge.signature.bytes.begin());
  return challenge;
}

Result<PeerProof> decode_proof(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 1 + 64 || bytes[0] != kind_proof) return malformed("not a handshake proof");
  PeerProof proof;
  std::copy(bytes.begin() + 1, bytes.end(), proof.signature.bytes.begin());
  return proof;
}

}  // namespace bftsim::runner
