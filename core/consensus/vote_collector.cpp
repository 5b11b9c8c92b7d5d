#include "core/consensus/vote_collector.h"

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
  auto& signers = votes_[{vote.view, vote.block_hash}];
  signers.emplace(vote.voter, vote.signature);
  // Exactly at the quorum, so one QC per block: the caller's high_qc then
  // reaches this view and later votes for it stop above.
  if (signers.size() != quorum_) return std::nullopt;
  QuorumCert qc{vote.view, vote.block_hash, {}};
  for (const auto& [signer, signature] : signers) qc.signatures.edit().push_back({signer, signature});
  return qc;
}

std::optional<VoteCollector::VotedBlock> VoteCollector::block_voted_by(View view,
                                                                       ReplicaIndex voter) const {
  if (!has_voted(view, voter)) return std::nullopt;
  for (auto it = votes_.lower_bound({view, Hash32{}}); it != votes_.end() && it->first.first == view; ++it)
    if (it->second.contains(voter)) return VotedBlock{it->first.second, &it->second};
  return std::nullopt;
}

void VoteCollector::prune_below(View view) {
  votes_.erase(votes_.begin(), votes_.lower_bound({view, Hash32{}}));
  voters_.erase(voters_.begin(), voters_.lower_bound(view));
}

void VoteCollector::check_invariants(View high_qc_view) const {
  // A block's votes stop growing at the quorum: the QC they form raises the
  // caller's high_qc to their view, and votes at or below it are ignored.
  for (const auto& [key, signers] : votes_) {
    BFTSIM_ASSERT(!signers.empty());
    BFTSIM_ASSERT(signers.size() <= quorum_);
    BFTSIM_ASSERT(signers.size() < quorum_ || key.first <= high_qc_view);
  }
  // Each voter votes once per view, so the votes of a view are its voters.
  auto votes = votes_.begin();
  for (const auto& [view, voters] : voters_) {
    std::size_t vote_count = 0;
    for (; votes != votes_.end() && votes->first.first == view; ++votes)
      vote_count += votes->second.size();
    BFTSIM_ASSERT(vote_count == voters.size());
  }
  BFTSIM_ASSERT(votes == votes_.end());
}

}  // namespace bftsim
