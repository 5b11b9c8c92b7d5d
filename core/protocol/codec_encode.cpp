// The wire codec's encoding half (codec.h, docs/wire_format.md): each type
// has one emit_* template, run twice per encode (ByteCounter to size the
// buffer, then ByteWriter to fill it), so a buffer is allocated once at its
// exact size. The decoding half is codec_decode.cpp.
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "core/codec/byte_writer.h"
#include "core/crypto/blake2b.h"
#include "core/protocol/codec.h"
#include "core/protocol/codec_flags.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {


template <typename Sink>
void emit_length(Sink& sink, std::size_t length) {
  BFTSIM_ASSERT(length <= std::numeric_limits<std::uint32_t>::max());
  sink.u32(static_cast<std::uint32_t>(length));
}

template <typename Sink>
void emit_string(Sink& sink, std::string_view value) {
  emit_length(sink, value.size());
  sink.raw(value);
}

template <typename Sink>
void emit_bool(Sink& sink, bool value) {
  sink.u8(value ? 1 : 0);
}

template <typename Sink>
void emit_optional_string(Sink& sink, const std::optional<std::string>& value) {
  emit_bool(sink, value.has_value());
  if (value) emit_string(sink, *value);
}

template <typename Sink>
void emit_hash(Sink& sink, const Hash32& hash) {
  sink.raw(std::span<const std::uint8_t>(hash.bytes));
}

template <typename Sink>
void emit_signature(Sink& sink, const Signature& signature) {
  sink.raw(std::span<const std::uint8_t>(signature.bytes));
}

template <typename Sink>
void emit_quorum_cert(Sink& sink, const QuorumCert& qc) {
  sink.u64(qc.view);
  emit_hash(sink, qc.block_hash);
  emit_length(sink, qc.signatures.size());
  for (const SignerSignature& entry : qc.signatures) {
    sink.u32(entry.signer);
    emit_signature(sink, entry.signature);
  }
}

template <typename Sink>
void emit_timeout_cert(Sink& sink, const TimeoutCert& tc) {
  sink.u64(tc.view);
  emit_length(sink, tc.signatures.size());
  for (const TimeoutSignature& entry : tc.signatures) {
    sink.u32(entry.signer);
    sink.u64(entry.high_qc_view);
    emit_signature(sink, entry.signature);
  }
  emit_quorum_cert(sink, tc.high_qc);
}

// Every field is encoded whatever the type, so the encoding is injective:
// two different Operations never share bytes (or a block hash).
// `flags` go into the type byte's high bit (codec_flags::op_signed), which keeps an
// unsigned request's bytes what they were before requests could be signed.
template <typename Sink>
void emit_operation(Sink& sink, const Operation& op, std::uint8_t flags = 0) {
  sink.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(op.type) | flags));
  emit_string(sink, op.key);
  emit_string(sink, op.value);
  emit_length(sink, op.conditions.size());
  for (const TxnCondition& condition : op.conditions) {
    emit_string(sink, condition.key);
    emit_optional_string(sink, condition.expected);
  }
  emit_length(sink, op.writes.size());
  for (const TxnWrite& write : op.writes) {
    emit_bool(sink, write.is_delete);
    emit_string(sink, write.key);
    emit_string(sink, write.value);
  }
  // Only a batch has operations; encoding them only there keeps every other
  // operation's bytes (and signatures, block hashes) what they were.
  BFTSIM_ASSERT(op.type == OpType::batch || op.ops.empty());
  if (op.type != OpType::batch) return;
  emit_length(sink, op.ops.size());
  for (const Operation& inner : op.ops) emit_operation(sink, inner);
}

// status (| codec_flags::result_batch), the optional value, then a batch's results
// (each a status and an optional value; they hold no batch of their own).
template <typename Sink>
void emit_op_result(Sink& sink, const OpResult& result) {
  const bool batch = !result.results.empty();
  sink.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(result.status) | (batch ? codec_flags::result_batch : 0)));
  emit_optional_string(sink, result.value);
  if (!batch) return;
  emit_length(sink, result.results.size());
  for (const OpResult& inner : result.results) {
    BFTSIM_ASSERT(inner.results.empty());
    sink.u8(static_cast<std::uint8_t>(inner.status));
    emit_optional_string(sink, inner.value);
  }
}

template <typename Sink>
void emit_body(Sink& sink, const ClientRequest& request) {
  sink.u64(request.client);
  sink.u64(request.number);
  emit_operation(sink, request.op, request.auth ? codec_flags::op_signed : 0);
  if (request.auth) {
    sink.raw(std::span<const std::uint8_t>(request.auth->public_key.bytes));
    emit_signature(sink, request.auth->signature);
  }
}

template <typename Sink>
void emit_block(Sink& sink, const Block& block) {
  emit_hash(sink, block.parent_hash);
  sink.u64(block.height);
  sink.u64(block.view);
  sink.u32(block.proposer);
  emit_quorum_cert(sink, block.justify);
  emit_length(sink, block.batch.size());
  for (const ClientRequest& request : block.batch) emit_body(sink, request);
}

template <typename Sink>
void emit_body(Sink& sink, const Proposal& proposal) {
  emit_block(sink, proposal.block);
  emit_bool(sink, proposal.timeout_cert.has_value());
  if (proposal.timeout_cert) emit_timeout_cert(sink, *proposal.timeout_cert);
  emit_signature(sink, proposal.signature);
}

template <typename Sink>
void emit_body(Sink& sink, const Vote& vote) {
  sink.u64(vote.view);
  emit_hash(sink, vote.block_hash);
  sink.u32(vote.voter);
  emit_signature(sink, vote.signature);
}

template <typename Sink>
void emit_body(Sink& sink, const Timeout& timeout) {
  sink.u64(timeout.view);
  sink.u32(timeout.sender);
  emit_quorum_cert(sink, timeout.high_qc);
  emit_bool(sink, timeout.last_tc.has_value());
  if (timeout.last_tc) emit_timeout_cert(sink, *timeout.last_tc);
  emit_signature(sink, timeout.signature);
}

template <typename Sink>
void emit_body(Sink& sink, const BlockRequest& request) {
  emit_hash(sink, request.block_hash);
  sink.u32(request.ancestor_count_max);
  sink.u64(request.above_height);
}

template <typename Sink>
void emit_body(Sink& sink, const BlockResponse& response) {
  emit_length(sink, response.blocks.size());
  for (const Block& block : response.blocks) emit_block(sink, block);
}

template <typename Sink>
void emit_body(Sink& sink, const ClientReply& reply) {
  sink.u64(reply.client);
  sink.u64(reply.number);
  sink.u32(reply.replica);
  sink.u64(reply.height);
  emit_op_result(sink, reply.result);
}

template <typename Sink>
void emit_body(Sink& sink, const StateRequest& request) {
  sink.u64(request.committed_height);
}

template <typename Sink>
void emit_body(Sink& sink, const StateResponse& response) {
  emit_block(sink, response.block);
  emit_hash(sink, response.state_digest);
  emit_length(sink, response.history.size());
  for (const CommittedDigest& entry : response.history) {
    sink.u64(entry.height);
    emit_hash(sink, entry.block_hash);
    emit_hash(sink, entry.state_digest);
  }
  emit_length(sink, response.pairs.size());
  for (const KeyValue& pair : response.pairs) {
    emit_string(sink, pair.key);
    emit_string(sink, pair.value);
  }
  emit_length(sink, response.replies.size());
  for (const SnapshotReply& reply : response.replies) {
    sink.u64(reply.client);
    sink.u64(reply.number);
    emit_length(sink, reply.record.size());
    sink.raw(std::span<const std::uint8_t>(reply.record));
  }
}

template <typename Sink>
void emit_body(Sink& sink, const NewView& new_view) {
  sink.u64(new_view.view);
  emit_quorum_cert(sink, new_view.high_qc);
  emit_bool(sink, new_view.last_tc.has_value());
  if (new_view.last_tc) emit_timeout_cert(sink, *new_view.last_tc);
}

template <typename Sink>
void emit_message(Sink& sink, const Message& message) {
  sink.u8(wire_version);
  sink.u8(static_cast<std::uint8_t>(message_type(message)));
  std::visit([&sink](const auto& body) { emit_body(sink, body); }, message);
}

// Sizes `value` with put(ByteCounter&), then writes it into an exact buffer.
template <typename Put>
std::vector<std::uint8_t> encode_exact(Put put) {
  ByteCounter counter;
  put(counter);
  std::vector<std::uint8_t> out(counter.size_bytes());
  ByteWriter writer(out.data(), out.data() + out.size());
  put(writer);
  BFTSIM_ASSERT(writer.at_end());
  return out;
}

}  // namespace

std::vector<std::uint8_t> encode_message(const Message& message) {
  return encode_exact([&message](auto& sink) { emit_message(sink, message); });
}

std::size_t encoded_message_size_bytes(const Message& message) {
  ByteCounter counter;
  emit_message(counter, message);
  return counter.size_bytes();
}

std::vector<std::uint8_t> encode_block(const Block& block) {
  return encode_exact([&block](auto& sink) { emit_block(sink, block); });
}

std::size_t encoded_block_size_bytes(const Block& block) {
  ByteCounter counter;
  emit_block(counter, block);
  return counter.size_bytes();
}

void encode_block(const Block& block, std::span<std::uint8_t> out) {
  ByteWriter writer(out.data(), out.data() + out.size());
  emit_block(writer, block);
  BFTSIM_ASSERT(writer.at_end());
}

std::vector<std::uint8_t> encode_operation(const Operation& op) {
  return encode_exact([&](auto& sink) { emit_operation(sink, op); });
}

Hash32 block_hash(const Block& block) {
  return blake2b_256(encode_block(block));
}

std::vector<std::uint8_t> encode_quorum_cert(const QuorumCert& qc) {
  return encode_exact([&qc](auto& sink) { emit_quorum_cert(sink, qc); });
}

}  // namespace bftsim
