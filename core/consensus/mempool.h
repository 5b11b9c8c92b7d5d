// The client requests a replica holds until a block it commits carries them:
// oldest first, at most one per (client, request number), at most
// `size_max`. A leader draws its next batch here, skipping requests already
// in an uncommitted ancestor of the block it extends. Owns copies of the
// requests; deterministic (ordered by arrival sequence, never by address).
// Every replica holds every client's requests, so at n = 1,000 two std::maps
// per replica were a sixth of a run: the requests sit in arrival order in a
// deque, a committed one leaves a hole that is dropped when it reaches the
// front (or when holes outnumber requests), and a hash index finds a request
// by (client, number).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <optional>
#include <utility>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/replica_config.h"
#include "core/protocol/messages.h"
#include "core/types/request_key.h"

namespace bftsim {

class Mempool {
 public:
  Mempool(std::size_t size_max, std::uint32_t batch_size);

  // Adds `request` at the back. A request already held (same client and
  // number) or a full mempool drops it: the returned reason, to be counted.
  std::optional<DropReason> add(const ClientRequest& request);

  // Up to batch_size requests, oldest first, leaving out those in the blocks
  // from `parent_hash` down to (not including) `committed_height`: a request
  // stays here until committed, so without this a leader would propose it
  // again in every block of an uncommitted chain.
  std::vector<ClientRequest> next_batch(const BlockTree& tree, const Hash32& parent_hash,
                                        Height committed_height) const;

  // Forgets the requests `block` carries (called as it commits). Requests
  // this replica never held are ignored: other replicas' clients reach it
  // only through blocks.
  void remove_committed(const Block& block);

  // True iff this exact request (same client, number and contents) is held.
  bool holds(const ClientRequest& request) const;

  std::size_t size() const { return index_.size(); }
  void check_invariants() const;

 private:
  struct Slot {
    std::uint64_t sequence;
    std::optional<ClientRequest> request;  // none: committed (a hole)
  };
  // The slot of `sequence` (held: the index names it).
  Slot& slot(std::uint64_t sequence);
  const Slot& slot(std::uint64_t sequence) const;

  std::size_t size_max_;
  std::uint32_t batch_size_;
  // Requests by arrival sequence (the proposal order), ascending, holes
  // included; and the sequence of each held (client, number) for
  // deduplication and removal on commit.
  std::deque<Slot> slots_;
  std::unordered_map<RequestKey, std::uint64_t, RequestKeyHash> index_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace bftsim
