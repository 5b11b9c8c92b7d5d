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
      block_sync_(config_) {
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

SafetyState Replica::safety_state() const {
  return SafetyState{view(), last_voted_view_, locked_qc_, high_qc_};
}

void Replica::restore(const SafetyState& state) {
  BFTSIM_ASSERT(!started_);
  BFTSIM_ASSERT(state.locked_qc.view <= state.high_qc.view);
  restored_view_ = state.view;
  last_voted_view_ = state.last_voted_view;
  locked_qc_ = state.locked_qc;
  high_qc_ = state.high_qc;
  verified_qcs_.insert({locked_qc_.view, locked_qc_.block_hash});
  verified_qcs_.insert({high_qc_.view, high_qc_.block_hash});
}

void Replica::restore_committed(std::shared_ptr<const Block> block, const Hash32& hash) {
  BFTSIM_ASSERT(!started_);
  BFTSIM_ASSERT(block != nullptr && block->height > 0);
  committed_height_ = block->height;
  committed_hash_ = hash;
  tree_.install_root(std::move(block), hash);
}

void Replica::restore_blocks(std::vector<std::shared_ptr<const Block>> blocks) {
  BFTSIM_ASSERT(!started_);
  std::stable_sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->height < b->height; });
  for (auto& block : blocks) {
    if (block->height <= committed_height_) continue;
    const Hash32 hash = block_hash(*block);
    if (tree_.contains(hash)) continue;
    const StoredBlock* parent = tree_.find(block->parent_hash);
    if (parent == nullptr || parent->block->height + 1 != block->height) continue;
    tree_.insert(std::move(block), hash);
  }
}

std::shared_ptr<const Block> Replica::committed_block() const {
  const StoredBlock* stored = tree_.find(committed_hash_);
  BFTSIM_ASSERT(stored != nullptr);  // pruning stays below the committed height
  return stored->block;
}

void Replica::install_state(std::shared_ptr<const Block> block, const Hash32& hash, Instant now,
                            Effects& out) {
  BFTSIM_ASSERT(started_);
  BFTSIM_ASSERT(block != nullptr && block->height > committed_height_);
  const Height height = block->height;
  mempool_.remove_committed(*block);
  committed_height_ = height;
  committed_hash_ = hash;
  tree_.install_root(std::move(block), hash);
  block_sync_.on_state_installed(height);
  // Fetched blocks above the new root may now attach; then the usual rules.
  adopt_orphans(now, out);
  update_chain(high_qc_, config_.index == 0 ? 1 : 0, now, out);
  try_propose(now, out);
  send_new_view(out);
  check_invariants();
}

void Replica::start(Instant now, Effects& out) {
  BFTSIM_ASSERT(!started_);
  started_ = true;
  // A restarted replica may re-enter the view it crashed in; last_voted_view_
  // keeps it from voting there again.
  enter_view(std::max<View>({1, restored_view_, high_qc_.view + 1, last_voted_view_}),
             std::nullopt, now, out);
  send_new_view(out);
  check_invariants();
}

void Replica::on_message(ReplicaIndex from, const Message& message, Instant now, Effects& out) {
  BFTSIM_ASSERT(started_);
  BFTSIM_ASSERT(from < config_.replica_count);
  BFTSIM_ASSERT(from != config_.index);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Proposal>) {
          on_proposal(from, body, now, out);
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
  BFTSIM_ASSERT(timer == TimerKind::view);
  if (!pacemaker_.expired(now)) return;  // superseded by a later arming
  send_timeout(now, out);
  pacemaker_.arm_view_timer(now, out);
  block_sync_.retry_fetches(tree_, now, out);
  send_new_view(out);
  check_invariants();
}

void Replica::on_client_request(const ClientRequest& request, Instant /*now*/, Effects& /*out*/) {
  if (config_.require_client_signatures && !mempool_.holds(request) &&
      !client_verifier_.authentic(request))
    return drop(DropReason::unsigned_request);
  if (auto reason = mempool_.add(request)) drop(*reason);
  check_invariants();
}

// ---- certificates -------------------------------------------------------

bool Replica::check_qc(const QuorumCert& qc) {
  const std::pair<View, Hash32> key{qc.view, qc.block_hash};
  if (verified_qcs_.contains(key)) return true;
  if (!verify_qc(qc, *verifier_, config_.chain_id, quorum_, BlockTree::genesis_hash()))
    return false;
  if (verified_qcs_.size() >= verified_cache_max) verified_qcs_.erase(verified_qcs_.begin());
  verified_qcs_.insert(key);
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

// ---- views and the pacemaker ---------------------------------------------

void Replica::enter_view(View view, std::optional<TimeoutCert> tc, Instant now, Effects& out) {
  const bool by_tc = tc.has_value();
  pacemaker_.enter_view(view, std::move(tc));
  new_view_due_ = config_.new_view_to_leader;
  out.push_back(NoteEffect{by_tc ? NoteKind::view_entered_by_tc : NoteKind::view_entered_by_qc,
                           view});
  // Forget collections that can no longer matter.
  votes_.prune_below(view - 1);
  proposal_seen_.erase(proposal_seen_.begin(), proposal_seen_.lower_bound(view));
  missed_proposal_.reset();
  pacemaker_.arm_view_timer(now, out);
  try_propose(now, out);
}

void Replica::send_timeout(Instant now, Effects& out) {
  if (pacemaker_.give_up_view()) {
    last_voted_view_ = std::max(last_voted_view_, view());  // no vote in a view we gave up
    persist(out);
  }
  Timeout timeout{view(), config_.index, high_qc_, {}, {}};
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (entry_tc && entry_tc->view + 1 == view()) timeout.last_tc = entry_tc;
  timeout.signature =
      signer_->sign(signing::timeout_bytes(config_.chain_id, view(), high_qc_.view));
  out.push_back(NoteEffect{NoteKind::timeout_sent, view()});
  out.push_back(BroadcastEffect{timeout});
  collect_timeout(timeout, now, out);
}

// HotStuff's NEW-VIEW: the certificate this replica entered its view by goes
// to the view's leader, which may lack it. With three live replicas of four,
// a quorum needs every live vote, so one vote lost on its way to the next
// leader would otherwise leave that leader a view timeout behind the others,
// and the view would fail (docs/case-study-liveness.md, rmw-counters seed 1).
void Replica::send_new_view(Effects& out) {
  if (!new_view_due_) return;
  new_view_due_ = false;
  const std::optional<ReplicaIndex> leader = current_leader();
  if (!leader || *leader == config_.index) return;
  NewView new_view{view(), high_qc_, std::nullopt};
  // The QC for the view before is enough; only a TC entry needs the TC.
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (high_qc_.view + 1 != view() && entry_tc) new_view.last_tc = entry_tc;
  if (high_qc_.view == 0 && !new_view.last_tc) return;  // genesis: nothing to tell
  out.push_back(SendEffect{*leader, std::move(new_view)});
}

void Replica::try_propose(Instant now, Effects& out) {
  if (proposed_view_ >= view()) return;
  // A leader that already voted or timed out in this view (before a restart,
  // say) must not propose a second block in it.
  if (last_voted_view_ >= view()) return;
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
  // proposal, so a restarted leader cannot propose again in this view.
  proposal_seen_.emplace(view, hash);
  accept_block(std::move(block), hash, now, out);
  if (last_voted_view_ < view) {
    last_voted_view_ = view;
    persist(out);
  }
  out.push_back(NoteEffect{NoteKind::proposal_sent, view});
  out.push_back(BroadcastEffect{std::move(proposal)});
}

// Holding the QC for the view before, this replica expects the leader that
// QC's block names; else the one the high_qc block of the TC it entered with
// names. nullopt when it holds neither (it entered by catching up) or cannot
// tell (leader_election.h).
std::optional<ReplicaIndex> Replica::current_leader() const {
  const bool by_qc = high_qc_.view + 1 == view();
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (!by_qc && !(entry_tc && entry_tc->view + 1 == view())) return std::nullopt;
  const QuorumCert& anchor = by_qc ? high_qc_ : entry_tc->high_qc;
  return leaders_.leader(tree_, view(), anchor.view, anchor.block_hash);
}

ReplicaIndex Replica::leader_of(View view) const {
  if (view == this->view())
    if (const std::optional<ReplicaIndex> leader = current_leader()) return *leader;
  return leaders_.fallback(view);
}

// ---- proposals and votes ----------------------------------------------------

void Replica::on_proposal(ReplicaIndex from, const Proposal& proposal, Instant now,
                          Effects& out) {
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
  const Hash32 hash = block_hash(block);
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
    return block_sync_.fetch(tree_, block.parent_hash, from, now, out);
  }
  if (block.height != parent->block->height + 1) return drop(DropReason::bad_block);
  accept_block(std::make_shared<const Block>(block), hash, now, out);
}

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
  if (!safe_node(stored)) return;
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
  verified_qcs_.insert({qc->view, qc->block_hash});
  out.push_back(NoteEffect{NoteKind::qc_formed, qc->view});
  process_qc(*qc, vote.voter, now, out);
}

// ---- new views ----

// Most NewViews bring nothing new (the leader formed the QC itself, or a
// second replica sent the same one); those cost no signature checks. A
// certificate that would move this replica is verified first.
void Replica::on_new_view(ReplicaIndex from, const NewView& new_view, Instant now, Effects& out) {
  if (new_view.high_qc.view >= new_view.view) return drop(DropReason::bad_certificate);
  if (new_view.last_tc && new_view.last_tc->view + 1 != new_view.view)
    return drop(DropReason::bad_certificate);
  const bool new_tc = new_view.last_tc && new_view.last_tc->view >= view();
  if (!new_tc && new_view.high_qc.view <= high_qc_.view) return drop(DropReason::duplicate);
  if (new_tc) {
    if (!check_tc(*new_view.last_tc)) return drop(DropReason::bad_certificate);
    process_tc(*new_view.last_tc, from, now, out);
  }
  if (new_view.high_qc.view <= high_qc_.view) return;  // the TC carried it
  if (!check_qc(new_view.high_qc)) return drop(DropReason::bad_certificate);
  process_qc(new_view.high_qc, from, now, out);
}

// ---- timeouts ----------------------------------------------------------------

void Replica::on_timeout(ReplicaIndex from, const Timeout& timeout, Instant now, Effects& out) {
  if (timeout.sender != from) return drop(DropReason::wrong_sender);
  // A TC the sender entered its view with lets a lagging replica catch up.
  if (timeout.last_tc && timeout.last_tc->view >= view()) {
    if (timeout.last_tc->view + 1 != timeout.view || !check_tc(*timeout.last_tc))
      return drop(DropReason::bad_certificate);
    process_tc(*timeout.last_tc, from, now, out);
  }
  if (timeout.view < view()) return drop(DropReason::stale_view);
  if (timeout.view > view() + config_.view_window_max) {
    catch_up(timeout.high_qc, timeout.view, from, now, out);
    return drop(DropReason::future_view);  // too far ahead to buffer
  }
  if (timeout.high_qc.view >= timeout.view) return drop(DropReason::bad_certificate);
  if (pacemaker_.has_timeout(timeout.view, timeout.sender)) return drop(DropReason::duplicate);
  if (!verifier_->verify(timeout.sender,
                         signing::timeout_bytes(config_.chain_id, timeout.view,
                                                timeout.high_qc.view),
                         timeout.signature))
    return drop(DropReason::bad_signature);
  if (!check_qc(timeout.high_qc)) return drop(DropReason::bad_certificate);
  process_qc(timeout.high_qc, from, now, out);
  collect_timeout(timeout, now, out);
}

// A message from beyond the view window is not buffered, but the QC it
// carries is a certificate on its own (2f+1 signers): a replica that was down
// for more views than the window, or fell behind, enters the QC's view
// instead of dropping everything until it times out its way forward.
void Replica::catch_up(const QuorumCert& qc, View message_view, ReplicaIndex from, Instant now,
                       Effects& out) {
  if (qc.view >= message_view || qc.view < view()) return;
  if (!check_qc(qc)) return drop(DropReason::bad_certificate);
  process_qc(qc, from, now, out);
}

void Replica::collect_timeout(const Timeout& timeout, Instant now, Effects& out) {
  Pacemaker::Collected collected = pacemaker_.collect_timeout(timeout);
  // f+1 timeouts include an honest one: join them rather than wait (Bracha).
  if (collected.join) return send_timeout(now, out);  // re-enters here with our own
  if (!collected.timeout_cert) return;
  out.push_back(NoteEffect{NoteKind::tc_formed, collected.timeout_cert->view});
  process_tc(*collected.timeout_cert, timeout.sender, now, out);
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
  block_sync_.prune(tree_, committed_height_);
}

// ---- block sync ------------------------------------------------------------------

void Replica::on_block_request(ReplicaIndex from, const BlockRequest& request, Effects& out) {
  block_sync_.on_block_request(tree_, from, request, out);
}

void Replica::on_block_response(ReplicaIndex from, const BlockResponse& response, Instant now,
                                Effects& out) {
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

// ---- state ---------------------------------------------------------------------------

void Replica::persist(Effects& out) const { out.push_back(PersistEffect{safety_state()}); }

void Replica::store_block(const StoredBlock& stored, Effects& out) const {
  if (stored.block->height > committed_height_)
    out.push_back(StoreBlockEffect{stored.block, stored.hash});
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
