#include "core/consensus/mempool.h"

#include <algorithm>
#include <set>

#include "core/types/assert.h"

namespace bftsim {

Mempool::Mempool(std::size_t size_max, std::uint32_t batch_size)
    : size_max_(size_max), batch_size_(batch_size) {
  BFTSIM_ASSERT(batch_size_ >= 1);
}

Mempool::Slot& Mempool::slot(std::uint64_t sequence) {
  return const_cast<Slot&>(static_cast<const Mempool*>(this)->slot(sequence));
}

const Mempool::Slot& Mempool::slot(std::uint64_t sequence) const {
  auto it = std::lower_bound(slots_.begin(), slots_.end(), sequence,
                             [](const Slot& slot, std::uint64_t s) { return slot.sequence < s; });
  BFTSIM_ASSERT(it != slots_.end() && it->sequence == sequence && it->request);
  return *it;
}

std::optional<DropReason> Mempool::add(const ClientRequest& request) {
  const RequestKey key{request.client, request.number};
  // Duplicate before full: a resent request is a duplicate even when full.
  if (index_.contains(key)) return DropReason::duplicate;
  if (index_.size() >= size_max_) return DropReason::mempool_full;
  const std::uint64_t sequence = next_sequence_++;
  slots_.push_back(Slot{sequence, request});
  index_.emplace(key, sequence);
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
  for (const Slot& slot : slots_) {
    if (batch.size() >= batch_size_) break;
    if (slot.request && !pending.contains({slot.request->client, slot.request->number}))
      batch.push_back(*slot.request);
  }
  return batch;
}

bool Mempool::holds(const ClientRequest& request) const {
  auto found = index_.find({request.client, request.number});
  return found != index_.end() && *slot(found->second).request == request;
}

void Mempool::remove_committed(const Block& block) {
  for (const auto& request : block.batch) {
    if (auto found = index_.find({request.client, request.number}); found != index_.end()) {
      slot(found->second).request.reset();
      index_.erase(found);
    }
  }
  while (!slots_.empty() && !slots_.front().request) slots_.pop_front();
  // Holes behind an old request that stays: drop them once they outnumber
  // the requests, so the deque stays within twice the held count (plus 64).
  if (slots_.size() > 2 * index_.size() + 64)
    std::erase_if(slots_, [](const Slot& slot) { return !slot.request; });
}

void Mempool::check_invariants() const {
  // Every request has exactly one index entry; a full per-entry comparison
  // would cost O(size) per input, so the sizes and the bound stand for it.
  BFTSIM_ASSERT(index_.size() <= slots_.size());
  BFTSIM_ASSERT(slots_.size() <= 2 * index_.size() + 64);
  BFTSIM_ASSERT(index_.size() <= size_max_);
  BFTSIM_ASSERT(slots_.empty() || (slots_.front().request && slots_.back().sequence < next_sequence_));
}

}  // namespace bftsim
