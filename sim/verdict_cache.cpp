// VerdictCache (verdict_cache.h): a 64-bit hash of signer, signature and
// message picks the slot; a slot holding another key (a 64-bit collision) is left
// alone and that call goes to the inner Verifier. Signature lists: the same,
// with a hash over the message and every (signer, signature), after a lookup
// by the list's buffer address.
#include "sim/verdict_cache.h"

#include <algorithm>
#include <cstring>

namespace bftsim {
namespace {

// A 64-bit mix over 8 bytes at a time (the key is ~150 bytes: byte-wise FNV
// would cost about as much as the fast MAC it saves).
std::uint64_t mix(std::uint64_t hash, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    hash = (hash ^ word) * 0x9e3779b97f4a7c15ULL;
    hash ^= hash >> 29;
  }
  for (; i < bytes.size(); ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
  return hash;
}

std::uint64_t key_hash(ReplicaIndex signer, std::span<const std::uint8_t> message, const Signature& signature) {
  const std::uint64_t hash = mix(0xcbf29ce484222325ULL ^ signer, signature.bytes);
  return mix(hash ^ message.size(), message);
}

std::uint64_t list_hash(std::span<const std::uint8_t> message, std::span<const SignerSignature> signatures) {
  std::uint64_t hash = mix(0x84222325cbf29ce4ULL ^ signatures.size(), message);
  for (const SignerSignature& entry : signatures) hash = mix(hash ^ entry.signer, entry.signature.bytes);
  return hash;
}

template <typename T>
bool same(std::span<const T> stored, std::span<const T> asked) {
  return std::equal(stored.begin(), stored.end(), asked.begin(), asked.end());
}

}  // namespace

const VerdictCache::ListEntry* VerdictCache::find_list(std::span<const std::uint8_t> message,
                                                       const SharedList<SignerSignature>& signatures) const {
  const SignerSignature* buffer = signatures.vector().data();
  if (auto by_buffer = list_buffers_.find(buffer); by_buffer != list_buffers_.end()) {
    auto it = lists_.find(by_buffer->second);
    // The stored buffer is this one, unchanged: only the message to compare.
    if (it != lists_.end() && it->second.signatures.vector().data() == buffer &&
        it->second.signatures.size() == signatures.size() && same<std::uint8_t>(it->second.message, message))
      return &it->second;
  }
  auto it = lists_.find(list_hash(message, signatures.vector()));
  if (it == lists_.end() || !same<std::uint8_t>(it->second.message, message) ||
      !same<SignerSignature>(it->second.signatures.vector(), signatures.vector()))
    return nullptr;
  return &it->second;
}

std::optional<bool> VerdictCache::recall(std::span<const std::uint8_t> message,
                                         const SharedList<SignerSignature>& signatures) const {
  if (const ListEntry* entry = find_list(message, signatures)) return entry->verdict;
  return std::nullopt;
}

void VerdictCache::remember(std::span<const std::uint8_t> message, const SharedList<SignerSignature>& signatures,
                            bool verdict) const {
  if (list_signature_count_ + signatures.size() > list_signature_count_max) {
    lists_.clear();
    list_buffers_.clear();
    list_signature_count_ = 0;
  }
  // A slot holding another list (a 64-bit collision) keeps it.
  const std::uint64_t key = list_hash(message, signatures.vector());
  const auto [it, inserted] = lists_.try_emplace(key);
  if (!inserted) return;
  it->second = ListEntry{{message.begin(), message.end()}, signatures, verdict};
  if (!signatures.empty()) list_buffers_[signatures.vector().data()] = key;
  list_signature_count_ += signatures.size();
}

bool VerdictCache::verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
                          const Signature& signature) const {
  const std::uint64_t hash = key_hash(signer, message, signature);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    const Entry& entry = it->second;
    if (entry.signer == signer && entry.signature == signature && entry.holds(message)) {
      ++hit_count_;
      return entry.verdict;
    }
    ++miss_count_;
    return inner_->verify(signer, message, signature);  // a collision: not cached
  }
  ++miss_count_;
  const bool verdict = inner_->verify(signer, message, signature);
  if (entries_.size() >= entry_count_max) entries_.clear();
  Entry entry{signer, verdict, 0, signature, {}, {}};
  if (message.size() <= inline_message_max) {
    entry.inline_size = static_cast<std::uint8_t>(message.size());
    std::copy(message.begin(), message.end(), entry.inline_message.begin());
  } else {
    entry.long_message.assign(message.begin(), message.end());
  }
  entries_.emplace(hash, std::move(entry));
  return verdict;
}

bool VerdictCache::Entry::holds(std::span<const std::uint8_t> message) const {
  if (!long_message.empty())
    return std::equal(long_message.begin(), long_message.end(), message.begin(), message.end());
  return std::equal(inline_message.begin(), inline_message.begin() + inline_size, message.begin(), message.end());
}

}  // namespace bftsim
