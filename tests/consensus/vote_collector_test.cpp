// Tests of the VoteCollector (core/consensus/vote_collector.h): a QC forms
// exactly when a block's votes reach the quorum, lists its signers in order,
// ignores views already certified, and forgets pruned views. Method: votes
// built by hand (signatures are not checked here; the replica verifies them).
#include "core/consensus/vote_collector.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>

namespace bftsim::test_consensus_vote_collector_test {
namespace {

Hash32 some_hash(std::uint8_t fill) {
  Hash32 hash;
  hash.bytes.fill(fill);
  return hash;
}

Vote vote(View view, std::uint8_t block, ReplicaIndex voter) {
  Vote result{view, some_hash(block), voter, {}};
  result.signature.bytes.fill(static_cast<std::uint8_t>(voter + 1));
  return result;
}

TEST_CASE("vote collector: a quorum of votes for one block forms one QC") {
  // Goal: the QC forms at the quorum-th vote for a block, not before and not
  // from votes split across blocks. Method: quorum 3, votes for two blocks.
  VoteCollector votes(3);
  CHECK(!votes.collect(vote(5, 1, 2), 4));
  CHECK(!votes.collect(vote(5, 2, 0), 4));  // another block: does not count
  CHECK(!votes.collect(vote(5, 1, 3), 4));
  CHECK(votes.has_voted(5, 0));
  CHECK(!votes.has_voted(5, 1));
  std::optional<QuorumCert> qc = votes.collect(vote(5, 1, 1), 4);
  REQUIRE(qc.has_value());
  CHECK(qc->view == 5);
  CHECK(qc->block_hash == some_hash(1));
  REQUIRE(qc->signatures.size() == 3);
  CHECK(qc->signatures[0].signer == 1);  // increasing signer order
  CHECK(qc->signatures[2].signer == 3);
  votes.check_invariants(5);  // the caller raised high_qc to the QC's view
}

TEST_CASE("vote collector: votes at or below high_qc's view are ignored; pruning forgets") {
  // Goal: no second QC for a certified view; pruned views hold nothing.
  // Method: collect at views below, at and above high_qc's, then prune.
  VoteCollector votes(1);
  CHECK(!votes.collect(vote(4, 1, 0), 4));
  CHECK(!votes.has_voted(4, 0));
  CHECK(votes.collect(vote(5, 1, 0), 4).has_value());
  votes.check_invariants(5);
  votes.prune_below(6);
  CHECK(!votes.has_voted(5, 0));
  votes.check_invariants(5);
}

}  // namespace
}  // namespace bftsim::test_consensus_vote_collector_test
