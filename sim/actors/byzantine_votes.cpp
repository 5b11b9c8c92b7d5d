// A Byzantine actor's votes and timeouts (byzantine.h): withheld (from
// everyone or from chosen targets), doubled, cast in another replica's name,
// cast again in a view for each other block it sees (amnesia); timeouts
// withheld, sent for far views, or hiding the QC a tail fork drops.
#include "sim/actors/byzantine.h"

#include <algorithm>

#include "core/consensus/quorum.h"
#include "core/protocol/codec.h"
#include "core/protocol/signing.h"

namespace bftsim {

namespace {

constexpr View voted_views_kept = 8;


}  // namespace

std::vector<ReplicaIndex> ByzantineActor::not_withheld(const std::vector<ReplicaIndex>& recipients) const {
  std::vector<ReplicaIndex> kept;
  if (params_.targets.empty()) return kept;
  for (ReplicaIndex to : recipients)
    if (!std::binary_search(params_.targets.begin(), params_.targets.end(), to)) kept.push_back(to);
  return kept;
}

Vote ByzantineActor::sign_vote(View view, const Hash32& hash, ReplicaIndex voter) const {
  return Vote{view, hash, voter, signer_->sign(signing::vote_bytes(config_.chain_id, view, hash))};
}

std::vector<ReplicaIndex> ByzantineActor::vote_recipients(std::uint8_t instance, View view) const {
  if (config_.vote_to_all) return others();
  const ReplicaIndex next_leader = instances_[instance]->leader_of(view + 1);
  if (next_leader == config_.index) return {};
  return {next_leader};
}

void ByzantineActor::rewrite_vote(std::uint8_t instance, const std::vector<ReplicaIndex>& all_recipients,
                                  const Vote& original, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::withhold_votes) && params_.targets.empty()) return;
  // fork with depth hidden: the leader's vote for its own block goes to the
  // fork it proposed in that block's place (which alone was sent).
  Vote vote = original;
  if (hidden_fork_ && hidden_fork_->first == vote.block_hash)
    vote = sign_vote(vote.view, hidden_fork_->second, vote.voter);
  const std::vector<ReplicaIndex> recipients =
      has(ByzantineBehavior::withhold_votes) ? not_withheld(all_recipients) : all_recipients;
  if (has(ByzantineBehavior::short_qc)) record_vote(vote);
  if (has(ByzantineBehavior::amnesia)) {
    auto& voted = voted_[instance];
    voted[vote.view].push_back(vote.block_hash);
    while (!voted.empty() && voted.begin()->first + voted_views_kept < vote.view) voted.erase(voted.begin());
  }
  if (has(ByzantineBehavior::impersonate)) {
    // A vote naming the next replica as voter, signed with this replica's
    // key: for the same block, or (vote_for: other_block) for another block
    // of the view it knows (an equivocating leader's other version), else a
    // hash no block has.
    Hash32 hash = vote.block_hash;
    if (params_.impersonate_other_block) {
      hash.bytes[31] ^= 0x80;
      for (const auto& [known_hash, block] : known_blocks_) {
        if (block.view == vote.view && known_hash != vote.block_hash) {
          hash = known_hash;
          break;
        }
      }
    }
    const Vote forged = sign_vote(vote.view, hash, (config_.index + 1) % config_.replica_count);
    for (ReplicaIndex to : recipients) emit(instance, to, forged, 0, out);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::double_vote)) {
    Vote conflicting = vote;
    conflicting.block_hash.bytes[31] ^= 0x80;
    conflicting.signature =
        signer_->sign(signing::vote_bytes(config_.chain_id, conflicting.view, conflicting.block_hash));
    if (recipients.size() == 1) {
      // Votes to the next leader only: that leader gets both.
      emit(instance, recipients[0], vote, 0, out);
      emit(instance, recipients[0], conflicting, 0, out);
    } else {
      for (std::size_t i = 0; i < recipients.size(); ++i)
        emit(instance, recipients[i], byzantine_second_half(i, recipients.size()) ? conflicting : vote, 0, out);
    }
    ++forged_count_;
    return;
  }
  for (ReplicaIndex to : recipients) emit(instance, to, vote, 0, out);
}

// Amnesia (the Twins paper's replica that loses its vote record): for each
// block it knows of a recent view it already voted in, other than the ones
// it voted for, a vote of its own, sent as its votes go. With an
// equivocating leader (or its own equivocation) it votes for both blocks.
void ByzantineActor::vote_again(std::uint8_t instance, ByzantineOutbox& out) {
  const View current = instances_[instance]->view();
  std::vector<Vote> votes;
  for (const auto& [hash, block] : known_blocks_) {
    if (block.view + 1 < current) continue;
    auto voted = voted_[instance].find(block.view);
    if (voted == voted_[instance].end()) continue;
    if (std::find(voted->second.begin(), voted->second.end(), hash) != voted->second.end()) continue;
    votes.push_back(sign_vote(block.view, hash, config_.index));
  }
  for (const Vote& vote : votes) {
    // rewrite_vote records it, so each block gets one extra vote.
    rewrite_vote(instance, vote_recipients(instance, vote.view), vote, out);
    ++forged_count_;
  }
}

void ByzantineActor::rewrite_timeout(std::uint8_t instance, const std::vector<ReplicaIndex>& all_recipients,
                                     const Timeout& original, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::withhold_timeouts) && params_.targets.empty()) return;
  const std::vector<ReplicaIndex> recipients =
      has(ByzantineBehavior::withhold_timeouts) ? not_withheld(all_recipients) : all_recipients;
  Timeout timeout = original;
  if (has(ByzantineBehavior::short_qc)) {
    // The short certificate first: a replica that accepts it counts this
    // timeout with it; a correct one drops it and counts the honest one.
    if (std::optional<Timeout> forged = short_qc_timeout(timeout)) {
      for (ReplicaIndex to : recipients) emit(instance, to, *forged, 0, out);
      ++forged_count_;
    }
  }
  if (has(ByzantineBehavior::tail_fork) && hidden_qc_ && hidden_qc_->view == timeout.view &&
      timeout.high_qc.view > hidden_qc_->qc.view) {
    // The view it tail-forked: claim the grandparent's QC as its highest.
    timeout.high_qc = hidden_qc_->qc;
    timeout.signature =
        signer_->sign(signing::timeout_bytes(config_.chain_id, timeout.view, timeout.high_qc.view));
    ++forged_count_;
  }
  for (ReplicaIndex to : recipients) emit(instance, to, timeout, 0, out);
  if (has(ByzantineBehavior::unproven_new_view)) {
    // Claims the cluster timed out up to a far view, with only its own signature.
    const View far = timeout.view + 1000;
    TimeoutCert tc{far - 1, {}, timeout.high_qc};
    tc.signatures.edit().push_back({config_.index, timeout.high_qc.view,
                             signer_->sign(signing::timeout_bytes(config_.chain_id, far - 1,
                                                                  timeout.high_qc.view))});
    Timeout forged{far, config_.index, timeout.high_qc, tc, {}};
    forged.signature = signer_->sign(signing::timeout_bytes(config_.chain_id, far, timeout.high_qc.view));
    for (ReplicaIndex to : recipients) emit(instance, to, forged, 0, out);
    ++forged_count_;
  }
}

// short_qc: quorum-1 real votes make a certificate a correct replica must
// refuse. pad: none leaves it one short; junk adds a signer whose signature
// is made up; duplicate repeats one signer's entry. Each fools a replica
// that skips one part of verify_qc (the count, the signatures, distinctness).
void ByzantineActor::record_vote(const Vote& vote) {
  auto& signers = vote_book_[{vote.view, vote.block_hash}];
  signers.emplace(vote.voter, vote.signature);
  while (vote_book_.begin()->first.first + voted_views_kept < vote.view) vote_book_.erase(vote_book_.begin());
  const std::uint32_t short_quorum = quorum_size(config_.replica_count, config_.faulty_max) - 1;
  if (signers.size() != short_quorum || (short_qc_ && short_qc_->view >= vote.view)) return;
  QuorumCert qc{vote.view, vote.block_hash, {}};
  for (const auto& [signer, signature] : signers) qc.signatures.edit().push_back({signer, signature});
  switch (params_.qc_pad) {
    case QcPad::none:
      break;
    case QcPad::junk: {
      ReplicaIndex missing = 0;
      while (signers.contains(missing)) ++missing;
      SignerSignature made_up{missing, {}};
      Rng& pad_rng = rng(ByzantineBehavior::short_qc);
      for (auto& byte : made_up.signature.bytes) byte = static_cast<std::uint8_t>(pad_rng.next_u64());
      auto& list = qc.signatures.edit();
      list.insert(std::upper_bound(list.begin(), list.end(), missing,
                                   [](ReplicaIndex signer, const SignerSignature& entry) {
                                     return signer < entry.signer;
                                   }),
                  made_up);
      break;
    }
    case QcPad::duplicate: {
      auto& list = qc.signatures.edit();
      list.insert(list.begin(), list.front());
      break;
    }
  }
  short_qc_ = std::move(qc);
}

std::optional<Timeout> ByzantineActor::short_qc_timeout(const Timeout& timeout) const {
  if (!short_qc_ || short_qc_->view <= timeout.high_qc.view || short_qc_->view >= timeout.view) return std::nullopt;
  Timeout forged = timeout;
  forged.high_qc = *short_qc_;
  forged.signature = signer_->sign(signing::timeout_bytes(config_.chain_id, forged.view, forged.high_qc.view));
  return forged;
}

}  // namespace bftsim
