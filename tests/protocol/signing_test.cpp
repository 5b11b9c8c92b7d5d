// Tests of the signed byte strings (core/crypto/signing.h): exact layout and
// domain separation by chain id and by message type.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/protocol/messages.h"
#include "core/crypto/keys.h"
#include "core/protocol/signing.h"

namespace bftsim::test_protocol_signing_test {
namespace {

std::vector<std::uint8_t> prefix(const std::string& chain_id, MessageType type) {
  std::string tag = "bftsim/sig/v1";
  std::vector<std::uint8_t> out(tag.begin(), tag.end());
  out.push_back(static_cast<std::uint8_t>(chain_id.size()));
  out.push_back(static_cast<std::uint8_t>(chain_id.size() >> 8));
  out.insert(out.end(), chain_id.begin(), chain_id.end());
  out.push_back(static_cast<std::uint8_t>(type));
  return out;
}

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

Hash32 hash_of(std::uint8_t fill) {
  Hash32 hash;
  hash.bytes.fill(fill);
  return hash;
}

}  // namespace

TEST_CASE("signing: the byte strings have the documented layout") {
  // Goal: tag, u16 LE chain-id length, chain id, type byte, LE fields.
  // Method: build each expected string by hand.
  Hash32 hash = hash_of(0x5a);
  std::vector<std::uint8_t> proposal = prefix("main", MessageType::proposal);
  proposal.insert(proposal.end(), hash.bytes.begin(), hash.bytes.end());
  CHECK(signing::proposal_bytes("main", hash) == proposal);

  std::vector<std::uint8_t> vote = prefix("main", MessageType::vote);
  append_u64(vote, 0x0102'0304'0506'0708ULL);
  vote.insert(vote.end(), hash.bytes.begin(), hash.bytes.end());
  CHECK(signing::vote_bytes("main", 0x0102'0304'0506'0708ULL, hash) == vote);

  std::vector<std::uint8_t> timeout = prefix("", MessageType::timeout);
  append_u64(timeout, 9);
  append_u64(timeout, 8);
  CHECK(signing::timeout_bytes("", 9, 8) == timeout);

  std::string long_chain(300, 'c');  // the length needs both bytes of the u16
  std::vector<std::uint8_t> long_vote = signing::vote_bytes(long_chain, 1, hash);
  CHECK(long_vote[13] == 0x2c);
  CHECK(long_vote[14] == 0x01);
}

TEST_CASE("signing: chain id and message type separate the domains") {
  // Goal: a signature for one chain or one message type never verifies as
  // another. Method: sign vote bytes, then verify them as another chain's
  // vote, as a timeout over the same numbers, and as a proposal of the hash.
  Hash32 hash = hash_of(0);
  hash.bytes[0] = 7;  // the hash's first 8 bytes read as u64 7
  CHECK(signing::vote_bytes("a", 5, hash) != signing::vote_bytes("b", 5, hash));
  CHECK(signing::proposal_bytes("a", hash) != signing::proposal_bytes("b", hash));
  CHECK(signing::timeout_bytes("a", 5, 7) != signing::timeout_bytes("b", 5, 7));
  for (CryptoKind kind : {CryptoKind::ed25519, CryptoKind::fast}) {
    INFO("kind " << crypto_kind_name(kind));
    std::unique_ptr<KeyRing> ring = KeyRing::create(kind, 3, 4);
    std::shared_ptr<const Verifier> verifier = ring->verifier();
    Signature vote = ring->signer(0)->sign(signing::vote_bytes("a", 5, hash));
    CHECK(verifier->verify(0, signing::vote_bytes("a", 5, hash), vote));
    CHECK(!verifier->verify(0, signing::vote_bytes("b", 5, hash), vote));
    CHECK(!verifier->verify(0, signing::timeout_bytes("a", 5, 7), vote));
    CHECK(!verifier->verify(0, signing::proposal_bytes("a", hash), vote));
    Signature timeout = ring->signer(0)->sign(signing::timeout_bytes("a", 5, 7));
    CHECK(!verifier->verify(0, signing::vote_bytes("a", 5, hash), timeout));
  }
}

}  // namespace bftsim::test_protocol_signing_test
