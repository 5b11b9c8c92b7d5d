// Tests of the wire codec (core/codec/codec.h): round trips, exact layouts,
// every kind of malformed input, truncation at every length, and a
// deterministic mutation loop.
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <vector>

#include "core/codec/byte_reader.h"
#include "core/crypto/blake2b.h"
#include "core/protocol/codec.h"
#include "core/crypto/keys.h"
#include "tests/protocol/wire_builder.h"

namespace bftsim::test_protocol_codec_test {
namespace {

using test::WireBuilder;

// Decodes `bytes`, expecting a malformed error whose message contains `fragment`.
void check_malformed(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  Result<Message> decoded = decode_message(bytes);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == ErrorCode::malformed);
  INFO("message: " << decoded.error().message);
  CHECK(decoded.error().message.find(fragment) != std::string::npos);
}

// A client_request carrying `op_body` (the Operation's bytes) as its op.
std::vector<std::uint8_t> client_request_with(const WireBuilder& op_body) {
  WireBuilder wire;
  wire.header(MessageType::client_request).u64(7).u64(1);
  wire.bytes.insert(wire.bytes.end(), op_body.bytes.begin(), op_body.bytes.end());
  return wire.bytes;
}

// Tiny xorshift64 so the mutation loop is the same on every platform.
struct XorShift {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

}  // namespace

TEST_CASE("codec: every sample message round-trips") {
  // Goal: encode then decode gives back an equal value for every message type
  // with non-trivial contents. Method: compare values, header bytes and size.
  for (const Message& message : test::sample_messages()) {
    std::vector<std::uint8_t> bytes = encode_message(message);
    INFO("type " << message_type_name(message_type(message)));
    REQUIRE(bytes.size() >= 2);
    CHECK(bytes[0] == 1);
    CHECK(bytes[1] == static_cast<std::uint8_t>(message_type(message)));
    CHECK(encoded_message_size_bytes(message) == bytes.size());
    Result<Message> decoded = decode_message(bytes);
    REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
    CHECK(*decoded == message);
  }
}

TEST_CASE("codec: a vote, a client_reply, a client_request and a new_view have the documented layout") {
  // Goal: the bytes match docs/wire_format.md field by field. Method: build
  // the expected bytes by hand and compare with the encoder's.
  Vote vote{.view = 0x0102'0304'0506'0708ULL, .block_hash = test::patterned_hash(4), .voter = 0x0a0b0c0d,
            .signature = test::patterned_signature(4)};
  WireBuilder expected_vote;
  expected_vote.header(MessageType::vote).u64(vote.view);
  expected_vote.bytes.insert(expected_vote.bytes.end(), vote.block_hash.bytes.begin(), vote.block_hash.bytes.end());
  expected_vote.u32(vote.voter);
  expected_vote.bytes.insert(expected_vote.bytes.end(), vote.signature.bytes.begin(), vote.signature.bytes.end());
  CHECK(encode_message(vote) == expected_vote.bytes);
  CHECK(expected_vote.bytes[2] == 0x08);  // little-endian: low byte first

  ClientReply reply{.client = 5, .number = 6, .replica = 2, .height = 77,
                    .result = {.status = ResultStatus::ok, .value = std::string("xy")}};
  WireBuilder expected_reply;
  expected_reply.header(MessageType::client_reply).u64(5).u64(6).u32(2).u64(77).u8(0).u8(1).str("xy");
  CHECK(encode_message(reply) == expected_reply.bytes);

  // new_view: u64 view, the QC (u64 view, hash, list of signer + signature), optional TC.
  const QuorumCert qc = test::sample_qc(6, 3, {0, 2});
  WireBuilder expected_new_view;
  expected_new_view.header(MessageType::new_view).u64(7).u64(6);
  expected_new_view.bytes.insert(expected_new_view.bytes.end(), qc.block_hash.bytes.begin(), qc.block_hash.bytes.end());
  expected_new_view.u32(2);
  for (const SignerSignature& entry : qc.signatures) {
    expected_new_view.u32(entry.signer);
    expected_new_view.bytes.insert(expected_new_view.bytes.end(), entry.signature.bytes.begin(),
                                   entry.signature.bytes.end());
  }
  expected_new_view.u8(0);
  CHECK(encode_message(NewView{.view = 7, .high_qc = qc, .last_tc = std::nullopt}) == expected_new_view.bytes);
  CHECK(expected_new_view.bytes.size() == 2 + 8 + 8 + 32 + 4 + 2 * (4 + 64) + 1);

  ClientRequest request = test::make_request(1, 2, test::make_op(OpType::put, "k", "v"));
  WireBuilder expected_request;
  expected_request.header(MessageType::client_request).u64(1).u64(2).u8(1).str("k").str("v").u32(0).u32(0);
  CHECK(encode_message(request) == expected_request.bytes);
}

TEST_CASE("codec: a proposal embeds the block's canonical bytes, which the hash covers") {
  // Goal: encode_block is the body inside a proposal and block_hash is its
  // BLAKE2b-256. Method: compare byte ranges, then change one field deep in
  // the batch and expect a different hash.
  Block block = test::sample_block(3, 1, true);
  std::vector<std::uint8_t> block_bytes = encode_block(block);
  std::vector<std::uint8_t> proposal_bytes = encode_message(Proposal{.block = block, .timeout_cert = {}, .signature = {}});
  REQUIRE(proposal_bytes.size() == 2 + block_bytes.size() + 1 + 64);
  CHECK(std::equal(block_bytes.begin(), block_bytes.end(), proposal_bytes.begin() + 2));
  CHECK(block_hash(block) == blake2b_256(block_bytes));

  Block changed = block;
  changed.batch[3].op.writes[1].is_delete = false;
  CHECK(block_hash(changed) != block_hash(block));
  Block same = block;
  CHECK(block_hash(same) == block_hash(block));
}

TEST_CASE("codec: limits are accepted exactly at the boundary") {
  // Goal: a message at every limit decodes; the rejection tests below use
  // limit + 1. Method: build a request with a maximal key, value and txn,
  // a full batch, a QC with replica_count_max signers, and round-trip them.
  Operation txn = test::make_op(OpType::txn, std::string(key_size_bytes_max, 'k'),
                                std::string(value_size_bytes_max, 'v'));
  for (std::uint32_t i = 0; i < txn_entries_max; ++i) {
    txn.conditions.push_back({.key = "c" + std::to_string(i), .expected = std::nullopt});
    txn.writes.push_back({.is_delete = true, .key = "w" + std::to_string(i), .value = ""});
  }
  Message request = ClientRequest{.client = 1, .number = 1, .op = txn};
  Result<Message> decoded = decode_message(encode_message(request));
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
  CHECK(*decoded == request);

  Block block;
  block.batch.resize(batch_size_max, test::make_request(2, 3, test::make_op(OpType::get, "g")));
  for (ReplicaIndex signer = 0; signer < certificate_signatures_max; ++signer)
    block.justify.signatures.edit().push_back({.signer = signer * 3, .signature = test::patterned_signature(1)});
  Message proposal = Proposal{.block = block, .timeout_cert = {}, .signature = {}};
  decoded = decode_message(encode_message(proposal));
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
  CHECK(*decoded == proposal);

  Message response = BlockResponse{.blocks = std::vector<Block>(block_response_blocks_max)};
  decoded = decode_message(encode_message(response));
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
  CHECK(*decoded == response);
}

TEST_CASE("codec: header errors") {
  // Goal: empty input, a bad version and a bad type byte are rejected with
  // clear messages. Method: hand-built headers.
  check_malformed({}, "truncated message: need 1 bytes for version, 0 left");
  check_malformed({1}, "truncated message: need 1 bytes for message type, 0 left");
  check_malformed({2, 2}, "unsupported version 2");
  check_malformed({0, 2}, "unsupported version 0");
  check_malformed({1, 11}, "unknown message type 11");
  check_malformed({1, 0}, "unknown message type 0");
  check_malformed({1, 255, 0, 0}, "unknown message type 255");
}

TEST_CASE("codec: truncation and trailing bytes") {
  // Goal: a short body names the message, field and byte counts; extra bytes
  // after a whole message are rejected. Method: cut and extend valid encodings.
  std::vector<std::uint8_t> vote = encode_message(Vote{});
  check_malformed({vote.begin(), vote.begin() + 5}, "truncated vote: need 8 bytes for view, 3 left");
  check_malformed({vote.begin(), vote.end() - 1}, "truncated vote: need 64 bytes for signature, 63 left");

  std::vector<std::uint8_t> reply = encode_message(ClientReply{});
  reply.insert(reply.end(), {0, 0, 0});
  check_malformed(reply, "3 trailing bytes after client_reply");

  // A length within its limit that runs past the end.
  check_malformed(client_request_with(WireBuilder{}.u8(1).u32(1000).fill(10, 'k')),
                  "truncated client_request: need 1000 bytes for key, 10 left");
  // A count within its limit whose minimal items cannot fit.
  WireBuilder proposal;
  proposal.header(MessageType::proposal).fill(32, 0).u64(1).u64(1).u32(0);
  proposal.u64(0).fill(32, 0).u32(0);  // justify, no signatures
  proposal.u32(50);                    // batch count
  check_malformed(proposal.bytes, "truncated proposal: batch count 50 needs at least 1650 bytes, 0 left");
}

TEST_CASE("codec: every strict prefix of a valid encoding fails cleanly") {
  // Goal: truncation anywhere is a malformed "truncated" error, never a crash
  // or a success. Method: decode each prefix of every sample message.
  for (const Message& message : test::sample_messages()) {
    std::vector<std::uint8_t> bytes = encode_message(message);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      Result<Message> decoded = decode_message(std::span<const std::uint8_t>(bytes.data(), size));
      REQUIRE(!decoded.has_value());
      REQUIRE(decoded.error().code == ErrorCode::malformed);
      REQUIRE_MESSAGE(decoded.error().message.find("truncated") != std::string::npos, decoded.error().message);
    }
  }
}

TEST_CASE("codec: unknown enum values, bools and optional tags") {
  // Goal: OpType, ResultStatus, bools and optional tags accept only their
  // defined values. Method: hand-built bodies with one bad byte each.
  check_malformed(client_request_with(WireBuilder{}.u8(9)), "unknown OpType 9");
  check_malformed(client_request_with(WireBuilder{}.u8(0)), "unknown OpType 0");
  check_malformed(client_request_with(WireBuilder{}.u8(8)), "unknown OpType 8");
  check_malformed(client_request_with(WireBuilder{}.u8(0x80 | 8)), "unknown OpType 8");  // signed flag set

  WireBuilder reply;
  reply.header(MessageType::client_reply).u64(1).u64(1).u32(0).u64(5).u8(5).u8(0);
  check_malformed(reply.bytes, "unknown ResultStatus 5");

  WireBuilder bad_tag_reply;
  bad_tag_reply.header(MessageType::client_reply).u64(1).u64(1).u32(0).u64(5).u8(0).u8(7);
  check_malformed(bad_tag_reply.bytes, "optional tag of result value is 7, not 0 or 1");

  // txn: no conditions, one write whose is_delete byte is 2.
  check_malformed(client_request_with(WireBuilder{}.u8(4).str("").str("").u32(0).u32(1).u8(2).str("k").str("v")),
                  "bool is_delete is 2, not 0 or 1");
  // txn: one condition whose optional tag is 2.
  check_malformed(client_request_with(WireBuilder{}.u8(4).str("").str("").u32(1).str("k").u8(2).u32(0)),
                  "optional tag of condition expected is 2, not 0 or 1");

  // A proposal whose timeout_cert tag is 2 (bare block, body offset 2 + 100).
  std::vector<std::uint8_t> proposal = encode_message(Proposal{});
  REQUIRE(proposal.size() == 2 + 100 + 1 + 64);
  proposal[102] = 2;
  check_malformed(proposal, "optional tag of timeout_cert is 2, not 0 or 1");

  // A new_view whose last_tc tag is 2 (view, genesis-like QC: 8 + 32 + 4 bytes).
  check_malformed(WireBuilder{}.header(MessageType::new_view).u64(1).u64(0).fill(32, 0).u32(0).u8(2).bytes,
                  "optional tag of last_tc is 2, not 0 or 1");
}

TEST_CASE("codec: oversized lengths and counts") {
  // Goal: every length and count is checked against its limit before any
  // allocation. Method: claim limit + 1 (or far more) with few bytes behind it.
  check_malformed(client_request_with(WireBuilder{}.u8(1).u32(key_size_bytes_max + 1)),
                  "key length 1025 exceeds key_size_bytes_max 1024");
  check_malformed(client_request_with(WireBuilder{}.u8(1).str("k").u32(value_size_bytes_max + 1)),
                  "value length 65537 exceeds value_size_bytes_max 65536");
  check_malformed(client_request_with(WireBuilder{}.u8(4).str("").str("").u32(txn_entries_max + 1)),
                  "txn conditions count 65 exceeds txn_entries_max 64");
  check_malformed(client_request_with(WireBuilder{}.u8(4).str("").str("").u32(0).u32(txn_entries_max + 1)),
                  "txn writes count 65 exceeds txn_entries_max 64");
  check_malformed(client_request_with(WireBuilder{}.u8(4).str("").str("").u32(0).u32(1).u8(0).str("k").u32(0xffff'ffff)),
                  "write value length 4294967295 exceeds value_size_bytes_max 65536");

  WireBuilder proposal;
  proposal.header(MessageType::proposal).fill(32, 0).u64(1).u64(1).u32(0).u64(0).fill(32, 0).u32(0).u32(100000);
  check_malformed(proposal.bytes, "batch count 100000 exceeds batch_size_max 4096");

  WireBuilder response;
  response.header(MessageType::block_response).u32(block_response_blocks_max + 1);
  check_malformed(response.bytes, "blocks count 65 exceeds block_response_blocks_max 64");

  WireBuilder vote_qc;  // a timeout whose high_qc claims 1025 signatures
  vote_qc.header(MessageType::timeout).u64(3).u32(1).u64(2).fill(32, 0).u32(replica_count_max + 1);
  check_malformed(vote_qc.bytes, "qc signatures count 1025 exceeds certificate_signatures_max 1024");

  WireBuilder tc;  // a proposal with a TC claiming 1025 signatures
  tc.header(MessageType::proposal).fill(32, 0).u64(1).u64(1).u32(0).u64(0).fill(32, 0).u32(0).u32(0);
  tc.u8(1).u64(5).u32(replica_count_max + 1);
  check_malformed(tc.bytes, "tc signatures count 1025 exceeds certificate_signatures_max 1024");
}

TEST_CASE("codec: certificates must list signers strictly increasing") {
  // Goal: a QC or TC has one canonical form, without duplicates. Method:
  // encode certificates with repeated and descending signers (the encoder
  // does not check) and expect the decoder to refuse them.
  Timeout duplicate{.view = 4, .sender = 0, .high_qc = test::sample_qc(3, 1, {0, 1, 1}), .last_tc = {}, .signature = {}};
  check_malformed(encode_message(duplicate), "qc signers not strictly increasing: signer 1 after 1");
  Timeout descending{.view = 4, .sender = 0, .high_qc = test::sample_qc(3, 1, {0, 3, 2}), .last_tc = {}, .signature = {}};
  check_malformed(encode_message(descending), "qc signers not strictly increasing: signer 2 after 3");

  TimeoutCert tc{.view = 8, .signatures = {}, .high_qc = {}};
  tc.signatures.edit().push_back({.signer = 5, .high_qc_view = 1, .signature = {}});
  tc.signatures.edit().push_back({.signer = 2, .high_qc_view = 1, .signature = {}});
  check_malformed(encode_message(Proposal{.block = {}, .timeout_cert = tc, .signature = {}}),
                  "tc signers not strictly increasing: signer 2 after 5");

  Block block = test::sample_block(2, 1, false);
  block.justify = test::sample_qc(1, 1, {2, 2});
  check_malformed(encode_message(BlockResponse{.blocks = {block}}), "signers not strictly increasing");
}

TEST_CASE("codec: garbage and single-byte mutations never crash and decode canonically") {
  // Goal: arbitrary input is rejected or decodes to a value that re-encodes
  // to the very same bytes. Method: a fixed-seed xorshift makes 20k inputs:
  // random bytes (half behind a valid header) and one-byte mutations of the
  // sample encodings.
  std::vector<std::vector<std::uint8_t>> valid;
  for (const Message& message : test::sample_messages()) valid.push_back(encode_message(message));
  XorShift rng{0x9e37'79b9'7f4a'7c15ULL};
  int decoded_count = 0;
  int rejected_count = 0;
  auto check = [&](const std::vector<std::uint8_t>& bytes) {
    Result<Message> decoded = decode_message(bytes);
    if (decoded) {
      ++decoded_count;
      REQUIRE(encode_message(*decoded) == bytes);
    } else {
      ++rejected_count;
      REQUIRE(decoded.error().code == ErrorCode::malformed);
      REQUIRE(!decoded.error().message.empty());
    }
  };
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::uint8_t> bytes(rng.below(160));
    for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
    if (bytes.size() >= 2 && i % 2 == 0) {
      bytes[0] = 1;
      bytes[1] = static_cast<std::uint8_t>(1 + rng.below(message_type_count));
    }
    check(bytes);
  }
  for (int i = 0; i < 15000; ++i) {
    std::vector<std::uint8_t> bytes = valid[rng.below(valid.size())];
    bytes[rng.below(bytes.size())] = static_cast<std::uint8_t>(rng.next());
    check(bytes);
  }
  // Both outcomes must have happened, or the loop tested nothing.
  CHECK(decoded_count > 1000);
  CHECK(rejected_count > 1000);
}

}  // namespace bftsim::test_protocol_codec_test

namespace bftsim::test_protocol_codec_test {
namespace {

TEST_CASE("codec: a stored block and QC decode back, and damage is an error") {
  // Goal: the stand-alone block and QC encodings (for stored state) round-trip
  // and are as strict as messages. Method: take the blocks of the sample
  // proposals; decode their encodings and every strict prefix and extension.
  std::size_t checked = 0;
  for (const Message& message : test::sample_messages()) {
    const auto* proposal = std::get_if<Proposal>(&message);
    if (proposal == nullptr) continue;
    const std::vector<std::uint8_t> block_bytes = encode_block(proposal->block);
    auto block = decode_block(block_bytes);
    REQUIRE(block);
    CHECK(*block == proposal->block);
    const std::vector<std::uint8_t> qc_bytes = encode_quorum_cert(proposal->block.justify);
    auto qc = decode_quorum_cert(qc_bytes);
    REQUIRE(qc);
    CHECK(*qc == proposal->block.justify);
    for (std::size_t cut = 0; cut < block_bytes.size(); ++cut)
      CHECK(!decode_block(std::span(block_bytes.data(), cut)));
    for (std::size_t cut = 0; cut < qc_bytes.size(); ++cut)
      CHECK(!decode_quorum_cert(std::span(qc_bytes.data(), cut)));
    std::vector<std::uint8_t> longer = qc_bytes;
    longer.push_back(0);
    CHECK(!decode_quorum_cert(longer));
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace
}  // namespace bftsim::test_protocol_codec_test

namespace bftsim::test_protocol_codec_test {

TEST_CASE("codec: an empty raw field copies nothing, even from and into null pointers") {
  // Goal: regression for fuzz_wire's first finding: decoding a state_response
  // whose reply record is empty called memcpy(nullptr, p, 0), undefined
  // behaviour that UBSan (nonnull-attribute) reports. Method: read an empty
  // field from an empty input into an empty vector (both data() null), then
  // round-trip a state_response with an empty record.
  std::vector<std::uint8_t> empty_out;
  ByteReader reader(std::span<const std::uint8_t>(), "test");
  reader.raw(empty_out, "nothing");
  CHECK(reader.ok());
  CHECK(reader.remaining_bytes() == 0);

  StateResponse response;
  response.replies = {SnapshotReply{.client = 4, .number = 1, .record = {}}};
  const auto bytes = encode_message(Message(response));
  auto decoded = decode_message(bytes);
  REQUIRE(decoded.has_value());
  CHECK(std::get<StateResponse>(*decoded) == response);
}

}  // namespace bftsim::test_protocol_codec_test
