// Tests of the two-chain commit rule (ReplicaConfig::commit_rule =
// CommitRule::two_chain, Jolteon / DiemBFT v4): a block commits when its
// child of the next view is certified, and a replica votes for a block of
// view v only on a QC of view v - 1 or, after a TC of view v - 1, on a QC at
// least as high as the highest the TC's timeouts claim.
#include <doctest/doctest.h>

#include <cstddef>
#include <map>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/replica.h"
#include "core/protocol/codec.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_two_chain_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;
using testing::Forger;
using testing::genesis_qc;

ClusterOptions two_chain() {
  ClusterOptions options;
  options.commit_rule = CommitRule::two_chain;
  return options;
}

TEST_CASE("two-chain: four replicas commit one chain, each block when its child is certified") {
  // Goal: with no faults the two-chain rule commits block 1 at the QC of view
  // 2 (the three-chain rule waits for view 3's), and every replica commits
  // the same blocks at heights 1, 2, ... Method: FIFO delivery until all
  // commit height 8; at each replica's first commit, its highest QC.
  for (const bool vote_to_all : {true, false}) {
    CAPTURE(vote_to_all);
    ClusterOptions options = two_chain();
    options.vote_to_all = vote_to_all;
    Cluster cluster(options);
    cluster.start_all();
    std::vector<bool> first_checked(cluster.size(), false);
    REQUIRE(cluster.run_until(
        [&] {
          for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
            if (first_checked[i] || cluster.commits(i).empty()) continue;
            first_checked[i] = true;
            CAPTURE(i);
            CHECK(cluster.commits(i).front().block->view == 1);
            CHECK(cluster.replica(i).safety_state().high_qc.view == 2);
          }
          return cluster.all_committed(8);
        },
        20'000));
    std::map<Height, Hash32> hash_at;
    for (ReplicaIndex i = 0; i < cluster.size(); ++i) {
      Height expected = 1;
      Hash32 parent = BlockTree::genesis_hash();
      for (const auto& commit : cluster.commits(i)) {
        CHECK(commit.height == expected++);
        CHECK(commit.block->parent_hash == parent);
        parent = commit.block_hash;
        CHECK(hash_at.emplace(commit.height, commit.block_hash).first->second == commit.block_hash);
      }
    }
  }
}

TEST_CASE("two-chain: a block commits when its child of the next view is certified, not before") {
  // Goal: the commit rule itself. Method: replica 0 alone receives b1, then b2
  // (carrying QC 1: no commit, b1's child is not certified yet), then b3
  // (carrying QC 2 for b2, of the view after b1's: b1 commits, b2 not).
  for (const CommitRule rule : {CommitRule::two_chain, CommitRule::three_chain}) {
    ClusterOptions options;
    options.commit_rule = rule;
    Cluster cluster(options);
    const Forger& forger = cluster.forger();
    cluster.start(0);
    const Block& genesis = BlockTree::genesis_block();
    const Block b1 = forger.child(genesis, 1, genesis_qc());
    const Block b2 = forger.child(b1, 2, forger.qc(1, block_hash(b1), {1, 2, 3}));
    const Block b3 = forger.child(b2, 3, forger.qc(2, block_hash(b2), {1, 2, 3}));
    cluster.inject(1, 0, forger.proposal(b1));
    cluster.inject(2, 0, forger.proposal(b2));
    CHECK(cluster.commits(0).empty());
    cluster.inject(3, 0, forger.proposal(b3));
    if (rule == CommitRule::two_chain) {
      REQUIRE(cluster.commits(0).size() == 1);
      CHECK(cluster.commits(0).front().block_hash == block_hash(b1));
    } else {
      CHECK(cluster.commits(0).empty());  // the three-chain rule waits for QC 3
    }
  }
}

TEST_CASE("two-chain: a certified child of a later view does not commit its parent") {
  // Goal: the two views must be consecutive. Method: replica 0 alone. b1 of
  // view 1 is certified; view 2 fails; b3 of view 3 on QC 1 (after a TC of
  // view 2) is certified; view 4 fails; b5 of view 5 on QC 3 is certified;
  // b6 of view 6 on QC 5 is certified. Only then does a two-chain of
  // consecutive views (b5 <- b6) exist, and b5 commits with b3 and b1.
  Cluster cluster(two_chain());
  const Forger& forger = cluster.forger();
  cluster.start(0);
  const Block& genesis = BlockTree::genesis_block();
  const Block b1 = forger.child(genesis, 1, genesis_qc());
  const QuorumCert qc1 = forger.qc(1, block_hash(b1), {1, 2, 3});
  const Block b3 = forger.child(b1, 3, qc1);
  const QuorumCert qc3 = forger.qc(3, block_hash(b3), {1, 2, 3});
  const Block b5 = forger.child(b3, 5, qc3);
  const Block b6 = forger.child(b5, 6, forger.qc(5, block_hash(b5), {1, 2, 3}));
  const Block b7 = forger.child(b6, 7, forger.qc(6, block_hash(b6), {1, 2, 3}));
  cluster.inject(1, 0, forger.proposal(b1));
  cluster.inject(3, 0, forger.proposal(b3, forger.tc(2, {1, 2, 3}, qc1)));
  cluster.inject(1, 0, forger.proposal(b5, forger.tc(4, {1, 2, 3}, qc3)));
  CHECK(cluster.replica(0).safety_state().high_qc == qc3);
  CHECK(cluster.commits(0).empty());  // b1 <- b3: views 1 and 3
  cluster.inject(2, 0, forger.proposal(b6));
  CHECK(cluster.commits(0).empty());  // b3 <- b5: views 3 and 5
  REQUIRE(!cluster.votes_sent(0).empty());
  CHECK(cluster.votes_sent(0).back().block_hash == block_hash(b6));
  cluster.inject(3, 0, forger.proposal(b7));
  REQUIRE(cluster.commits(0).size() == 3);  // b5 <- b6: views 5 and 6
  CHECK(cluster.commits(0)[0].block_hash == block_hash(b1));
  CHECK(cluster.commits(0)[1].block_hash == block_hash(b3));
  CHECK(cluster.commits(0)[2].block_hash == block_hash(b5));
}

TEST_CASE("two-chain: the vote rule") {
  // Goal: after a TC, a replica votes only for a block whose QC is at least
  // the highest QC the TC's timeouts claim, whatever its own highest QC;
  // without a TC, only for a block on the QC of the view before.
  // Method: replica 0 alone receives b1, b2, b3 (its highest QC is QC 2), then
  // a proposal of view 5 with a TC of view 4.
  Cluster cluster(two_chain());
  const Forger& forger = cluster.forger();
  cluster.start(0);
  Replica& replica = cluster.replica(0);
  const Block& genesis = BlockTree::genesis_block();
  const Block b1 = forger.child(genesis, 1, genesis_qc());
  const QuorumCert qc1 = forger.qc(1, block_hash(b1), {1, 2, 3});
  const Block b2 = forger.child(b1, 2, qc1);
  const QuorumCert qc2 = forger.qc(2, block_hash(b2), {1, 2, 3});
  const Block b3 = forger.child(b2, 3, qc2);
  cluster.inject(1, 0, forger.proposal(b1));
  cluster.inject(2, 0, forger.proposal(b2));
  cluster.inject(3, 0, forger.proposal(b3));
  REQUIRE(cluster.votes_sent(0).size() == 3);
  REQUIRE(replica.safety_state().high_qc == qc2);

  SUBCASE("a TC claiming QC 2: no vote for a block on QC 1") {
    const Block fork5 = forger.child(b1, 5, qc1);
    cluster.inject(1, 0, forger.proposal(fork5, forger.tc(4, {1, 2, 3}, qc2)));
    CHECK(replica.view() == 5);
    CHECK(cluster.votes_sent(0).size() == 3);
  }
  SUBCASE("a TC claiming QC 2: a vote for a block on QC 2") {
    const Block block5 = forger.child(b2, 5, qc2);
    cluster.inject(1, 0, forger.proposal(block5, forger.tc(4, {1, 2, 3}, qc2)));
    const auto votes = cluster.votes_sent(0);
    REQUIRE(votes.size() == 4);
    CHECK(votes.back().block_hash == block_hash(block5));
  }
  SUBCASE("a TC claiming only QC 1: a vote for a block on QC 1, below this replica's own QC 2") {
    // b1 is committed (QC 2 certifies its child of view 2) and fork5 extends
    // it. b2 is not: that would take a certified b3, whose voters all held
    // QC 2 and one of whom signed any TC's quorum, so a TC claiming QC 1 at
    // most shows no block above b1 committed, and a fork from b1 is safe.
    const Block fork5 = forger.child(b1, 5, qc1);
    cluster.inject(1, 0, forger.proposal(fork5, forger.tc(4, {1, 2, 3}, qc1)));
    const auto votes = cluster.votes_sent(0);
    REQUIRE(votes.size() == 4);
    CHECK(votes.back().block_hash == block_hash(fork5));
  }
}

}  // namespace
}  // namespace bftsim::test_consensus_two_chain_test
