// Test helpers for the codec tests: WireBuilder writes wire bytes by hand
// (independently of the codec), so tests can state exact layouts and craft
// malformed inputs; sample_messages() gives one or more non-trivial values of
// every message type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/protocol/messages.h"

namespace bftsim::test {

struct WireBuilder {
  std::vector<std::uint8_t> bytes;

  WireBuilder& u8(std::uint8_t value) {
    bytes.push_back(value);
    return *this;
  }
  WireBuilder& u32(std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  WireBuilder& u64(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  WireBuilder& fill(std::size_t count, std::uint8_t value) {
    bytes.insert(bytes.end(), count, value);
    return *this;
  }
  WireBuilder& str(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    bytes.insert(bytes.end(), value.begin(), value.end());
    return *this;
  }
  WireBuilder& header(MessageType type) { return u8(1).u8(static_cast<std::uint8_t>(type)); }
};

// GCC warns on designated initializers that omit fields, so operations and
// requests are built through these.
inline Operation make_op(OpType type, std::string key = {}, std::string value = {}) {
  Operation op;
  op.type = type;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

inline ClientRequest make_request(ClientId client, RequestNumber number, Operation op) {
  return ClientRequest{.client = client, .number = number, .op = std::move(op)};
}

inline Hash32 patterned_hash(std::uint8_t seed) {
  Hash32 hash;
  for (std::size_t i = 0; i < hash.bytes.size(); ++i) hash.bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
  return hash;
}

inline Signature patterned_signature(std::uint8_t seed) {
  Signature signature;
  for (std::size_t i = 0; i < signature.bytes.size(); ++i)
    signature.bytes[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return signature;
}

inline QuorumCert sample_qc(View view, std::uint8_t seed, std::vector<ReplicaIndex> signers) {
  QuorumCert qc{.view = view, .block_hash = patterned_hash(seed), .signatures = {}};
  for (ReplicaIndex signer : signers)
    qc.signatures.edit().push_back({.signer = signer, .signature = patterned_signature(static_cast<std::uint8_t>(seed + signer))});
  return qc;
}

// A batch with every OpType, binary keys, and a txn whose conditions have
// and lack an expected value and whose writes put and delete.
inline std::vector<ClientRequest> sample_batch() {
  std::vector<ClientRequest> batch;
  batch.push_back(make_request(7, 1, make_op(OpType::put, "alpha", "one")));
  batch.push_back(make_request(7, 2, make_op(OpType::get, std::string("\0\xff", 2))));
  batch.push_back(make_request(9, 1, make_op(OpType::del, "alpha")));
  Operation txn = make_op(OpType::txn);
  txn.conditions.push_back({.key = "alpha", .expected = std::string("one")});
  txn.conditions.push_back({.key = "beta", .expected = std::nullopt});
  txn.conditions.push_back({.key = "gamma", .expected = std::string()});
  txn.writes.push_back({.is_delete = false, .key = "beta", .value = "two"});
  txn.writes.push_back({.is_delete = true, .key = "alpha", .value = ""});
  batch.push_back(make_request(0xffff'ffff'ffff'ffffULL, 3, txn));
  batch.push_back(make_request(11, 4, make_op(OpType::txn)));  // an empty txn
  return batch;
}

inline Block sample_block(Height height, std::uint8_t seed, bool with_batch) {
  Block block;
  block.parent_hash = patterned_hash(seed);
  block.height = height;
  block.view = height + 2;
  block.proposer = 3;
  block.justify = sample_qc(height + 1, seed, {0, 2, 3});
  if (with_batch) block.batch = sample_batch();
  return block;
}

inline std::vector<Message> sample_messages() {
  std::vector<Message> out;
  TimeoutCert tc{.view = 41, .signatures = {}, .high_qc = sample_qc(39, 5, {1, 2, 6})};
  tc.signatures.edit().push_back({.signer = 0, .high_qc_view = 39, .signature = patterned_signature(1)});
  tc.signatures.edit().push_back({.signer = 4, .high_qc_view = 38, .signature = patterned_signature(2)});
  tc.signatures.edit().push_back({.signer = 255, .high_qc_view = 0, .signature = patterned_signature(3)});
  out.push_back(Proposal{.block = sample_block(40, 1, true), .timeout_cert = tc, .signature = patterned_signature(9)});
  // Empty batch, genesis-like justify (no signatures), no TC.
  Block bare;
  bare.height = 1;
  bare.view = 1;
  out.push_back(Proposal{.block = bare, .timeout_cert = std::nullopt, .signature = patterned_signature(8)});
  out.push_back(Vote{.view = 0x0102'0304'0506'0708ULL, .block_hash = patterned_hash(4), .voter = 2,
                     .signature = patterned_signature(4)});
  out.push_back(Timeout{.view = 12, .sender = 1, .high_qc = sample_qc(10, 6, {0, 1, 2, 3, 4}),
                        .last_tc = std::nullopt, .signature = patterned_signature(5)});
  out.push_back(Timeout{.view = 1, .sender = 0, .high_qc = QuorumCert{}, .last_tc = std::nullopt,
                        .signature = Signature{}});
  out.push_back(Timeout{.view = 42, .sender = 4, .high_qc = sample_qc(39, 5, {1, 2, 6}), .last_tc = tc,
                        .signature = patterned_signature(6)});
  out.push_back(BlockRequest{.block_hash = patterned_hash(7), .ancestor_count_max = 16});
  out.push_back(BlockResponse{.blocks = {sample_block(5, 2, true), sample_block(4, 3, false)}});
  out.push_back(BlockResponse{});
  for (const ClientRequest& request : sample_batch()) out.push_back(request);
  out.push_back(ClientReply{.client = 7, .number = 2, .replica = 1, .height = 99,
                            .result = {.status = ResultStatus::ok, .value = std::string("one")}});
  out.push_back(ClientReply{.client = 7, .number = 3, .replica = 0, .height = 100,
                            .result = {.status = ResultStatus::not_found, .value = std::nullopt}});
  out.push_back(ClientReply{.client = 8, .number = 1, .replica = 3, .height = 101,
                            .result = {.status = ResultStatus::condition_failed, .value = std::string()}});
  out.push_back(StateRequest{.committed_height = 77});
  StateResponse state;
  state.block = sample_block(12, 4, true);
  state.state_digest = patterned_hash(8);
  state.history = {CommittedDigest{.height = 11, .block_hash = patterned_hash(9), .state_digest = patterned_hash(10)},
                   CommittedDigest{.height = 12, .block_hash = patterned_hash(11), .state_digest = patterned_hash(8)}};
  state.pairs = {KeyValue{.key = "a", .value = "1"}, KeyValue{.key = "b", .value = std::string(300, 'x')}};
  state.replies = {SnapshotReply{.client = 3, .number = 9, .record = {1, 2, 3, 4}},
                   SnapshotReply{.client = 4, .number = 1, .record = {}}};
  out.push_back(state);
  out.push_back(StateResponse{});
  out.push_back(NewView{.view = 40, .high_qc = sample_qc(39, 7, {0, 2, 3}), .last_tc = std::nullopt});
  out.push_back(NewView{.view = 42, .high_qc = sample_qc(39, 5, {1, 2, 6}), .last_tc = tc});
  return out;
}

}  // namespace bftsim::test
