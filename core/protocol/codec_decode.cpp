// The wire codec's decoding half (codec.h, docs/wire_format.md): each type
// has one get_* function that fills a value in place from a ByteReader. Input
// is a peer's: a length or count is checked against the bytes left before
// anything is reserved, and any non-canonical byte is ErrorCode::malformed.
// The encoding half is codec_encode.cpp.
#include <string>
#include <variant>

#include <fmt/format.h>

#include "core/codec/byte_reader.h"
#include "core/protocol/codec.h"
#include "core/protocol/codec_flags.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

static_assert(std::variant_size_v<Message> == message_type_count);
static_assert(static_cast<int>(MessageType::new_view) == message_type_count);

// The fewest bytes one item of each repeated type can take; a count is
// rejected when count * minimum exceeds the bytes left, before reserving.
constexpr std::size_t signer_signature_size_bytes = 4 + 64;
constexpr std::size_t timeout_signature_size_bytes = 4 + 8 + 64;
constexpr std::size_t quorum_cert_size_bytes_min = 8 + 32 + 4;
constexpr std::size_t txn_condition_size_bytes_min = 4 + 1;
constexpr std::size_t txn_write_size_bytes_min = 1 + 4 + 4;
constexpr std::size_t operation_size_bytes_min = 1 + 4 + 4 + 4 + 4;
constexpr std::size_t client_request_size_bytes_min = 8 + 8 + operation_size_bytes_min;
constexpr std::size_t op_result_size_bytes_min = 1 + 1;
constexpr std::size_t block_size_bytes_min = 32 + 8 + 8 + 4 + quorum_cert_size_bytes_min + 4;

void get_hash(ByteReader& reader, Hash32& out, const char* field) {
  reader.raw(std::span<std::uint8_t>(out.bytes), field);
}

void get_signature(ByteReader& reader, Signature& out, const char* field) {
  reader.raw(std::span<std::uint8_t>(out.bytes), field);
}

void get_key(ByteReader& reader, std::string& out, const char* field) {
  reader.string(out, field, key_size_bytes_max, "key_size_bytes_max");
}

void get_value(ByteReader& reader, std::string& out, const char* field) {
  reader.string(out, field, value_size_bytes_max, "value_size_bytes_max");
}

void get_optional_value(ByteReader& reader, std::optional<std::string>& out, const char* field) {
  if (!reader.flag("optional tag of", field)) return;
  get_value(reader, out.emplace(), field);
}

// Certificates have one canonical form: signers strictly increasing, which
// also rules out a signer counted twice.
template <typename Entry>
void check_signers_increasing(ByteReader& reader, const std::vector<Entry>& entries, const char* what) {
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].signer <= entries[i - 1].signer) {
      reader.fail(fmt::format("{} signers not strictly increasing: signer {} after {}", what,
                              entries[i].signer, entries[i - 1].signer));
      return;
    }
  }
}

void get_quorum_cert(ByteReader& reader, QuorumCert& qc) {
  qc.view = reader.u64("qc view");
  get_hash(reader, qc.block_hash, "qc block_hash");
  std::uint32_t count = reader.count("qc signatures", certificate_signatures_max,
                                     "certificate_signatures_max", signer_signature_size_bytes);
  std::vector<SignerSignature>& signatures = qc.signatures.edit();
  signatures.resize(count);
  for (SignerSignature& entry : signatures) {
    entry.signer = reader.u32("qc signer");
    get_signature(reader, entry.signature, "qc signature");
  }
  if (reader.ok()) check_signers_increasing(reader, signatures, "qc");
}

void get_timeout_cert(ByteReader& reader, TimeoutCert& tc) {
  tc.view = reader.u64("tc view");
  std::uint32_t count = reader.count("tc signatures", certificate_signatures_max,
                                     "certificate_signatures_max", timeout_signature_size_bytes);
  std::vector<TimeoutSignature>& signatures = tc.signatures.edit();
  signatures.resize(count);
  for (TimeoutSignature& entry : signatures) {
    entry.signer = reader.u32("tc signer");
    entry.high_qc_view = reader.u64("tc high_qc_view");
    get_signature(reader, entry.signature, "tc signature");
  }
  if (reader.ok()) check_signers_increasing(reader, signatures, "tc");
  if (reader.ok()) get_quorum_cert(reader, tc.high_qc);
}

std::uint8_t get_operation(ByteReader& reader, Operation& op);

// A batch's operations, after its (empty) single-op fields: 1 ..
// batch_ops_max of them, none a batch or signed, the whole batch (from its
// type byte, `start_bytes` left then) in at most batch_size_bytes_max bytes.
void get_batch(ByteReader& reader, Operation& op, std::size_t start_bytes) {
  if (!reader.ok()) return;
  if (!op.key.empty() || !op.value.empty() || !op.conditions.empty() || !op.writes.empty())
    return reader.fail("a batch operation has a key, value, conditions or writes of its own");
  const std::uint32_t count =
      reader.count("batch ops", batch_ops_max, "batch_ops_max", operation_size_bytes_min);
  if (!reader.ok()) return;
  if (count == 0) return reader.fail("empty batch");
  op.ops.resize(count);
  for (Operation& inner : op.ops) {
    if (get_operation(reader, inner) != 0) return reader.fail("a signed operation inside a batch");
    if (!reader.ok()) return;
    if (inner.type == OpType::batch) return reader.fail("a batch inside a batch");
    if (start_bytes - reader.remaining_bytes() > batch_size_bytes_max)
      return reader.fail(fmt::format("batch larger than batch_size_bytes_max ({} bytes)", batch_size_bytes_max));
  }
}

// Returns the flags of the type byte (codec_flags::op_signed or 0).
std::uint8_t get_operation(ByteReader& reader, Operation& op) {
  const std::size_t start_bytes = reader.remaining_bytes();
  std::uint8_t type_byte = reader.u8("op type");
  if (!reader.ok()) return 0;
  const std::uint8_t flags = type_byte & codec_flags::op_signed;
  const std::uint8_t type = type_byte & static_cast<std::uint8_t>(~codec_flags::op_signed);
  if (type < static_cast<std::uint8_t>(OpType::put) || type > static_cast<std::uint8_t>(op_type_last)) {
    reader.fail(fmt::format("unknown OpType {}", type));
    return 0;
  }
  op.type = static_cast<OpType>(type);
  get_key(reader, op.key, "key");
  get_value(reader, op.value, "value");
  std::uint32_t condition_count = reader.count("txn conditions", txn_entries_max, "txn_entries_max",
                                               txn_condition_size_bytes_min);
  op.conditions.resize(condition_count);
  for (TxnCondition& condition : op.conditions) {
    if (!reader.ok()) return 0;
    get_key(reader, condition.key, "condition key");
    get_optional_value(reader, condition.expected, "condition expected");
  }
  std::uint32_t write_count =
      reader.count("txn writes", txn_entries_max, "txn_entries_max", txn_write_size_bytes_min);
  op.writes.resize(write_count);
  for (TxnWrite& write : op.writes) {
    if (!reader.ok()) return 0;
    write.is_delete = reader.flag("bool", "is_delete");
    get_key(reader, write.key, "write key");
    get_value(reader, write.value, "write value");
  }
  if (op.type == OpType::batch) get_batch(reader, op, start_bytes);
  return flags;
}

void get_body(ByteReader& reader, ClientRequest& request) {
  request.client = reader.u64("client");
  request.number = reader.u64("number");
  if (get_operation(reader, request.op) != codec_flags::op_signed) return;
  ClientAuth& auth = request.auth.emplace();
  reader.raw(std::span<std::uint8_t>(auth.public_key.bytes), "client public_key");
  get_signature(reader, auth.signature, "client signature");
}

void get_block(ByteReader& reader, Block& block) {
  get_hash(reader, block.parent_hash, "parent_hash");
  block.height = reader.u64("height");
  block.view = reader.u64("view");
  block.proposer = reader.u32("proposer");
  get_quorum_cert(reader, block.justify);
  std::uint32_t count =
      reader.count("batch", batch_size_max, "batch_size_max", client_request_size_bytes_min);
  block.batch.resize(count);
  for (ClientRequest& request : block.batch) {
    if (!reader.ok()) return;
    get_body(reader, request);
  }
}

void get_body(ByteReader& reader, Proposal& proposal) {
  get_block(reader, proposal.block);
  if (reader.flag("optional tag of", "timeout_cert")) get_timeout_cert(reader, proposal.timeout_cert.emplace());
  get_signature(reader, proposal.signature, "signature");
}

void get_body(ByteReader& reader, Vote& vote) {
  vote.view = reader.u64("view");
  get_hash(reader, vote.block_hash, "block_hash");
  vote.voter = reader.u32("voter");
  get_signature(reader, vote.signature, "signature");
}

void get_body(ByteReader& reader, Timeout& timeout) {
  timeout.view = reader.u64("view");
  timeout.sender = reader.u32("sender");
  get_quorum_cert(reader, timeout.high_qc);
  if (reader.flag("optional tag of", "last_tc")) get_timeout_cert(reader, timeout.last_tc.emplace());
  get_signature(reader, timeout.signature, "signature");
}

void get_body(ByteReader& reader, BlockRequest& request) {
  get_hash(reader, request.block_hash, "block_hash");
  request.ancestor_count_max = reader.u32("ancestor_count_max");
  request.above_height = reader.u64("above_height");
}

void get_body(ByteReader& reader, BlockResponse& response) {
  std::uint32_t count = reader.count("blocks", block_response_blocks_max, "block_response_blocks_max",
                                     block_size_bytes_min);
  response.blocks.resize(count);
  for (Block& block : response.blocks) {
    if (!reader.ok()) return;
    get_block(reader, block);
  }
}

// Returns the flag bits of the status byte.
std::uint8_t get_result_status(ByteReader& reader, ResultStatus& out, std::uint8_t allowed_flags) {
  const std::uint8_t byte = reader.u8("result status");
  if (!reader.ok()) return 0;
  const std::uint8_t status = byte & static_cast<std::uint8_t>(~allowed_flags);
  if (status > static_cast<std::uint8_t>(result_status_last)) {
    reader.fail(fmt::format("unknown ResultStatus {}", status));
    return 0;
  }
  out = static_cast<ResultStatus>(status);
  return byte & allowed_flags;
}

void get_op_result(ByteReader& reader, OpResult& result) {
  const bool batch = get_result_status(reader, result.status, codec_flags::result_batch) != 0;
  get_optional_value(reader, result.value, "result value");
  if (!batch || !reader.ok()) return;
  const std::uint32_t count = reader.count("batch results", batch_ops_max, "batch_ops_max", op_result_size_bytes_min);
  if (reader.ok() && count == 0) return reader.fail("empty batch results");
  result.results.resize(count);
  for (OpResult& inner : result.results) {
    if (!reader.ok()) return;
    get_result_status(reader, inner.status, 0);
    get_optional_value(reader, inner.value, "batch result value");
  }
}

void get_body(ByteReader& reader, ClientReply& reply) {
  reply.client = reader.u64("client");
  reply.number = reader.u64("number");
  reply.replica = reader.u32("replica");
  reply.height = reader.u64("height");
  get_op_result(reader, reply.result);
}

void get_body(ByteReader& reader, StateRequest& request) {
  request.committed_height = reader.u64("committed_height");
}

void get_body(ByteReader& reader, StateResponse& response) {
  get_block(reader, response.block);
  get_hash(reader, response.state_digest, "state_digest");
  std::uint32_t count = reader.count("history", snapshot_history_max, "snapshot_history_max", 8 + 32 + 32);
  response.history.resize(count);
  for (CommittedDigest& entry : response.history) {
    if (!reader.ok()) return;
    entry.height = reader.u64("history height");
    get_hash(reader, entry.block_hash, "history block_hash");
    get_hash(reader, entry.state_digest, "history state_digest");
  }
  count = reader.count("pairs", snapshot_pairs_max, "snapshot_pairs_max", 4 + 4);
  response.pairs.resize(count);
  for (KeyValue& pair : response.pairs) {
    if (!reader.ok()) return;
    get_key(reader, pair.key, "pair key");
    get_value(reader, pair.value, "pair value");
  }
  count = reader.count("replies", snapshot_replies_max, "snapshot_replies_max", 8 + 8 + 4);
  response.replies.resize(count);
  for (SnapshotReply& reply : response.replies) {
    if (!reader.ok()) return;
    reply.client = reader.u64("reply client");
    reply.number = reader.u64("reply number");
    const std::uint32_t size = reader.u32("reply record length");
    if (!reader.ok()) return;
    if (size > snapshot_reply_size_bytes_max || size > reader.remaining_bytes()) {
      reader.fail(fmt::format("reply record length {} exceeds {} or the bytes left", size,
                              snapshot_reply_size_bytes_max));
      return;
    }
    reply.record.resize(size);
    reader.raw(reply.record, "reply record");
  }
}

void get_body(ByteReader& reader, NewView& new_view) {
  new_view.view = reader.u64("view");
  get_quorum_cert(reader, new_view.high_qc);
  if (reader.flag("optional tag of", "last_tc")) get_timeout_cert(reader, new_view.last_tc.emplace());
}

// Decodes the body of a T straight into the Result that is returned.
template <typename T>
Result<Message> decode_body(ByteReader& reader) {
  Result<Message> out(Message(std::in_place_type<T>));  // moves an empty T
  get_body(reader, std::get<T>(*out));
  if (!reader.ok()) return tl::unexpected(reader.take_error());
  if (reader.remaining_bytes() != 0) {
    return make_error(ErrorCode::malformed, fmt::format("{} trailing bytes after {}",
                                                        reader.remaining_bytes(), reader.context()));
  }
  return out;
}

}  // namespace

Result<Message> decode_message(std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes, "message");
  std::uint8_t version = reader.u8("version");
  std::uint8_t type = reader.u8("message type");
  if (!reader.ok()) return tl::unexpected(reader.take_error());
  if (version != wire_version) {
    return make_error(ErrorCode::malformed, fmt::format("unsupported version {}", version));
  }
  if (type == 0 || type > message_type_count) {
    return make_error(ErrorCode::malformed, fmt::format("unknown message type {}", type));
  }
  auto message_type = static_cast<MessageType>(type);
  reader.set_context(message_type_name(message_type));
  switch (message_type) {
    case MessageType::proposal: return decode_body<Proposal>(reader);
    case MessageType::vote: return decode_body<Vote>(reader);
    case MessageType::timeout: return decode_body<Timeout>(reader);
    case MessageType::block_request: return decode_body<BlockRequest>(reader);
    case MessageType::block_response: return decode_body<BlockResponse>(reader);
    case MessageType::client_request: return decode_body<ClientRequest>(reader);
    case MessageType::client_reply: return decode_body<ClientReply>(reader);
    case MessageType::state_request: return decode_body<StateRequest>(reader);
    case MessageType::state_response: return decode_body<StateResponse>(reader);
    case MessageType::new_view: return decode_body<NewView>(reader);
  }
  BFTSIM_ASSERT(false);  // every value in 1..message_type_count is a case above
  return make_error(ErrorCode::malformed, "unreachable");
}

namespace {
// Decodes one T with `get`, rejecting trailing bytes.
template <typename T, typename Get>
Result<T> decode_whole(std::span<const std::uint8_t> bytes, const char* context, Get get) {
  ByteReader reader(bytes, context);
  T out{};
  get(reader, out);
  if (!reader.ok()) return tl::unexpected(reader.take_error());
  if (reader.remaining_bytes() != 0) {
    return make_error(ErrorCode::malformed,
                      fmt::format("{} trailing bytes after {}", reader.remaining_bytes(), context));
  }
  return out;
}
}  // namespace

Result<Block> decode_block(std::span<const std::uint8_t> bytes) {
  return decode_whole<Block>(bytes, "block", [](ByteReader& reader, Block& block) { get_block(reader, block); });
}

Result<QuorumCert> decode_quorum_cert(std::span<const std::uint8_t> bytes) {
  return decode_whole<QuorumCert>(bytes, "quorum_cert",
                                  [](ByteReader& reader, QuorumCert& qc) { get_quorum_cert(reader, qc); });
}

}  // namespace bftsim
