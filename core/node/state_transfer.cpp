#include "core/node/state_transfer.h"

#include "core/kv/state_digest.h"
#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

StateTransfer::StateTransfer(std::uint32_t faulty_max, Duration answer_interval)
    : faulty_max_(faulty_max), answer_interval_(answer_interval) {}

void StateTransfer::on_committed(Height height, const Hash32& block_hash, const Hash32& state_digest) {
  history_.push_back(CommittedDigest{height, block_hash, state_digest});
  if (history_.size() > committed_history_max) history_.pop_front();
}

bool StateTransfer::should_answer(ReplicaIndex from, Instant now) {
  auto [it, first] = answered_at_.emplace(from, now);
  if (first) return true;
  if (now - it->second < answer_interval_) return false;
  it->second = now;
  return true;
}

StateResponse StateTransfer::make_response(const Block& block, const KvStateMachine& machine) const {
  StateResponse response;
  response.block = block;
  response.state_digest = machine.digest();
  response.history.assign(history_.begin(), history_.end());
  machine.store().for_each([&](std::string_view key, std::string_view value) {
    response.pairs.push_back(KeyValue{std::string(key), std::string(value)});
  });
  for (const auto& key : machine.cached_reply_keys())
    response.replies.push_back(SnapshotReply{key.first, key.second, machine.encode_cached_reply(key)});
  return response;
}

void StateTransfer::on_response(ReplicaIndex from, StateResponse response) {
  offers_.insert_or_assign(from, std::move(response));
}

std::size_t StateTransfer::vouchers(const CommittedDigest& claim) const {
  std::size_t count = 0;
  for (const auto& [peer, offer] : offers_) {
    bool vouches = offer.block.height == claim.height && offer.state_digest == claim.state_digest &&
                   block_hash(offer.block) == claim.block_hash;
    for (const CommittedDigest& entry : offer.history) vouches = vouches || entry == claim;
    if (vouches) ++count;
  }
  return count;
}

std::optional<StateResponse> StateTransfer::take_installable(Height committed_height) {
  std::optional<ReplicaIndex> best;
  for (auto it = offers_.begin(); it != offers_.end();) {
    const StateResponse& offer = it->second;
    if (offer.block.height <= committed_height) {
      it = offers_.erase(it);
      continue;
    }
    const CommittedDigest claim{offer.block.height, block_hash(offer.block), offer.state_digest};
    if (vouchers(claim) >= faulty_max_ + 1 &&
        (!best || offer.block.height > offers_.at(*best).block.height)) {
      if (digest_of_pairs(offer.pairs) == offer.state_digest) {
        best = it->first;
      } else {
        ++rejected_count_;  // vouched for, but these pairs are not that state
        it = offers_.erase(it);
        continue;
      }
    }
    ++it;
  }
  if (!best) return std::nullopt;
  StateResponse chosen = std::move(offers_.at(*best));
  offers_.erase(*best);
  return chosen;
}

std::optional<Hash32> digest_of_pairs(const std::vector<KeyValue>& pairs) {
  StateDigest digest;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0 && !(pairs[i - 1].key < pairs[i].key)) return std::nullopt;
    digest.add(pairs[i].key, pairs[i].value);
  }
  return digest.value();
}

}  // namespace bftsim
