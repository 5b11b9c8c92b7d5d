// What a Byzantine actor proposes (byzantine.h): the inner replica's proposal
// rewritten (withheld, delayed, forked, tail-forked, with a forged QC or a bad
// parent, invented, equivocated) and proposals of its own in views it does not
// lead (propose_out_of_turn). Every rewritten proposal is validly signed by
// the actor: only what a correct replica checks beyond the signature is wrong.
#include "sim/actors/byzantine.h"

#include "core/consensus/block_tree.h"
#include "core/consensus/quorum.h"
#include "core/protocol/codec.h"
#include "core/protocol/signing.h"

namespace bftsim {

void ByzantineActor::remember_qc(const Block& block) {
  if (block.height == 0) return;
  seen_qcs_.emplace(block.justify.view, std::make_pair(block.justify, block.height - 1));
  while (seen_qcs_.size() > 16) seen_qcs_.erase(seen_qcs_.begin());
}

void ByzantineActor::remember_claimed_qc(const Message& message) {
  const QuorumCert* qc = nullptr;
  if (const auto* timeout = std::get_if<Timeout>(&message)) qc = &timeout->high_qc;
  if (const auto* new_view = std::get_if<NewView>(&message)) qc = &new_view->high_qc;
  if (qc == nullptr || qc->view == 0) return;
  claimed_qcs_.emplace(qc->view, *qc);
  while (claimed_qcs_.size() > 16) claimed_qcs_.erase(claimed_qcs_.begin());
}

void ByzantineActor::remember_block(const Block& block) {
  const Hash32 hash = block_hash(block);
  if (find_block(hash) != nullptr) return;
  known_blocks_.emplace_back(hash, block);
  if (known_blocks_.size() > known_blocks_max) known_blocks_.pop_front();
}

const Block* ByzantineActor::find_block(const Hash32& hash) const {
  for (const auto& [known_hash, block] : known_blocks_)
    if (known_hash == hash) return &block;
  return nullptr;
}

Proposal ByzantineActor::sign_proposal(Block block, std::optional<TimeoutCert> tc) const {
  Proposal proposal{std::move(block), std::move(tc), {}};
  proposal.signature = signer_->sign(signing::proposal_bytes(config_.chain_id, block_hash(proposal.block)));
  return proposal;
}

// A TC lets a leader justify with any valid QC. With depth d it picks the QC
// d certificates below the highest it saw: d = 1 makes a sibling of the
// highest certified block, 2 of its parent (the block honest replicas lock),
// 3 of its grandparent (conflicting with a committed block). At the lock it
// extends exactly the block its inner replica is locked on, which safe_node
// lets every replica with the same lock vote for.
std::optional<Block> ByzantineActor::fork_block(std::uint8_t instance, const Proposal& proposal) const {
  if (!proposal.timeout_cert) return std::nullopt;
  const View justify_view = proposal.block.justify.view;
  Block block = proposal.block;
  if (params_.fork_depth == fork_depth_lock) {
    const QuorumCert lock = instances_[instance]->safety_state().locked_qc;
    if (lock.view >= justify_view) return std::nullopt;  // the proposal extends the lock directly
    Height lock_height = 0;
    if (lock.view > 0) {
      const Block* locked = find_block(lock.block_hash);
      if (locked == nullptr) return std::nullopt;
      lock_height = locked->height;
    }
    block.justify = lock;
    block.parent_hash = lock.block_hash;
    block.height = lock_height + 1;
    return block;
  }
  if (params_.fork_depth == fork_depth_hidden) {
    // The newest QC below the proposal's that a timeout or NEW-VIEW claimed
    // but no proposal carried: nothing was built on its block, which other
    // replicas may hold a lock below.
    for (auto it = claimed_qcs_.rbegin(); it != claimed_qcs_.rend(); ++it) {
      const auto& [view, qc] = *it;
      if (view >= justify_view) continue;
      if (auto carried = seen_qcs_.find(view); carried != seen_qcs_.end() && carried->second.first == qc) continue;
      const Block* certified = find_block(qc.block_hash);
      if (certified == nullptr) continue;
      block.justify = qc;
      block.parent_hash = qc.block_hash;
      block.height = certified->height + 1;
      return block;
    }
    return std::nullopt;
  }
  const View depth = params_.fork_depth;
  auto it = seen_qcs_.lower_bound(justify_view);
  for (View back = 0; back < depth && it != seen_qcs_.begin(); ++back) --it;
  if (it == seen_qcs_.end() || it->first + depth > justify_view) return std::nullopt;
  const auto& [older_qc, older_height] = it->second;
  block.justify = older_qc;
  block.parent_hash = older_qc.block_hash;
  block.height = older_height + 1;
  return block;
}

// The tail-forking attack on chained HotStuff: a leader whose block would
// extend its predecessor's (the block of the view before, by another
// replica) extends that block's parent instead, so the predecessor's block
// and its requests are dropped. Without a TC the view gap makes correct
// replicas reject it, which silences the view; the timeouts then hide the
// predecessor's QC (rewrite_timeout), so with votes to the next leader only
// the TC's high QC is the grandparent's and the next leader forks it away.
std::optional<Block> ByzantineActor::tail_fork_block(const Block& block) const {
  const Block* parent = find_block(block.parent_hash);
  if (parent == nullptr || parent->height == 0) return std::nullopt;
  if (parent->proposer == config_.index || parent->view + 1 != block.view) return std::nullopt;
  Block sibling = block;
  sibling.justify = parent->justify;
  sibling.parent_hash = parent->justify.block_hash;
  sibling.height = parent->height;
  return sibling;
}

void ByzantineActor::rewrite_proposal(std::uint8_t instance, const std::vector<ReplicaIndex>& all_recipients,
                                      const Proposal& proposal, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::withhold_proposals) && params_.targets.empty()) return;
  const std::vector<ReplicaIndex> recipients =
      has(ByzantineBehavior::withhold_proposals) ? not_withheld(all_recipients) : all_recipients;
  const Duration delay = has(ByzantineBehavior::delay_proposals)
                             ? instances_[instance]->current_view_timeout() * 9 / 10
                             : 0;
  Proposal base = proposal;
  remember_qc(base.block);
  if (has(ByzantineBehavior::fork)) {
    if (std::optional<Block> forked = fork_block(instance, base)) {
      if (params_.fork_depth == fork_depth_hidden) hidden_fork_.emplace(block_hash(base.block), block_hash(*forked));
      base = sign_proposal(std::move(*forked), base.timeout_cert);
      ++forged_count_;
    }
  }
  if (has(ByzantineBehavior::tail_fork)) {
    if (std::optional<Block> sibling = tail_fork_block(base.block)) {
      const Block* parent = find_block(base.block.parent_hash);
      hidden_qc_ = HiddenQc{base.block.view, parent->justify};
      base = sign_proposal(std::move(*sibling), base.timeout_cert);
      ++forged_count_;
    }
  }
  if (has(ByzantineBehavior::forged_qc) && !base.block.justify.signatures.empty()) {
    // One signature short of a quorum.
    base.block.justify.signatures.edit().resize(quorum_size(config_.replica_count, config_.faulty_max) - 1);
    base = sign_proposal(base.block, base.timeout_cert);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::bad_parent)) {
    // The parent is not the block the justify QC certifies: a hash no block
    // has, or (parent: grandparent) the real grandparent, at the height that
    // fits it, so a replica that skips the check stores and may commit it.
    const Block* parent = params_.bad_parent_grandparent ? find_block(base.block.parent_hash) : nullptr;
    if (parent != nullptr && parent->height > 0) {
      base.block.parent_hash = parent->parent_hash;
      base.block.height = parent->height;
    } else {
      base.block.parent_hash.bytes[0] ^= 0x01;
    }
    base = sign_proposal(base.block, base.timeout_cert);
    ++forged_count_;
  }
  remember_block(base.block);
  if (has(ByzantineBehavior::uncertified_commit)) {
    // A block far ahead that claims an invented parent under an empty QC.
    Block invented = base.block;
    invented.height += 100;
    invented.justify = QuorumCert{base.block.view - 1, {}, {}};
    Rng& invent_rng = rng(ByzantineBehavior::uncertified_commit);
    for (auto& byte : invented.justify.block_hash.bytes) byte = static_cast<std::uint8_t>(invent_rng.next_u64());
    invented.parent_hash = invented.justify.block_hash;
    const Proposal fake = sign_proposal(invented, std::nullopt);
    for (ReplicaIndex to : recipients) emit(instance, to, fake, delay, out);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::equivocate) && !base.block.batch.empty()) {
    // The same slot with another batch: a different block, validly signed.
    Block other = base.block;
    other.batch.pop_back();
    remember_block(other);
    const Proposal conflicting = sign_proposal(other, base.timeout_cert);
    for (std::size_t i = 0; i < recipients.size(); ++i) {
      const bool second = byzantine_second_half(i, recipients.size());
      emit(instance, recipients[i], second ? conflicting : base, delay, out);
      // split: all: each replica gets both blocks, its half's first.
      if (params_.equivocate_to_all) emit(instance, recipients[i], second ? base : conflicting, delay, out);
    }
    ++forged_count_;
    return;
  }
  if (has(ByzantineBehavior::short_qc)) {
    // The block on the short certificate first; a correct replica drops it
    // (bad certificate) and takes the honest one that follows.
    if (std::optional<Proposal> forged = short_qc_proposal(base)) {
      for (ReplicaIndex to : recipients) emit(instance, to, *forged, delay, out);
      ++forged_count_;
    }
  }
  for (ReplicaIndex to : recipients) emit(instance, to, base, delay, out);
}

// In the instance's view, when it is not the leader and entered the view by
// a QC: a block on that QC's block, as the leader would make it (without
// requests), to every other replica. Correct replicas drop it (not_leader).
void ByzantineActor::propose_out_of_turn(std::uint8_t instance, ByzantineOutbox& out) {
  const Replica& replica = *instances_[instance];
  const View view = replica.view();
  if (view <= out_of_turn_view_[instance]) return;
  if (replica.leader_of(view) == config_.index) return;
  const QuorumCert high_qc = replica.safety_state().high_qc;
  if (high_qc.view + 1 != view) return;
  Height parent_height = 0;
  if (high_qc.view > 0) {
    const Block* parent = find_block(high_qc.block_hash);
    if (parent == nullptr) return;
    parent_height = parent->height;
  }
  out_of_turn_view_[instance] = view;
  Block block;
  block.parent_hash = high_qc.block_hash;
  block.height = parent_height + 1;
  block.view = view;
  block.proposer = config_.index;
  block.justify = high_qc;
  remember_block(block);
  const Proposal proposal = sign_proposal(std::move(block), std::nullopt);
  for (ReplicaIndex to : others()) emit(instance, to, proposal, 0, out);
  ++forged_count_;
}

// The proposal extending the block short_qc_ certifies, when it is newer
// than the proposal's justify and fits its view (the view after it, or any
// earlier one under the proposal's TC), and the actor knows that block.
std::optional<Proposal> ByzantineActor::short_qc_proposal(const Proposal& proposal) const {
  if (!short_qc_ || short_qc_->view <= proposal.block.justify.view || short_qc_->view >= proposal.block.view)
    return std::nullopt;
  if (short_qc_->view + 1 != proposal.block.view && !proposal.timeout_cert) return std::nullopt;
  const Block* parent = find_block(short_qc_->block_hash);
  if (parent == nullptr) return std::nullopt;
  Block block = proposal.block;
  block.justify = *short_qc_;
  block.parent_hash = short_qc_->block_hash;
  block.height = parent->height + 1;
  return sign_proposal(std::move(block), proposal.timeout_cert);
}

}  // namespace bftsim
