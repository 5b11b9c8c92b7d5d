// KvStateMachine: see state_machine.h.
#include "core/kv/state_machine.h"

#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "core/codec/byte_reader.h"
#include "core/codec/byte_writer.h"
#include "core/codec/limits.h"
#include "core/kv/memory_kv_store.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

// Numbers at or below this are stale for a client whose highest applied
// number is `highest_applied`.
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
  auto client_it = clients_.find(client_id);
  const RequestNumber highest_applied =
      client_it == clients_.end() ? 0 : client_it->second.highest_applied;
  if (number <= low_watermark(highest_applied)) {
    return ApplyOutcome{.kind = ApplyOutcome::Kind::stale, .result = {}, .height = 0};
  }
  if (client_it != clients_.end()) {
    const auto& replies = client_it->second.replies;
    if (auto it = replies.find(number); it != replies.end()) {
      return ApplyOutcome{.kind = ApplyOutcome::Kind::duplicate,
                          .result = it->second.result,
                          .height = it->second.height};
    }
  }

  OpResult result = execute(op);
  applied_count_ += 1;
  if (client_it == clients_.end()) client_it = clients_.try_emplace(client_id).first;
  ClientRecord& client = client_it->second;
  record(client, number, result, height);
  changed_clients_.insert(client_id);
  check_invariants(client);
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
  }
  // The codec only produces the four types above.
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

void KvStateMachine::record(ClientRecord& client, RequestNumber number,
                            const OpResult& result, Height height) {
  auto [it, inserted] = client.replies.emplace(number, CachedReply{result, height});
  BFTSIM_ASSERT(inserted);
  cached_reply_count_ += 1;
  if (number <= client.highest_applied) return;

  // The window moves up: forget the replies that just became stale.
  client.highest_applied = number;
  const RequestNumber watermark = low_watermark(number);
  auto prune_end = client.replies.upper_bound(watermark);
  cached_reply_count_ -= static_cast<std::size_t>(std::distance(client.replies.begin(), prune_end));
  client.replies.erase(client.replies.begin(), prune_end);
}

void KvStateMachine::check_invariants(const ClientRecord& client) const {
  BFTSIM_ASSERT(!client.replies.empty());
  BFTSIM_ASSERT(client.replies.size() <= request_window_max);
  BFTSIM_ASSERT(client.replies.rbegin()->first == client.highest_applied);
  BFTSIM_ASSERT(client.replies.begin()->first > low_watermark(client.highest_applied));
  BFTSIM_ASSERT(digest_.pair_count() == store_->size());
}

// ---- persistence and snapshots ----------------------------------------------

std::vector<ClientId> KvStateMachine::take_changed_clients() {
  std::vector<ClientId> changed(changed_clients_.begin(), changed_clients_.end());
  changed_clients_.clear();
  return changed;
}

std::vector<ClientId> KvStateMachine::client_ids() const {
  std::vector<ClientId> ids;
  ids.reserve(clients_.size());
  for (const auto& [id, record] : clients_) ids.push_back(id);
  return ids;
}

std::vector<std::uint8_t> KvStateMachine::encode_client_record(ClientId client) const {
  const ClientRecord& record = clients_.at(client);
  std::size_t size_bytes = 8 + 4;
  for (const auto& [number, reply] : record.replies)
    size_bytes += 8 + 8 + 1 + 1 + (reply.result.value ? 4 + reply.result.value->size() : 0);
  std::vector<std::uint8_t> out(size_bytes);
  ByteWriter writer(out.data(), out.data() + out.size());
  writer.u64(record.highest_applied);
  writer.u32(static_cast<std::uint32_t>(record.replies.size()));
  for (const auto& [number, reply] : record.replies) {
    writer.u64(number);
    writer.u64(reply.height);
    writer.u8(static_cast<std::uint8_t>(reply.result.status));
    writer.u8(reply.result.value ? 1 : 0);
    if (reply.result.value) {
      writer.u32(static_cast<std::uint32_t>(reply.result.value->size()));
      writer.raw(*reply.result.value);
    }
  }
  BFTSIM_ASSERT(writer.at_end());
  return out;
}

Status KvStateMachine::restore_client_record(ClientId client, std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes, "client record");
  ClientRecord record;
  record.highest_applied = reader.u64("highest_applied");
  const std::uint32_t count =
      reader.count("replies", request_window_max, "request_window_max", 8 + 8 + 1 + 1);
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    const RequestNumber number = reader.u64("number");
    CachedReply reply;
    reply.height = reader.u64("height");
    const std::uint8_t status = reader.u8("status");
    if (reader.ok() && status > static_cast<std::uint8_t>(ResultStatus::condition_failed))
      reader.fail("unknown result status");
    reply.result.status = static_cast<ResultStatus>(status);
    if (reader.flag("optional tag of", "value")) {
      const std::uint32_t size = reader.u32("value size");
      if (reader.ok() && size > value_size_bytes_max) reader.fail("value too large");
      if (reader.ok()) {
        std::string value(size, '\0');
        reader.raw(std::span(reinterpret_cast<std::uint8_t*>(value.data()), value.size()), "value");
        reply.result.value = std::move(value);
      }
    }
    if (reader.ok() && !record.replies.emplace(number, std::move(reply)).second)
      reader.fail("duplicate request number");
  }
  if (reader.ok() && reader.remaining_bytes() != 0) reader.fail("trailing bytes");
  const bool valid = reader.ok() && !record.replies.empty() &&
                     record.replies.rbegin()->first == record.highest_applied &&
                     record.replies.begin()->first > low_watermark(record.highest_applied);
  if (!valid) {
    return make_error(ErrorCode::corruption,
                      reader.ok() ? "client record: replies do not match its window"
                                  : reader.take_error().message);
  }
  if (auto it = clients_.find(client); it != clients_.end())
    cached_reply_count_ -= it->second.replies.size();
  cached_reply_count_ += record.replies.size();
  clients_[client] = std::move(record);
  return {};
}

void KvStateMachine::restore_last_applied_height(Height height) {
  BFTSIM_ASSERT(height >= last_applied_height_);
  last_applied_height_ = height;
}

}  // namespace bftsim
