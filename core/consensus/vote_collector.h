// Votes a replica collects toward a quorum certificate: by (view, block hash),
// then signer. When a block's votes reach the quorum the collector hands back
// the QC, once. Votes for views at or below the caller's high_qc are ignored:
// a QC for them is already known or no longer useful. Deterministic: signers
// are ordered by index, so a formed QC lists them in increasing order.
// Storage: the blocks with votes in a vector sorted by (view, block hash),
// each with its signers in a vector sorted by index (a handful of live views,
// at most a quorum of signers): with votes to all at n = 100 the former
// std::map of std::maps, a node per vote, was a fifth of the run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <cstddef>
#include <vector>
#include <utility>

#include "core/protocol/messages.h"

namespace bftsim {

class VoteCollector {
 public:
  explicit VoteCollector(std::uint32_t quorum);

  // True iff `voter` already has a vote collected for `view` (for any block):
  // one vote per replica per view, so a second is a duplicate or equivocation.
  bool has_voted(View view, ReplicaIndex voter) const;

  // Requires: the vote's signature was verified, and has_voted(vote.view,
  // vote.voter) is false. Returns the QC when this vote completes a quorum for
  // its block; the caller must then raise its high_qc to that QC's view.
  std::optional<QuorumCert> collect(const Vote& vote, View high_qc_view);

  // The block `voter` voted for in `view` and every signer collected for
  // that block, or nullopt when no vote of `voter` in `view` was collected.
  struct VotedBlock {
    Hash32 block_hash;
    const std::vector<SignerSignature>* signers = nullptr;  // by index
  };
  std::optional<VotedBlock> block_voted_by(View view, ReplicaIndex voter) const;

  // Forgets votes for views below `view`.
  void prune_below(View view);

  // Requires: high_qc_view is the caller's current high_qc view.
  void check_invariants(View high_qc_view) const;

 private:
  std::uint32_t quorum_;
  struct BlockVotes {
    View view;
    Hash32 block_hash;
    std::vector<SignerSignature> signers;  // sorted by signer
  };
  std::vector<BlockVotes> votes_;  // sorted by (view, block hash)
  // The signers with a vote in one view: a bit per replica index (up to the
  // highest seen) and their number. A std::set here spent 9% of an n=100
  // votes-to-all run in has_voted.
  class VoterSet {
   public:
    bool contains(ReplicaIndex voter) const { return voter < bits_.size() && bits_[voter]; }
    void insert(ReplicaIndex voter) {
      if (voter >= bits_.size()) bits_.resize(static_cast<std::size_t>(voter) + 1);
      if (!bits_[voter]) {
        bits_[voter] = true;
        ++count_;
      }
    }
    std::size_t size() const { return count_; }

   private:
    std::vector<bool> bits_;
    std::size_t count_ = 0;
  };
  // Every signer with a vote in a view, whatever block it voted for.
  std::map<View, VoterSet> voters_;
};

}  // namespace bftsim
