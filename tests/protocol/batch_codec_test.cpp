// Tests of batch operations in the wire codec (OpType::batch, limits.h):
// a signed batch request and a reply with per-operation results round-trip,
// the exact layout, and every malformed batch a peer could send (empty, too
// many operations, oversized, nested, signed inside, fields of its own) is
// a clear malformed error.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/protocol/client_auth.h"
#include "core/protocol/codec.h"
#include "tests/protocol/wire_builder.h"

namespace bftsim::test_protocol_batch_codec_test {
namespace {

using test::WireBuilder;

Operation put(std::string key, std::string value) { return Operation{OpType::put, std::move(key), std::move(value), {}, {}}; }
Operation get(std::string key) { return Operation{OpType::get, std::move(key), {}, {}, {}}; }

Operation batch_of(std::vector<Operation> ops) {
  Operation batch{OpType::batch, {}, {}, {}, {}};
  batch.ops = std::move(ops);
  return batch;
}

ClientRequest request_of(Operation op) {
  ClientRequest request;
  request.client = 7;
  request.number = 1;
  request.op = std::move(op);
  return request;
}

void check_malformed(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  Result<Message> decoded = decode_message(bytes);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == ErrorCode::malformed);
  INFO("message: " << decoded.error().message);
  CHECK(decoded.error().message.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("batch codec: a signed batch request and a batch reply round-trip") {
  std::array<std::uint8_t, 32> seed_bytes{};
  seed_bytes.fill(9);
  ClientRequest request = request_of(batch_of({put("a", "1"), get("a"), Operation{OpType::incr, "n", "5", {}, {}}}));
  sign_client_request(request, Ed25519Seed(seed_bytes), "chain");
  auto decoded = decode_message(encode_message(request));
  REQUIRE(decoded);
  CHECK(std::get<ClientRequest>(*decoded) == request);
  CHECK(client_request_authentic(std::get<ClientRequest>(*decoded), "chain"));

  ClientReply reply{7, 1, 2, 40, OpResult{ResultStatus::ok, std::nullopt}};
  reply.result.results = {OpResult{ResultStatus::ok, std::nullopt}, OpResult{ResultStatus::ok, "1"},
                          OpResult{ResultStatus::not_integer, std::nullopt}};
  auto decoded_reply = decode_message(encode_message(reply));
  REQUIRE(decoded_reply);
  CHECK(std::get<ClientReply>(*decoded_reply) == reply);
}

TEST_CASE("batch codec: the layout, and a one-operation reply keeps its old bytes") {
  // Goal: a batch is its type byte (7), the four empty single-op fields, a
  // u32 count and the operations; a reply without results is what it was.
  const std::vector<std::uint8_t> bytes = encode_message(request_of(batch_of({get("k")})));
  WireBuilder expected;
  expected.header(MessageType::client_request).u64(7).u64(1);
  expected.u8(7).str("").str("").u32(0).u32(0).u32(1);
  expected.u8(2).str("k").str("").u32(0).u32(0);
  CHECK(bytes == expected.bytes);

  const ClientReply plain{1, 2, 3, 4, OpResult{ResultStatus::ok, "v"}};
  WireBuilder plain_bytes;
  plain_bytes.header(MessageType::client_reply).u64(1).u64(2).u32(3).u64(4).u8(0).u8(1).str("v");
  CHECK(encode_message(plain) == plain_bytes.bytes);
}

TEST_CASE("batch codec: the limits are accepted exactly at the boundary") {
  std::vector<Operation> ops(batch_ops_max, get("k"));
  CHECK(decode_message(encode_message(request_of(batch_of(ops)))).has_value());
  ClientReply reply{1, 1, 0, 1, OpResult{ResultStatus::ok, std::nullopt}};
  reply.result.results.assign(batch_ops_max, OpResult{ResultStatus::ok, "v"});
  CHECK(decode_message(encode_message(reply)).has_value());
}

TEST_CASE("batch codec: malformed batches are rejected with a clear error") {
  check_malformed(encode_message(request_of(batch_of({}))), "empty batch");
  check_malformed(encode_message(request_of(batch_of(std::vector<Operation>(batch_ops_max + 1, get("k"))))),
                  "batch ops count 129 exceeds batch_ops_max");
  // 20 values of 60 KiB: each within value_size_bytes_max, together past 1 MiB.
  check_malformed(encode_message(request_of(batch_of(std::vector<Operation>(20, put("k", std::string(60 * 1024, 'x')))))),
                  "batch larger than batch_size_bytes_max");
  check_malformed(encode_message(request_of(batch_of({get("a"), batch_of({get("b")})}))), "a batch inside a batch");
  Operation keyed = batch_of({get("a")});
  keyed.key = "own";
  check_malformed(encode_message(request_of(keyed)), "a batch operation has a key");
  // An inner operation whose type byte carries the signed flag.
  WireBuilder signed_inner;
  signed_inner.header(MessageType::client_request).u64(7).u64(1);
  signed_inner.u8(7).str("").str("").u32(0).u32(0).u32(1).u8(0x80 | 2).str("k").str("").u32(0).u32(0);
  check_malformed(signed_inner.bytes, "a signed operation inside a batch");
  // A count that claims more operations than bytes follow.
  WireBuilder short_count;
  short_count.header(MessageType::client_request).u64(7).u64(1).u8(7).str("").str("").u32(0).u32(0).u32(5);
  check_malformed(short_count.bytes, "batch ops");
  // Replies: results flagged but none, too many, and an inner status out of range.
  WireBuilder empty_results;
  empty_results.header(MessageType::client_reply).u64(1).u64(1).u32(0).u64(5).u8(0x80).u8(0).u32(0);
  check_malformed(empty_results.bytes, "empty batch results");
  WireBuilder many_results;
  many_results.header(MessageType::client_reply).u64(1).u64(1).u32(0).u64(5).u8(0x80).u8(0).u32(batch_ops_max + 1);
  many_results.fill(2 * (batch_ops_max + 1), 0);
  check_malformed(many_results.bytes, "batch results count 129 exceeds batch_ops_max");
  WireBuilder bad_inner;
  bad_inner.header(MessageType::client_reply).u64(1).u64(1).u32(0).u64(5).u8(0x80).u8(0).u32(1).u8(0x80).u8(0);
  check_malformed(bad_inner.bytes, "unknown ResultStatus 128");
}

}  // namespace bftsim::test_protocol_batch_codec_test
