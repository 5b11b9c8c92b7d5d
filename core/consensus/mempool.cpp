#include "core/consensus/mempool.h"

#include <set>

#include "core/types/assert.h"

namespace bftsim {

Mempool::Mempool(std::size_t size_max, std::uint32_t batch_size)
    : size_max_(size_max), batch_size_(batch_size) {
  BFTSIM_ASSERT(batch_size_ >= 1);
}

std::optional<DropReason> Mempool::add(const ClientRequest& request) {
  const RequestKey key{request.client, request.number};
  // Duplicate before full: a resent request is a duplicate even when full.
  if (sequence_by_key_.contains(key)) return DropReason::duplicate;
  if (requests_.size() >= size_max_) return DropReason::mempool_full;
  const std::uint64_t sequence = next_sequence_++;
  requests_.emplace(sequence, request);
  sequence_by_key_.emplace(key, sequence);
  return std::nullopt;
}

std::vector<ClientRequest> Mempool::next_batch(const BlockTree& tree, const Hash32& parent_hash,
                                               Height committed_height) const {
  std::set<RequestKey> pending;
  const StoredBlock* current = tree.find(parent_hash);
  while (current != nullptr && current->block->height > committed_height) {
    for (const auto& request : current->block->batch)
      pending.emplace(request.client, request.number);
    current = tree.find(current->block->parent_hash);
  }
  std::vector<ClientRequest> batch;
  for (const auto& [sequence, request] : requests_) {
    if (batch.size() >= batch_size_) break;
    if (!pending.contains({request.client, request.number})) batch.push_back(request);
  }
  return batch;
}

bool Mempool::holds(const ClientRequest& request) const {
  auto found = sequence_by_key_.find({request.client, request.number});
  return found != sequence_by_key_.end() && requests_.at(found->second) == request;
}

void Mempool::remove_committed(const Block& block) {
  for (const auto& request : block.batch) {
    if (auto found = sequence_by_key_.find({request.client, request.number});
        found != sequence_by_key_.end()) {
      requests_.erase(found->second);
      sequence_by_key_.erase(found);
    }
  }
}

void Mempool::check_invariants() const {
  // Every request has exactly one index entry; a full per-entry comparison
  // would cost O(size) per input, so the sizes and the bound stand for it.
  BFTSIM_ASSERT(requests_.size() == sequence_by_key_.size());
  BFTSIM_ASSERT(requests_.size() <= size_max_);
  BFTSIM_ASSERT(requests_.empty() || requests_.rbegin()->first < next_sequence_);
}

}  // namespace bftsim
