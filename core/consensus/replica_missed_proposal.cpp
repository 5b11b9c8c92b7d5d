// A proposal lost on one link (ReplicaConfig::fetch_missed_proposal,
// docs/case-study-liveness.md). With one replica in four crashed, a quorum
// needs every live vote, so a proposal that does not reach one live replica
// costs the whole view: the others vote, and the view times out one vote
// short. The votes tell the replica that missed it: when it holds f+1 votes
// for one block of its current view (at least one honest replica has the
// block), one of them the leader's own, and no proposal for the view, it asks
// the leader for the block. The leader's vote, signed over (view, hash), binds
// the leader to that block as its proposal for the view, as the proposal's
// signature would; the block's hash binds the content. When the block
// arrives it passes the checks a proposal does (leader, structure, justify
// QC, the TC or QC that lets its view follow its justify, client signatures)
// and the usual rules: one vote per view, under the lock.
#include "core/consensus/replica.h"

namespace bftsim {

// After each message: the votes may come before this replica enters the view
// (it enters by a later TC or QC) or after. It asks the leader and a second
// voter at once: the view is as short as the round trip is long, and a
// response lost too would otherwise wait for the view timer's retry.
void Replica::fetch_missed_proposal(Instant now, Effects& out) {
  if (!config_.fetch_missed_proposal || last_voted_view_ >= view() || missed_proposal_) return;
  if (proposal_seen_.contains(view())) return;
  const std::optional<ReplicaIndex> leader = current_leader();
  if (!leader || *leader == config_.index) return;
  const std::optional<VoteCollector::VotedBlock> voted = votes_.block_voted_by(view(), *leader);
  if (!voted || voted->signers->size() < config_.faulty_max + 1) return;
  if (tree_.contains(voted->block_hash)) return;
  missed_proposal_ = MissedProposal{view(), voted->block_hash, *leader};
  block_sync_.fetch(tree_, voted->block_hash, *leader, now, out);
  for (const auto& [signer, signature] : *voted->signers) {
    if (signer == *leader || signer == config_.index) continue;
    out.push_back(SendEffect{signer, block_sync_.request(voted->block_hash)});
    break;
  }
}

void Replica::vote_on_missed_proposal(Instant now, Effects& out) {
  if (!missed_proposal_ || missed_proposal_->view != view()) return;
  const StoredBlock* stored = tree_.find(missed_proposal_->hash);
  if (stored == nullptr) return;  // not yet, or waiting for its parent
  const MissedProposal missed = *missed_proposal_;
  missed_proposal_.reset();
  const Block& block = *stored->block;
  if (block.view != missed.view || block.proposer != missed.proposer ||
      block.batch.size() > config_.batch_size)
    return drop(DropReason::bad_block);
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  const bool by_tc = block.justify.view + 1 != block.view;
  // A view that does not follow its justify's needs the TC of the view
  // before; the proposal would carry it, and this replica entered by it.
  if (by_tc && !(entry_tc && entry_tc->view + 1 == block.view))
    return drop(DropReason::bad_certificate);
  const QuorumCert& anchor = by_tc ? entry_tc->high_qc : block.justify;
  if (const std::optional<ReplicaIndex> leader =
          leaders_.leader(tree_, block.view, anchor.view, anchor.block_hash);
      leader && *leader != block.proposer)
    return drop(DropReason::not_leader);
  if (!check_qc(block.justify)) return drop(DropReason::bad_certificate);
  if (!batch_authentic(block)) return drop(DropReason::unsigned_request);
  if (auto [it, first] = proposal_seen_.emplace(block.view, missed.hash);
      !first && it->second != missed.hash)
    return drop(DropReason::duplicate);
  process_qc(block.justify, block.proposer, now, out);
  if (block.view != view()) return;
  try_vote(*stored, now, out);
}

}  // namespace bftsim
