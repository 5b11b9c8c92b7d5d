// The chained-HotStuff replica (Yin et al., PODC'19): the message
// and timer handlers, one named function per rule of the paper (safe_node,
// update_lock, commit_rule), voting and committing. Its parts live beside it:
// replica_proposing.cpp (client requests and the leader's proposal),
// replica_view_change.cpp (timeouts, TCs, NEW-VIEW),
// replica_block_sync.cpp (fetched and late blocks), replica_recovery.cpp
// (restart and state transfer), replica_missed_proposal.cpp, and the classes
// it owns (Pacemaker, BlockSync, Mempool, VoteCollector, LeaderElection).
#include "core/consensus/replica.h"

#include <algorithm>

#include "core/protocol/client_auth.h"
#include "core/protocol/codec.h"
#include "core/consensus/quorum.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"

namespace bftsim {

namespace {
constexpr std::size_t verified_cache_max = 4096;
// Client requests remembered as verified (ClientVerifier).
constexpr std::size_t client_verified_max = 4096;
}  // namespace

Replica::Replica(ReplicaConfig config, std::unique_ptr<Signer> signer,
                 std::shared_ptr<const Verifier> verifier)
    : config_(std::move(config)),
      signer_(std::move(signer)),
      verifier_(std::move(verifier)),
      quorum_(quorum_size(config_.replica_count, config_.faulty_max)),
      pacemaker_(config_, quorum_),
      leaders_(config_),
      votes_(quorum_),
      mempool_(config_.mempool_size_max, config_.batch_size),
      client_verifier_(config_.chain_id, client_verified_max),
      block_sync_(config_),
      ancestor_fetch_(config_) {
  BFTSIM_ASSERT(config_.index < config_.replica_count);
  BFTSIM_ASSERT(signer_ != nullptr && signer_->index() == config_.index);
  BFTSIM_ASSERT(verifier_ != nullptr && verifier_->replica_count() == config_.replica_count);
  BFTSIM_ASSERT(config_.batch_size >= 1);
  BFTSIM_ASSERT(config_.view_timeout > 0 && config_.view_timeout <= config_.view_timeout_max);
  BFTSIM_ASSERT(config_.timeout_multiplier >= 1.0);
  high_qc_ = QuorumCert{0, BlockTree::genesis_hash(), {}};
  locked_qc_ = high_qc_;
  committed_hash_ = BlockTree::genesis_hash();
}

void Replica::start(Instant now, Effects& out) {
  BFTSIM_ASSERT(!started_);
  started_ = true;
  // A restarted replica may re-enter the view it crashed in; last_voted_view_
  // keeps it from voting there again.
  enter_view(std::max<View>({1, restored_view_, high_qc_.view + 1, last_voted_view_}),
             std::nullopt, now, out);
  // A committed log shorter than the reputation window (a restart soon after
  // a state transfer): the rest comes from peers.
  if (committed_height_ > 0) ancestor_fetch_.start(tree_, committed_hash_, now, out);
  send_new_view(out);
  check_invariants();
}

void Replica::on_message(ReplicaIndex from, const Message& message, Instant now, Effects& out,
                         const std::shared_ptr<const SharedMessage>& shared) {
  BFTSIM_ASSERT(started_);
  BFTSIM_ASSERT(shared == nullptr || &shared->message() == &message);
  BFTSIM_ASSERT(from < config_.replica_count);
  BFTSIM_ASSERT(from != config_.index);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Proposal>) {
          on_proposal(from, body, now, out, shared);
        } else if constexpr (std::is_same_v<T, Vote>) {
          on_vote(from, body, now, out);
        } else if constexpr (std::is_same_v<T, Timeout>) {
          on_timeout(from, body, now, out);
        } else if constexpr (std::is_same_v<T, NewView>) {
          on_new_view(from, body, now, out);
        } else if constexpr (std::is_same_v<T, BlockRequest>) {
          on_block_request(from, body, out);
        } else if constexpr (std::is_same_v<T, BlockResponse>) {
          on_block_response(from, body, now, out);
        } else {
          drop(DropReason::not_for_replica);
        }
      },
      message);
  // The leader's own proposal for this view: it holds the certificate the
  // proposal entered the view with, so there is nothing to tell it.
  if (const auto* proposal = std::get_if<Proposal>(&message);
      proposal != nullptr && proposal->block.view == view() && current_leader() == from)
    new_view_due_ = false;
  fetch_missed_proposal(now, out);
  send_new_view(out);
  check_invariants();
}

void Replica::on_timer(TimerKind timer, Instant now, Effects& out) {
  BFTSIM_ASSERT(started_);
  if (timer == TimerKind::fetch) {
    block_sync_.on_fetch_timer(tree_, now, out);
    return check_invariants();
  }
  BFTSIM_ASSERT(timer == TimerKind::view);
  if (!pacemaker_.expired(now)) {
    // Early (the host's clock just short of the deadline), or a timer a
    // later arming superseded: arm the current deadline again. Dropped, an
    // early timer would leave the view without a timer; re-armed, a
    // superseded one only repeats the arming in force.
    pacemaker_.rearm_view_timer(out);
    return check_invariants();
  }
  send_timeout(now, out);
  pacemaker_.arm_view_timer(now, out);
  block_sync_.retry_fetches(tree_, now, out);
  ancestor_fetch_.retry(now, out);
  send_new_view(out);
  check_invariants();
}

// ---- certificates -------------------------------------------------------

bool Replica::check_qc(const QuorumCert& qc) {
  const std::pair<View, Hash32> key{qc.view, qc.block_hash};
  if (verified_qcs_.contains(key)) return true;
  if (!verify_qc(qc, *verifier_, config_.chain_id, quorum_, BlockTree::genesis_hash()))
    return false;
  if (verified_qcs_.size() >= verified_cache_max) verified_qcs_.pop_front();
  verified_qcs_.emplace(key, true);
  return true;
}

bool Replica::check_tc(const TimeoutCert& tc) {
  return verify_tc_timeouts(tc, *verifier_, config_.chain_id, quorum_) && check_qc(tc.high_qc);
}

void Replica::process_qc(const QuorumCert& qc, ReplicaIndex hint, Instant now, Effects& out) {
  if (qc.view > high_qc_.view) high_qc_ = qc;
  update_chain(qc, hint, now, out);
  if (qc.view + 1 > view()) enter_view(qc.view + 1, std::nullopt, now, out);
}

void Replica::process_tc(const TimeoutCert& tc, ReplicaIndex hint, Instant now, Effects& out) {
  process_qc(tc.high_qc, hint, now, out);
  if (tc.view + 1 > view()) enter_view(tc.view + 1, tc, now, out);
}

// The paper's update(b*) on the chain ending at qc's block b2 (b2 <- b1 <- b0
// by justify links, which are the parent links of every stored block): the
// lock moves to b1, then the commit rule may decide b0. A QC whose block is
// unknown asks for the block first; the rules run again when it arrives.
void Replica::update_chain(const QuorumCert& qc, ReplicaIndex hint, Instant now, Effects& out) {
  const StoredBlock* b2 = tree_.find(qc.block_hash);
  if (b2 == nullptr) return block_sync_.fetch(tree_, qc.block_hash, hint, now, out);
  if (b2->block->height == 0) return;
  update_lock(b2->block->justify);
  if (config_.commit_rule == CommitRule::two_chain) {
    // b1 <- b2 with b2 certified and of the view after b1's: b1 commits. The
    // lock above is still kept (persisted, restored), but two_chain votes by
    // safe_to_vote's TC rule, not by it.
    const StoredBlock* b1 = tree_.find(b2->block->justify.block_hash);
    if (b1 != nullptr && b1->block->height != 0 && b2->block->view == b1->block->view + 1) commit_up_to(*b1, out);
    return;
  }
  if (const StoredBlock* b0 = commit_rule(*b2)) commit_up_to(*b0, out);
}

// ---- the rules of the paper -------------------------------------------------

// The safeNode predicate (HotStuff, Algorithm 1; used by chained HotStuff's
// onReceiveProposal): vote for `block` only if it extends the locked block
// (the safety rule) or its justify QC is newer than the lock (the liveness
// rule, which lets a replica locked on a block the others abandoned rejoin).
// unsafe_skip_lock is the teaching mutant that ignores both.
bool Replica::safe_node(const StoredBlock& block) const {
  const bool extends_lock = tree_.extends(block.hash, locked_qc_.block_hash);
  return extends_lock || block.block->justify.view > locked_qc_.view || config_.unsafe_skip_lock;
}

// The vote rule of the configured commit rule (CommitRule). two_chain takes
// the TC this replica entered the block's view by (any valid TC of the view
// before is as safe as the proposal's own); a replica that entered by a QC
// while the leader entered by a TC votes only for a block on that QC's view.
bool Replica::safe_to_vote(const StoredBlock& block) const {
  if (config_.commit_rule == CommitRule::three_chain || config_.unsafe_skip_lock) return safe_node(block);
  const View qc_view = block.block->justify.view;
  if (qc_view + 1 == block.block->view) return true;
  const std::optional<TimeoutCert>& tc = pacemaker_.entry_tc();
  return tc && tc->view + 1 == block.block->view && qc_view >= tc->high_qc.view;
}

// The lock (chained HotStuff's update(b*): "if b'.height > b_lock.height then
// b_lock <- b'"): on a QC for b2, lock on b1, the block b2's justify QC
// certifies, if that QC is newer than the lock. The lock only moves forward.
void Replica::update_lock(const QuorumCert& qc) {
  if (qc.view > locked_qc_.view) locked_qc_ = qc;
}

// The commit rule (chained HotStuff's three-chain, the DECIDE phase): with
// b2 certified, b1 = b2.justify's block and b0 = b1.justify's block, b0 is
// committed when b0, b1, b2 were proposed in consecutive views. Returns b0 then,
// else nullptr (also when b1 or b0 is genesis or pruned).
const StoredBlock* Replica::commit_rule(const StoredBlock& b2) const {
  const StoredBlock* b1 = tree_.find(b2.block->justify.block_hash);
  if (b1 == nullptr || b1->block->height == 0) return nullptr;
  const StoredBlock* b0 = tree_.find(b1->block->justify.block_hash);
  if (b0 == nullptr || b0->block->height == 0) return nullptr;
  if (b2.block->view == b1->block->view + 1 && b1->block->view == b0->block->view + 1) return b0;
  return nullptr;
}

// ---- proposals and votes ----------------------------------------------------

void Replica::on_proposal(ReplicaIndex from, const Proposal& proposal, Instant now, Effects& out,
                          const std::shared_ptr<const SharedMessage>& shared) {
  const Block& block = proposal.block;
  if (block.proposer != from) return drop(DropReason::wrong_sender);
  // The anchor is what the proposer led from: the QC for the view before,
  // or the TC's high_qc. A leader this replica cannot tell yet (the block is
  // missing) is checked again when the parent arrives; one it cannot tell at
  // all is not judged.
  const QuorumCert& anchor = proposal.timeout_cert ? proposal.timeout_cert->high_qc : block.justify;
  if (const std::optional<ReplicaIndex> leader =
          leaders_.leader(tree_, block.view, anchor.view, anchor.block_hash);
      leader && *leader != block.proposer)
    return drop(DropReason::not_leader);
  if (block.view < view()) return take_late_block(from, block, now, out);
  if (block.view > view() + config_.view_window_max) {
    catch_up(block.justify, block.view, from, now, out);
    if (block.view > view() + config_.view_window_max) return drop(DropReason::future_view);
  }
  if (block.height == 0 || block.justify.block_hash != block.parent_hash ||
      block.justify.view >= block.view || block.batch.size() > config_.batch_size)
    return drop(DropReason::bad_block);
  const Hash32 hash = shared ? shared->proposal_block_hash() : block_hash(block);
  if (!verifier_->verify(block.proposer, signing::proposal_bytes(config_.chain_id, hash),
                         proposal.signature))
    return drop(DropReason::bad_signature);
  if (!check_qc(block.justify)) return drop(DropReason::bad_certificate);
  if (proposal.timeout_cert) {
    if (proposal.timeout_cert->view + 1 != block.view || !check_tc(*proposal.timeout_cert))
      return drop(DropReason::bad_certificate);
  } else if (block.justify.view + 1 != block.view) {
    return drop(DropReason::bad_certificate);  // a view jump with no TC behind it
  }

  block_sync_.request_state_if_behind(committed_height_, block.height, now, out);
  if (proposal.timeout_cert) process_tc(*proposal.timeout_cert, from, now, out);
  process_qc(block.justify, from, now, out);
  if (block.view != view()) return take_late_block(from, block, now, out);

  if (const StoredBlock* known = tree_.find(hash)) return try_vote(*known, now, out);
  if (!batch_authentic(block)) return drop(DropReason::unsigned_request);
  // One proposed block per view is stored: a leader that equivocates cannot
  // fill the tree. A certified other block still arrives by fetching.
  if (auto [it, first] = proposal_seen_.emplace(block.view, hash); !first && it->second != hash)
    return drop(DropReason::duplicate);
  const StoredBlock* parent = tree_.find(block.parent_hash);
  if (parent == nullptr) {
    if (!block_sync_.wait_for_parent(from, proposal)) return drop(DropReason::future_view);
    return block_sync_.fetch(tree_, block.parent_hash, from, now, out, block.height - 1);
  }
  if (block.height != parent->block->height + 1) return drop(DropReason::bad_block);
  // Shared with the message's other receivers when it is shared (immutable), else a copy.
  accept_block(shared ? std::shared_ptr<const Block>(shared, &block) : std::make_shared<const Block>(block), hash,
               now, out);
}

// With require_client_signatures, every request of a proposed block must be
// signed by its client. A request this replica holds in its mempool was
// checked when it arrived, and the verifier remembers the others it checked
// (a request arriving after the proposal that carried it), so each costs one
// verification.
bool Replica::batch_authentic(const Block& block) {
  if (!config_.require_client_signatures) return true;
  for (const ClientRequest& request : block.batch) {
    if (mempool_.holds(request)) continue;
    if (!client_verifier_.authentic(request)) return false;
  }
  return true;
}

void Replica::accept_block(std::shared_ptr<const Block> block, const Hash32& hash, Instant now,
                           Effects& out) {
  const StoredBlock& stored = tree_.insert(std::move(block), hash);
  block_sync_.on_block_stored(hash);
  store_block(stored, out);  // before the vote's Persist
  // The lock moves before the vote: voting on b locks on b's grandparent.
  update_chain(stored.block->justify, stored.block->proposer, now, out);
  try_vote(stored, now, out);
  if (block_sync_.has_orphans_of(hash)) adopt_orphans(now, out);
}

void Replica::try_vote(const StoredBlock& stored, Instant now, Effects& out) {
  const Block& block = *stored.block;
  if (block.view != view() || block.view <= last_voted_view_) return;
  if (!safe_to_vote(stored)) return;
  last_voted_view_ = block.view;
  persist(out);
  Vote vote{block.view, stored.hash, config_.index, {}};
  vote.signature = signer_->sign(signing::vote_bytes(config_.chain_id, vote.view, vote.block_hash));
  const std::optional<ReplicaIndex> next_leader =
      config_.vote_to_all ? std::nullopt : leader_after(block.view, stored.hash);
  if (config_.vote_to_all || !next_leader) {
    out.push_back(BroadcastEffect{vote});
    collect_vote(vote, now, out);
  } else if (*next_leader == config_.index) {
    collect_vote(vote, now, out);
  } else {
    out.push_back(SendEffect{*next_leader, std::move(vote)});
  }
}

void Replica::on_vote(ReplicaIndex from, const Vote& vote, Instant now, Effects& out) {
  if (vote.voter != from) return drop(DropReason::wrong_sender);
  if (!config_.vote_to_all) {
    const std::optional<ReplicaIndex> next_leader = leader_after(vote.view, vote.block_hash);
    if (next_leader && *next_leader != config_.index) return drop(DropReason::not_leader);
  }
  if (vote.view + 1 < view() || vote.view <= high_qc_.view) return drop(DropReason::stale_view);
  if (vote.view > view() + config_.view_window_max) return drop(DropReason::future_view);
  if (votes_.has_voted(vote.view, vote.voter)) return drop(DropReason::duplicate);
  if (!verifier_->verify(vote.voter,
                         signing::vote_bytes(config_.chain_id, vote.view, vote.block_hash),
                         vote.signature))
    return drop(DropReason::bad_signature);
  collect_vote(vote, now, out);
}

void Replica::collect_vote(const Vote& vote, Instant now, Effects& out) {
  std::optional<QuorumCert> qc = votes_.collect(vote, high_qc_.view);
  if (!qc) return;
  verified_qcs_.emplace({qc->view, qc->block_hash}, true);
  out.push_back(NoteEffect{NoteKind::qc_formed, qc->view});
  process_qc(*qc, vote.voter, now, out);
}

// ---- commit ---------------------------------------------------------------------

void Replica::commit_up_to(const StoredBlock& target, Effects& out) {
  if (target.block->height <= committed_height_) return;
  std::vector<const StoredBlock*> chain;
  const StoredBlock* current = &target;
  while (current != nullptr && current->block->height > committed_height_) {
    chain.push_back(current);
    current = tree_.find(current->block->parent_hash);
  }
  // Every ancestor above the committed height is present (blocks enter only
  // after their parents, and pruning stays below the committed height).
  BFTSIM_ASSERT(current != nullptr);
  // With more than f faulty replicas the new chain may not extend what this
  // replica committed; it still commits, so the agreement checker sees the fork.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const StoredBlock& stored = **it;
    const Block& block = *stored.block;
    mempool_.remove_committed(block);
    committed_height_ = block.height;
    committed_hash_ = stored.hash;
    out.push_back(CommitEffect{block.height, stored.hash, stored.block});
  }
  pacemaker_.reset_backoff();
  block_sync_.set_committed_height(committed_height_);
  block_sync_.prune(tree_, committed_height_);
}

// ---- state ---------------------------------------------------------------------------

void Replica::persist(Effects& out) {
  persisted_view_ = view();
  persisted_ = true;
  out.push_back(PersistEffect{safety_state()});
}

void Replica::check_invariants() const {
  BFTSIM_ASSERT(locked_qc_.view <= high_qc_.view);
  // Before start() a restored last_voted_view may be ahead of view 0.
  BFTSIM_ASSERT(!started_ || last_voted_view_ <= view());
  BFTSIM_ASSERT(high_qc_.view < view() || view() == 0);
  BFTSIM_ASSERT(proposed_view_ <= view());
  pacemaker_.check_invariants();
  votes_.check_invariants(high_qc_.view);
  mempool_.check_invariants();
  block_sync_.check_invariants();
}

}  // namespace bftsim