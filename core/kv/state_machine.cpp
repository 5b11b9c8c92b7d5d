// KvStateMachine: see state_machine.h.
#include "core/kv/state_machine.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/codec/byte_reader.h"
#include "core/codec/byte_writer.h"
#include "core/codec/limits.h"
#include "core/kv/memory_kv_store.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

// Numbers at or below this are stale for a client whose highest applied
// number is `highest_applied`.
// Bit 7 of a cached reply's status byte: a batch's results follow.
constexpr std::uint8_t cached_reply_flag_batch = 0x80;

RequestNumber low_watermark(RequestNumber highest_applied) {
  return highest_applied > request_window_max ? highest_applied - request_window_max : 0;
}

}  // namespace

const char* apply_kind_name(ApplyOutcome::Kind kind) {
  switch (kind) {
    case ApplyOutcome::Kind::applied: return "applied";
    case ApplyOutcome::Kind::duplicate: return "duplicate";
    case ApplyOutcome::Kind::stale: return "stale";
  }
  return "unknown";
}

KvStateMachine::KvStateMachine() : KvStateMachine(std::make_unique<MemoryKvStore>()) {}

KvStateMachine::KvStateMachine(std::unique_ptr<KvStore> store) : store_(std::move(store)) {
  BFTSIM_ASSERT(store_ != nullptr);
  store_->for_each([this](std::string_view key, std::string_view value) { digest_.add(key, value); });
  BFTSIM_ASSERT(digest_.pair_count() == store_->size());
}

ApplyOutcome KvStateMachine::apply(ClientId client_id, RequestNumber number, const Operation& op,
                                   Height height) {
  BFTSIM_ASSERT(height >= last_applied_height_);
  last_applied_height_ = height;

  // A client gets a record only once it has a request applied, so stale
  // requests (number 0 included) cost no memory.
  ClientRecord* client = clients_.find(client_id);
  const RequestNumber highest_applied = client == nullptr ? 0 : client->highest_applied;
  if (number <= low_watermark(highest_applied)) {
    return ApplyOutcome{.kind = ApplyOutcome::Kind::stale, .result = {}, .height = 0};
  }
  if (client != nullptr) {
    if (const CachedReply* reply = client->replies.find(number)) {
      return ApplyOutcome{.kind = ApplyOutcome::Kind::duplicate, .result = reply->result, .height = reply->height};
    }
  }

  OpResult result = execute(op);
  applied_count_ += 1;
  if (client == nullptr) client = clients_.emplace(client_id, ClientRecord()).first;
  record(client_id, *client, number, result, height);
  check_invariants(*client);
  return ApplyOutcome{.kind = ApplyOutcome::Kind::applied,
                      .result = std::move(result),
                      .height = height};
}

OpResult KvStateMachine::execute(const Operation& op) {
  switch (op.type) {
    case OpType::put:
      write_put(op.key, op.value);
      return OpResult{.status = ResultStatus::ok, .value = std::nullopt};
    case OpType::get: {
      std::optional<std::string> value = store_->get(op.key);
      if (!value) return OpResult{.status = ResultStatus::not_found, .value = std::nullopt};
      return OpResult{.status = ResultStatus::ok, .value = std::move(value)};
    }
    case OpType::del:
      if (!write_erase(op.key)) {
        return OpResult{.status = ResultStatus::not_found, .value = std::nullopt};
      }
      return OpResult{.status = ResultStatus::ok, .value = std::nullopt};
    case OpType::txn:
      return execute_txn(op);
    case OpType::incr:
      return execute_incr(op);
    case OpType::append:
      return execute_append(op);
    case OpType::batch: {
      // Each operation on its own, in order; a failed one does not stop the
      // rest (a batch is not atomic). The codec admits no batch in a batch.
      OpResult result{.status = ResultStatus::ok, .value = std::nullopt};
      result.results.reserve(op.ops.size());
      for (const Operation& inner : op.ops) {
        BFTSIM_ASSERT(inner.type != OpType::batch);
        result.results.push_back(execute(inner));
      }
      return result;
    }
  }
  // The codec only produces the types above.
  BFTSIM_ASSERT(false);
  return {};
}

OpResult KvStateMachine::execute_txn(const Operation& op) {
  // Check every condition against the state before any write, so a txn is
  // all-or-nothing without needing an undo log.
  for (const TxnCondition& condition : op.conditions) {
    if (!condition_holds(condition)) {
      return OpResult{.status = ResultStatus::condition_failed, .value = std::nullopt};
    }
  }
  for (const TxnWrite& write : op.writes) {
    if (write.is_delete) {
      write_erase(write.key);  // deleting an absent key inside a txn is a no-op
    } else {
      write_put(write.key, write.value);
    }
  }
  return OpResult{.status = ResultStatus::ok, .value = std::nullopt};
}

OpResult KvStateMachine::execute_incr(const Operation& op) {
  const std::optional<std::int64_t> delta = parse_int64(op.value);
  std::optional<std::string> current = store_->get(op.key);
  const std::optional<std::int64_t> base = current ? parse_int64(*current) : std::optional<std::int64_t>(0);
  std::int64_t sum = 0;
  if (!delta || !base || __builtin_add_overflow(*base, *delta, &sum))
    return OpResult{.status = ResultStatus::not_integer, .value = std::nullopt};
  std::string text = std::to_string(sum);
  write_put(op.key, text);
  return OpResult{.status = ResultStatus::ok, .value = std::move(text)};
}

OpResult KvStateMachine::execute_append(const Operation& op) {
  std::string value = store_->get(op.key).value_or(std::string());
  if (value.size() + op.value.size() > value_size_bytes_max)
    return OpResult{.status = ResultStatus::too_large, .value = std::nullopt};
  value += op.value;
  write_put(op.key, value);
  return OpResult{.status = ResultStatus::ok, .value = std::to_string(value.size())};
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  // Redis's rule: an optional '-', then digits with no leading zero (but "0"),
  // no '+', no spaces; within int64.
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  if (i >= text.size() || text.size() - i > 19) return std::nullopt;
  if (text[i] == '0' && (text.size() - i > 1 || negative)) return std::nullopt;
  std::uint64_t magnitude = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  if (magnitude > limit) return std::nullopt;
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

bool KvStateMachine::condition_holds(const TxnCondition& condition) const {
  return store_->get(condition.key) == condition.expected;
}

void KvStateMachine::write_put(std::string_view key, std::string_view value) {
  if (std::optional<std::string> old = store_->get(key)) digest_.remove(key, *old);
  store_->put(key, value);
  digest_.add(key, value);
}

bool KvStateMachine::write_erase(std::string_view key) {
  std::optional<std::string> old = store_->get(key);
  if (!old) return false;
  const bool existed = store_->erase(key);
  BFTSIM_ASSERT(existed);
  digest_.remove(key, *old);
  return true;
}

void KvStateMachine::record(ClientId client_id, ClientRecord& client, RequestNumber number,
                            const OpResult& result, Height height) {
  const bool inserted = client.replies.emplace(number, CachedReply{result, height}).second;
  BFTSIM_ASSERT(inserted);
  cached_reply_count_ += 1;
  changed_replies_.emplace_back(client_id, number);
  if (number <= client.highest_applied) return;

  // The window moves up: forget the replies that just became stale.
  client.highest_applied = number;
  cached_reply_count_ -= client.replies.erase_through(
      low_watermark(number), [&](RequestNumber pruned) { changed_replies_.emplace_back(client_id, pruned); });
}

void KvStateMachine::check_invariants(const ClientRecord& client) const {
  BFTSIM_ASSERT(!client.replies.empty());
  BFTSIM_ASSERT(client.replies.size() <= request_window_max);
  BFTSIM_ASSERT(client.replies.back().first == client.highest_applied);
  BFTSIM_ASSERT(client.replies.front().first > low_watermark(client.highest_applied));
  BFTSIM_ASSERT(digest_.pair_count() == store_->size());
}

// ---- persistence and snapshots ----------------------------------------------

std::vector<KvStateMachine::ReplyKey> KvStateMachine::take_changed_replies() {
  std::vector<ReplyKey> changed;
  changed.swap(changed_replies_);
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  return changed;
}

bool KvStateMachine::has_cached_reply(const ReplyKey& key) const {
  const ClientRecord* client = clients_.find(key.first);
  return client != nullptr && client->replies.contains(key.second);
}

std::vector<KvStateMachine::ReplyKey> KvStateMachine::cached_reply_keys() const {
  std::vector<ReplyKey> keys;
  keys.reserve(cached_reply_count_);
  for (const auto& [client, record] : clients_)
    for (const auto& [number, reply] : record.replies) keys.emplace_back(client, number);
  return keys;
}

std::vector<std::uint8_t> KvStateMachine::encode_cached_reply(const ReplyKey& key) const {
  std::vector<std::uint8_t> out;
  const bool found = encode_cached_reply(key, out);
  BFTSIM_ASSERT(found);
  return out;
}

bool KvStateMachine::encode_cached_reply(const ReplyKey& key, std::vector<std::uint8_t>& out) const {
  out.clear();
  const ClientRecord* client = clients_.find(key.first);
  if (client == nullptr) return false;
  const CachedReply* found = client->replies.find(key.second);
  if (found == nullptr) return false;
  const CachedReply& reply = *found;
  auto result_size = [](const OpResult& result) { return 1 + 1 + (result.value ? 4 + result.value->size() : 0); };
  std::size_t size_bytes = 8 + result_size(reply.result);
  if (!reply.result.results.empty()) {
    size_bytes += 4;
    for (const OpResult& inner : reply.result.results) size_bytes += result_size(inner);
  }
  out.resize(size_bytes);
  ByteWriter writer(out.data(), out.data() + out.size());
  writer.u64(reply.height);
  auto put_result = [&writer](const OpResult& result, std::uint8_t flags) {
    writer.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(result.status) | flags));
    writer.u8(result.value ? 1 : 0);
    if (result.value) {
      writer.u32(static_cast<std::uint32_t>(result.value->size()));
      writer.raw(*result.value);
    }
  };
  const bool batch = !reply.result.results.empty();
  put_result(reply.result, batch ? cached_reply_flag_batch : 0);
  if (batch) {
    writer.u32(static_cast<std::uint32_t>(reply.result.results.size()));
    for (const OpResult& inner : reply.result.results) put_result(inner, 0);
  }
  BFTSIM_ASSERT(writer.at_end());
  return true;
}

Status KvStateMachine::restore_cached_reply(const ReplyKey& key, std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes, "cached reply");
  CachedReply reply;
  reply.height = reader.u64("height");
  // Returns the status byte's flag bits (only `allowed` ones are accepted).
  auto get_result = [&reader](OpResult& result, std::uint8_t allowed) -> std::uint8_t {
    const std::uint8_t byte = reader.u8("status");
    const std::uint8_t status = byte & static_cast<std::uint8_t>(~allowed);
    if (reader.ok() && status > static_cast<std::uint8_t>(result_status_last))
      reader.fail("unknown result status");
    result.status = static_cast<ResultStatus>(status);
    if (reader.flag("optional tag of", "value")) {
      std::string value;
      reader.string(value, "value", value_size_bytes_max, "value_size_bytes_max");
      result.value = std::move(value);
    }
    return byte & allowed;
  };
  if (get_result(reply.result, cached_reply_flag_batch) != 0) {
    const std::uint32_t count = reader.count("batch results", batch_ops_max, "batch_ops_max", 2);
    if (reader.ok() && count == 0) reader.fail("empty batch results");
    reply.result.results.resize(count);
    for (OpResult& inner : reply.result.results)
      if (reader.ok()) get_result(inner, 0);
  }
  if (reader.ok() && reader.remaining_bytes() != 0) reader.fail("trailing bytes");
  if (!reader.ok()) return make_error(ErrorCode::corruption, reader.take_error().message);
  if (key.second == 0) return make_error(ErrorCode::corruption, "cached reply for request number 0");
  ClientRecord& record = *clients_.emplace(key.first, ClientRecord()).first;
  if (!record.replies.emplace(key.second, std::move(reply)).second)
    return make_error(ErrorCode::corruption, "cached reply restored twice");
  record.highest_applied = std::max(record.highest_applied, key.second);
  cached_reply_count_ += 1;
  return {};
}

Status KvStateMachine::finish_restore() {
  for (const auto& [client, record] : clients_) {
    if (record.replies.front().first <= low_watermark(record.highest_applied))
      return make_error(ErrorCode::corruption,
                        fmt::format("client {}: cached reply {} is outside the window below {}", client,
                                    record.replies.front().first, record.highest_applied));
  }
  changed_replies_.clear();
  return {};
}

void KvStateMachine::restore_last_applied_height(Height height) {
  BFTSIM_ASSERT(height >= last_applied_height_);
  last_applied_height_ = height;
}

}  // namespace bftsim
