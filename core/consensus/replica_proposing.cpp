// The leader's side of the replica: client requests into the mempool
// (checked for their client's signature when the replica requires one), and
// the proposal this replica makes when it leads the view, extending its high
// QC with the mempool's next batch.
#include "core/consensus/replica.h"

#include "core/protocol/codec.h"
#include "core/protocol/signing.h"

namespace bftsim {

void Replica::on_client_request(const ClientRequest& request, Instant /*now*/, Effects& /*out*/) {
  if (config_.require_client_signatures && !mempool_.holds(request) &&
      !client_verifier_.authentic(request))
    return drop(DropReason::unsigned_request);
  if (auto reason = mempool_.add(request)) drop(*reason);
  check_invariants();
}

void Replica::try_propose(Instant now, Effects& out) {
  if (proposed_view_ >= view()) return;
  // A leader that already voted or timed out in this view (before a restart,
  // say) must not propose a second block in it.
  if (last_voted_view_ >= view()) return;
  // propose_before_sync: a proposal of this view may have left before a crash.
  if (view() <= proposal_barrier_view_) return;
  if (current_leader() != config_.index) return;
  const bool by_qc = high_qc_.view + 1 == view();
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  const StoredBlock* parent = tree_.find(high_qc_.block_hash);
  if (parent == nullptr) {
    const ReplicaIndex hint = high_qc_.signatures.empty() ? 0 : high_qc_.signatures.front().signer;
    return block_sync_.fetch(tree_, high_qc_.block_hash, hint, now, out);
  }
  auto block = std::make_shared<Block>();
  block->parent_hash = parent->hash;
  block->height = parent->block->height + 1;
  block->view = view();
  block->proposer = config_.index;
  block->justify = high_qc_;
  block->batch = mempool_.next_batch(tree_, parent->hash, committed_height_);
  const Hash32 hash = block_hash(*block);
  Proposal proposal{*block, by_qc ? std::nullopt : entry_tc, {}};
  proposal.signature = signer_->sign(signing::proposal_bytes(config_.chain_id, hash));
  proposed_view_ = view();
  const View view = pacemaker_.view();
  // Vote for it first: the Persist of last_voted_view goes out before the
  // proposal, so a restarted leader cannot propose again in this view. With
  // propose_before_sync the proposal may go first when a Persist of the view
  // before was emitted (so applied before this one's effects): a restart
  // from it bars proposals up to view + 1 (restore()).
  // Without any persisted state a restart would start fresh, unbarred.
  const bool early = config_.propose_before_sync && persisted_ && view <= persisted_view_ + 1;
  if (early) {
    out.push_back(NoteEffect{NoteKind::proposal_sent, view});
    out.push_back(BroadcastEffect{std::move(proposal)});
  }
  proposal_seen_.emplace(view, hash);
  accept_block(std::move(block), hash, now, out);
  if (last_voted_view_ < view) {
    last_voted_view_ = view;
    persist(out);
  }
  if (early) return;
  out.push_back(NoteEffect{NoteKind::proposal_sent, view});
  out.push_back(BroadcastEffect{std::move(proposal)});
}

}  // namespace bftsim
