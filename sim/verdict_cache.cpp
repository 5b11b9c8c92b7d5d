// VerdictCache (verdict_cache.h): a 64-bit hash of signer, signature and
// message picks the slot; a slot holding another key (a 64-bit collision) is left
// alone and that call goes to the inner Verifier.
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

}  // namespace

bool VerdictCache::verify(ReplicaIndex signer, std::span<const std::uint8_t> message,
                          const Signature& signature) const {
  const std::uint64_t hash = key_hash(signer, message, signature);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    const Entry& entry = it->second;
    if (entry.signer == signer && entry.signature == signature &&
        std::equal(entry.message.begin(), entry.message.end(), message.begin(), message.end())) {
      ++hit_count_;
      return entry.verdict;
    }
    ++miss_count_;
    return inner_->verify(signer, message, signature);  // a collision: not cached
  }
  ++miss_count_;
  const bool verdict = inner_->verify(signer, message, signature);
  if (entries_.size() >= entry_count_max) entries_.clear();
  entries_.emplace(hash, Entry{signer, signature, std::vector<std::uint8_t>(message.begin(), message.end()), verdict});
  return verdict;
}

}  // namespace bftsim
