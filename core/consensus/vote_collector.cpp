#include "core/consensus/vote_collector.h"

#include <algorithm>
#include <tuple>

#include "core/types/assert.h"

namespace bftsim {

VoteCollector::VoteCollector(std::uint32_t quorum) : quorum_(quorum) {
  BFTSIM_ASSERT(quorum_ >= 1);
}

bool VoteCollector::has_voted(View view, ReplicaIndex voter) const {
  auto it = voters_.find(view);
  return it != voters_.end() && it->second.contains(voter);
}

std::optional<QuorumCert> VoteCollector::collect(const Vote& vote, View high_qc_view) {
  if (vote.view <= high_qc_view) return std::nullopt;
  voters_[vote.view].insert(vote.voter);
  auto block = std::lower_bound(votes_.begin(), votes_.end(), std::pair(vote.view, vote.block_hash),
                                [](const BlockVotes& votes, const std::pair<View, Hash32>& key) {
                                  return std::tie(votes.view, votes.block_hash) < std::tie(key.first, key.second);
                                });
  if (block == votes_.end() || block->view != vote.view || block->block_hash != vote.block_hash) {
    block = votes_.insert(block, BlockVotes{vote.view, vote.block_hash, {}});
    block->signers.reserve(quorum_);
  }
  std::vector<SignerSignature>& signers = block->signers;
  auto at = std::lower_bound(signers.begin(), signers.end(), vote.voter,
                             [](const SignerSignature& entry, ReplicaIndex voter) { return entry.signer < voter; });
  if (at != signers.end() && at->signer == vote.voter) return std::nullopt;  // a map kept the first too
  signers.insert(at, SignerSignature{vote.voter, vote.signature});
  // Exactly at the quorum, so one QC per block: the caller's high_qc then
  // reaches this view and later votes for it stop above.
  if (signers.size() != quorum_) return std::nullopt;
  return QuorumCert{vote.view, vote.block_hash, SharedList<SignerSignature>(signers)};
}

std::optional<VoteCollector::VotedBlock> VoteCollector::block_voted_by(View view,
                                                                       ReplicaIndex voter) const {
  if (!has_voted(view, voter)) return std::nullopt;
  for (const BlockVotes& block : votes_) {
    if (block.view != view) continue;
    if (std::binary_search(block.signers.begin(), block.signers.end(), SignerSignature{voter, {}},
                           [](const SignerSignature& a, const SignerSignature& b) { return a.signer < b.signer; }))
      return VotedBlock{block.block_hash, &block.signers};
  }
  return std::nullopt;
}

void VoteCollector::prune_below(View view) {
  votes_.erase(votes_.begin(), std::find_if(votes_.begin(), votes_.end(),
                                            [view](const BlockVotes& block) { return block.view >= view; }));
  voters_.erase(voters_.begin(), voters_.lower_bound(view));
}

void VoteCollector::check_invariants(View high_qc_view) const {
  // A block's votes stop growing at the quorum: the QC they form raises the
  // caller's high_qc to their view, and votes at or below it are ignored.
  for (const BlockVotes& block : votes_) {
    BFTSIM_ASSERT(!block.signers.empty());
    BFTSIM_ASSERT(block.signers.size() <= quorum_);
    BFTSIM_ASSERT(block.signers.size() < quorum_ || block.view <= high_qc_view);
  }
  // Each voter votes once per view, so the votes of a view are its voters.
  auto votes = votes_.begin();
  for (const auto& [view, voters] : voters_) {
    std::size_t vote_count = 0;
    for (; votes != votes_.end() && votes->view == view; ++votes) vote_count += votes->signers.size();
    BFTSIM_ASSERT(vote_count == voters.size());
  }
  BFTSIM_ASSERT(votes == votes_.end());
}

}  // namespace bftsim
