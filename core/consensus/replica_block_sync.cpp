// The replica's side of block sync (the fetching itself is BlockSync's):
// answering fetches, taking fetched blocks and late proposals, adopting the
// orphans that now attach, and handing new blocks to the Node to store.
#include "core/consensus/replica.h"

#include "core/protocol/codec.h"

namespace bftsim {

// A proposal can arrive after the QC that certifies its block (votes go to
// every replica and can outrun it), or wait for its parent past its view. Its
// block is then one this replica is fetching: take it as the answer (the hash
// asked for authenticates it) rather than wait a view timeout to ask a peer
// again, which may have crashed. No vote: its view is over.
void Replica::take_late_block(ReplicaIndex from, const Block& block, Instant now, Effects& out) {
  if (!block_sync_.is_fetching(block_hash(block))) return drop(DropReason::stale_view);
  BlockResponse response;
  response.blocks.push_back(block);
  if (block_sync_.on_block_response(tree_, from, response, now, out)) adopt_orphans(now, out);
}

void Replica::on_block_request(ReplicaIndex from, const BlockRequest& request, Effects& out) {
  block_sync_.on_block_request(tree_, from, request, out);
}

void Replica::on_block_response(ReplicaIndex from, const BlockResponse& response, Instant now,
                                Effects& out) {
  std::size_t ancestors_added = 0;
  if (ancestor_fetch_.on_block_response(tree_, response, now, out, ancestors_added)) {
    // The leader rule may read its window now; this replica may lead.
    if (ancestors_added > 0) try_propose(now, out);
    return;
  }
  if (!block_sync_.on_block_response(tree_, from, response, now, out)) {
    // A block this replica already holds is a late answer (a fetch asked two
    // peers, fetch_missed_proposal, and the first answer served it), not a
    // block nobody asked for.
    const bool late = !response.blocks.empty() && tree_.contains(block_hash(response.blocks.front()));
    return drop(late ? DropReason::duplicate : DropReason::unrequested_block);
  }
  adopt_orphans(now, out);
}

void Replica::adopt_orphans(Instant now, Effects& out) {
  const BlockSync::Adopted adopted = block_sync_.adopt_orphans(tree_);
  drops_[static_cast<std::size_t>(DropReason::bad_block)] += adopted.bad_block_count;
  if (adopted.inserted.empty()) return;
  for (const auto& hash : adopted.inserted) store_block(*tree_.find(hash), out);
  // New blocks may unblock waiting proposals, the chain rules and our own proposal.
  for (const auto& hash : adopted.inserted) {
    for (const auto& [sender, proposal] : block_sync_.take_waiting(hash))
      on_proposal(sender, proposal, now, out);
  }
  update_chain(high_qc_, config_.index == 0 ? 1 : 0, now, out);
  vote_on_missed_proposal(now, out);
  try_propose(now, out);
}

void Replica::store_block(const StoredBlock& stored, Effects& out) const {
  if (stored.block->height > committed_height_)
    out.push_back(StoreBlockEffect{stored.block, stored.hash});
}

}  // namespace bftsim
