// StateTransfer: the Node's half of state transfer (the replica decides when
// to ask, core/consensus/block_sync.h). It answers peers' StateRequests with
// the state after this node's committed block, at most once per requester per
// `answer_interval`, and collects peers' StateResponses ("offers"). An offer
// is installable only when f+1 distinct replicas vouch for its (height, block
// hash, state digest), each with the offer itself or its recent history, and
// its pairs really hash to that digest: at least one honest replica committed
// exactly that state, so no f liars can make a node install another.
// Single-threaded; owned by the Node.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "core/kv/state_machine.h"
#include "core/protocol/messages.h"

namespace bftsim {

inline constexpr std::size_t committed_history_max = 256;

class StateTransfer {
 public:
  StateTransfer(std::uint32_t faulty_max, Duration answer_interval);

  // Every commit (and a recovered or installed anchor) goes into the history
  // that answers carry.
  void on_committed(Height height, const Hash32& block_hash, const Hash32& state_digest);

  // Whether to answer `from` now (rate limit per requester).
  bool should_answer(ReplicaIndex from, Instant now);
  // The state after `block`, from `machine`.
  StateResponse make_response(const Block& block, const KvStateMachine& machine) const;

  void on_response(ReplicaIndex from, StateResponse response);
  // The highest verified offer above `committed_height`, removed from the
  // offers; offers at or below it are dropped.
  std::optional<StateResponse> take_installable(Height committed_height);

  std::uint64_t rejected_count() const { return rejected_count_; }

 private:
  std::size_t vouchers(const CommittedDigest& claim) const;

  std::uint32_t faulty_max_;
  Duration answer_interval_;
  std::deque<CommittedDigest> history_;
  std::map<ReplicaIndex, Instant> answered_at_;
  std::map<ReplicaIndex, StateResponse> offers_;  // the latest per peer
  std::uint64_t rejected_count_ = 0;
};

// The digest the pairs hash to, or nullopt when they are not strictly
// ascending by key (a canonical snapshot has no duplicates).
std::optional<Hash32> digest_of_pairs(const std::vector<KeyValue>& pairs);

}  // namespace bftsim
