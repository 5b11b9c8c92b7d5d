#include "core/node/lsm_kv_store.h"

#include "core/types/assert.h"

namespace bftsim {

std::string prefix_end(std::string_view prefix) {
  BFTSIM_ASSERT(!prefix.empty() && static_cast<unsigned char>(prefix.back()) != 0xff);
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

LsmKvStore::LsmKvStore(Db& db) : db_(db) {
  auto pairs = db_.scan(key_prefix, prefix_end(key_prefix));
  if (!pairs) {
    error_ = pairs.error();
    return;
  }
  size_ = pairs->size();
}

std::optional<std::string> LsmKvStore::read_db(std::string_view key) const {
  key_buffer_.assign(key_prefix);
  key_buffer_.append(key);
  auto value = db_.get(key_buffer_);
  if (!value) {
    if (!error_) error_ = value.error();
    return std::nullopt;
  }
  return std::move(*value);
}

std::optional<std::string> LsmKvStore::get(std::string_view key) const {
  std::optional<std::string> value;
  if (auto it = pending_.find(key); it != pending_.end()) {
    value = it->second;
  } else {
    value = read_db(key);
  }
  last_lookup_key_.assign(key);
  last_lookup_found_ = value.has_value();
  return value;
}

bool LsmKvStore::contains(std::string_view key) const {
  // The state machine reads a key just before it writes it: reuse that answer.
  if (last_lookup_key_ == key) return last_lookup_found_;
  return get(key).has_value();
}

void LsmKvStore::put(std::string_view key, std::string_view value) {
  if (!contains(key)) ++size_;
  last_lookup_key_.assign(key);
  last_lookup_found_ = true;
  pending_.insert_or_assign(std::string(key), std::optional<std::string>(value));
}

bool LsmKvStore::erase(std::string_view key) {
  if (!contains(key)) return false;
  --size_;
  last_lookup_key_.assign(key);
  last_lookup_found_ = false;
  pending_.insert_or_assign(std::string(key), std::nullopt);
  return true;
}

void LsmKvStore::for_each(
    const std::function<void(std::string_view, std::string_view)>& visit) const {
  auto stored = db_.scan(key_prefix, prefix_end(key_prefix));
  if (!stored) {
    if (!error_) error_ = stored.error();
    return;
  }
  // Merge the stored pairs (prefix stripped) with the overlay, in key order.
  auto overlay = pending_.begin();
  for (const auto& [prefixed_key, value] : *stored) {
    const std::string_view key = std::string_view(prefixed_key).substr(key_prefix.size());
    for (; overlay != pending_.end() && overlay->first < key; ++overlay)
      if (overlay->second) visit(overlay->first, *overlay->second);
    if (overlay != pending_.end() && overlay->first == key) {
      if (overlay->second) visit(overlay->first, *overlay->second);
      ++overlay;
      continue;
    }
    visit(key, value);
  }
  for (; overlay != pending_.end(); ++overlay)
    if (overlay->second) visit(overlay->first, *overlay->second);
}

void LsmKvStore::take_writes(WriteBatch& batch) {
  for (const auto& [key, value] : pending_) {
    if (value) {
      batch.put_prefixed(key_prefix, key, *value);
    } else {
      batch.remove_prefixed(key_prefix, key);
    }
  }
  pending_.clear();
}

}  // namespace bftsim
