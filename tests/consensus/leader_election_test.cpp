// Tests of LeaderElector (core/consensus/leader_election.h): round robin
// ignores the tree; reputation names only replicas active in the window,
// skips the last f proposers and the leaders of failed views, reads only the
// anchor's ancestors (so two replicas with different side blocks agree), and
// says it cannot tell when the window reaches below an installed root.
// Method: chains built by hand in a BlockTree; QCs carry signer indices only
// (the elector never verifies signatures).
#include "core/consensus/leader_election.h"

#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <vector>

#include "core/protocol/codec.h"

namespace bftsim::test_consensus_leader_election_test {
namespace {

ReplicaConfig config(std::uint32_t replica_count, std::uint32_t faulty_max,
                     LeaderElection kind = LeaderElection::reputation) {
  ReplicaConfig result;
  result.replica_count = replica_count;
  result.faulty_max = faulty_max;
  result.leader_election = kind;
  result.reputation_window = 10;
  return result;
}

// A chain in a tree: each block is a child of the last, justified by a QC
// for it with the given signers.
struct Chain {
  BlockTree tree;
  std::vector<Block> blocks{BlockTree::genesis_block()};

  const Block& extend(View view, ReplicaIndex proposer, const std::vector<ReplicaIndex>& signers,
                      std::uint64_t tag = 0) {
    const Block& parent = blocks.back();
    Block block;
    block.parent_hash = block_hash(parent);
    block.height = parent.height + 1;
    block.view = view;
    block.proposer = proposer;
    block.justify = QuorumCert{parent.view, block.parent_hash, {}};
    for (ReplicaIndex signer : signers) block.justify.signatures.edit().push_back({signer, {}});
    if (tag != 0) block.batch.push_back(ClientRequest{tag, 1, {}});  // a distinct sibling
    tree.insert(std::make_shared<const Block>(block), block_hash(block));
    blocks.push_back(block);
    return blocks.back();
  }
};

std::optional<ReplicaIndex> leader_after(const LeaderElector& elector, const Chain& chain,
                                         const Block& anchor, View view) {
  return elector.leader(chain.tree, view, anchor.view, block_hash(anchor));
}

TEST_CASE("leader election: round robin is view mod n and needs no blocks") {
  // Goal: the paper's rotation, whatever the anchor. Method: an unknown anchor hash.
  const LeaderElector elector(config(4, 1, LeaderElection::round_robin));
  BlockTree tree;
  Hash32 unknown;
  unknown.bytes.fill(7);
  for (View view = 1; view < 20; ++view)
    CHECK(elector.leader(tree, view, view - 1, unknown) == view % 4);
}

TEST_CASE("leader election: reputation names only replicas active in the window") {
  // Goal: replicas 3 and 5 of seven, which neither propose nor sign in the
  // last window of blocks, never lead a view entered by a QC. Method: 30
  // consecutive certified views whose proposers and signers skip 3 and 5 after
  // view 5; every anchor from view 15 on (a full window without them).
  // Control: with them signing every QC, some anchor names each of them.
  for (bool crashed : {true, false}) {
    CAPTURE(crashed);
    const LeaderElector elector(config(7, 2));
    Chain chain;
    const std::vector<ReplicaIndex> live{0, 1, 2, 4, 6};
    const std::vector<ReplicaIndex> all{0, 1, 2, 3, 4, 5, 6};
    for (View view = 1; view <= 300; ++view) {
      const bool gone = crashed && view > 5;
      chain.extend(view, gone ? live[view % live.size()] : static_cast<ReplicaIndex>(view % 7),
                   gone ? live : all);
    }
    std::set<ReplicaIndex> named;
    for (std::size_t i = 15; i < chain.blocks.size(); ++i) {
      const Block& anchor = chain.blocks[i];
      const std::optional<ReplicaIndex> leader = leader_after(elector, chain, anchor, anchor.view + 1);
      REQUIRE(leader.has_value());
      named.insert(*leader);
    }
    CHECK(named.contains(3) == !crashed);
    CHECK(named.contains(5) == !crashed);
    CHECK(named.contains(0));
  }
}

TEST_CASE("leader election: the last f proposers sit out a turn") {
  // Goal: no replica leads right after proposing one of the last f blocks.
  // Method: n = 7, f = 2, every replica active; each anchor of a long chain.
  const LeaderElector elector(config(7, 2));
  Chain chain;
  for (View view = 1; view <= 200; ++view)
    chain.extend(view, static_cast<ReplicaIndex>(view % 7), {0, 1, 2, 3, 4, 5, 6});
  for (std::size_t i = 2; i < chain.blocks.size(); ++i) {
    const Block& anchor = chain.blocks[i];
    const std::optional<ReplicaIndex> leader = leader_after(elector, chain, anchor, anchor.view + 1);
    REQUIRE(leader.has_value());
    CHECK(*leader != anchor.proposer);
    CHECK(*leader != chain.blocks[i - 1].proposer);
  }
}

TEST_CASE("leader election: the leader of a failed view sits out while the window holds it") {
  // Goal: a view that certified nothing is blamed on the leader the rule named
  // for it. Method: from each anchor b, L = the leader of b.view + 1; a child
  // of b proposed in b.view + 2 (so b.view + 1 failed) must not name L next,
  // nor may a TC from b for b.view + 3 name either failed leader.
  const LeaderElector elector(config(4, 1));
  Chain base;
  for (View view = 1; view <= 12; ++view)
    base.extend(view, static_cast<ReplicaIndex>(view % 4), {0, 1, 2, 3});
  int checked = 0;
  for (std::size_t i = 10; i < base.blocks.size(); ++i) {
    const Block& anchor = base.blocks[i];
    const std::optional<ReplicaIndex> failed = leader_after(elector, base, anchor, anchor.view + 1);
    REQUIRE(failed.has_value());
    const std::optional<ReplicaIndex> second = leader_after(elector, base, anchor, anchor.view + 2);
    REQUIRE(second.has_value());
    CHECK(*second != *failed);
    const std::optional<ReplicaIndex> third = leader_after(elector, base, anchor, anchor.view + 3);
    REQUIRE(third.has_value());
    CHECK(*third != *failed);
    CHECK(*third != *second);
    // The same chain with a block after the failed view.
    Chain chain;
    for (std::size_t k = 1; k <= i; ++k)
      chain.extend(base.blocks[k].view, base.blocks[k].proposer, {0, 1, 2, 3});
    for (View later = anchor.view + 2; later < anchor.view + 6; ++later) {
      const Block& next = chain.extend(later, static_cast<ReplicaIndex>((later + 1) % 4), {0, 1, 2, 3});
      const std::optional<ReplicaIndex> leader = leader_after(elector, chain, next, next.view + 1);
      REQUIRE(leader.has_value());
      CHECK(*leader != *failed);
      ++checked;
    }
  }
  CHECK(checked == 12);
}

TEST_CASE("leader election: replicas with the same anchor agree whatever else they hold") {
  // Goal: the rule reads only the anchor's ancestors. Method: two trees with
  // the same chain; one also holds a side branch off every third block.
  const LeaderElector elector(config(4, 1));
  Chain plain;
  Chain forked;
  for (View view = 1; view <= 40; ++view) {
    const auto proposer = static_cast<ReplicaIndex>((view * 3) % 4);
    const std::vector<ReplicaIndex> signers{0, static_cast<ReplicaIndex>(1 + view % 3), 3};
    plain.extend(view, proposer, signers);
    if (view % 3 == 0) {
      // A sibling of the next block: same parent, another view and proposer.
      Block side = forked.blocks.back();
      Block sibling;
      sibling.parent_hash = block_hash(side);
      sibling.height = side.height + 1;
      sibling.view = view + 100;
      sibling.proposer = 2;
      sibling.justify = QuorumCert{side.view, sibling.parent_hash, {{2, {}}}};
      forked.tree.insert(std::make_shared<const Block>(sibling), block_hash(sibling));
    }
    forked.extend(view, proposer, signers);
  }
  for (std::size_t i = 1; i < plain.blocks.size(); ++i) {
    const Block& anchor = plain.blocks[i];
    for (View view = anchor.view + 1; view < anchor.view + 4; ++view)
      CHECK(leader_after(elector, plain, anchor, view) == leader_after(elector, forked, anchor, view));
  }
}

TEST_CASE("leader election: the rule reads only reputation_window blocks below its anchor") {
  // Goal: a replica that pruned everything more than a window below the
  // anchor names the same leader as one that kept it all (the regression of
  // crash-restart-state-transfer.yaml, block_retention 16, where reading
  // three windows deep left no replica able to tell). Method: a chain with a
  // failed view every third view; for each anchor, a copy pruned to the
  // window, checked for every view up to three after the anchor.
  const LeaderElector elector(config(4, 1));
  Chain full;
  View view = 0;
  for (int k = 0; k < 60; ++k) {
    view += (k % 3 == 2) ? 2 : 1;
    full.extend(view, static_cast<ReplicaIndex>(view % 4), {0, static_cast<ReplicaIndex>(1 + k % 3), 3});
  }
  for (std::size_t i = 20; i < full.blocks.size(); i += 7) {
    const Block& anchor = full.blocks[i];
    Chain pruned;
    for (std::size_t k = 1; k <= i; ++k)
      pruned.tree.insert(std::make_shared<const Block>(full.blocks[k]), block_hash(full.blocks[k]));
    pruned.tree.prune_below(anchor.height - 10 + 1);
    for (View later = anchor.view + 1; later < anchor.view + 4; ++later) {
      const std::optional<ReplicaIndex> kept = leader_after(elector, full, anchor, later);
      REQUIRE(kept.has_value());
      CHECK(leader_after(elector, pruned, anchor, later) == kept);
    }
  }
}

TEST_CASE("leader election: no history is round robin; a window below a root cannot tell") {
  // Goal: genesis names the round-robin leader; a replica whose tree starts at
  // an installed root (a restart, a state transfer) does not guess. Method:
  // the genesis anchor; then a root at height 5 with three blocks above it.
  const LeaderElector elector(config(4, 1));
  BlockTree tree;
  CHECK(elector.leader(tree, 1, 0, BlockTree::genesis_hash()) == 1u);
  CHECK(elector.leader(tree, 6, 0, BlockTree::genesis_hash()) == 2u);  // TC path, no history

  Chain full;
  for (View view = 1; view <= 8; ++view) full.extend(view, static_cast<ReplicaIndex>(view % 4), {0, 1, 2});
  BlockTree restored;
  restored.install_root(std::make_shared<const Block>(full.blocks[5]), block_hash(full.blocks[5]));
  for (std::size_t k = 6; k <= 8; ++k)
    restored.insert(std::make_shared<const Block>(full.blocks[k]), block_hash(full.blocks[k]));
  const Block& top = full.blocks[8];
  CHECK(leader_after(elector, full, top, 9).has_value());
  CHECK_FALSE(elector.leader(restored, 9, top.view, block_hash(top)).has_value());
  // An anchor that is not there, or not of the view it claims.
  CHECK_FALSE(elector.leader(restored, 20, 19, block_hash(top)).has_value());
  CHECK_FALSE(elector.leader(tree, 9, 8, block_hash(top)).has_value());
}

}  // namespace
}  // namespace bftsim::test_consensus_leader_election_test

namespace bftsim::test_consensus_leader_election_test {
namespace {

TEST_CASE("leader election: a leader schedule names its views' leaders, then the configured rule") {
  // Goal: protocol.leaders drives who leads, for both rules, and only for the
  // views it lists. Method: schedule {2, 2, 0} (views 1..3); round robin from
  // view 4; with reputation, the scheduled views ignore the chain (an unknown
  // anchor that reputation cannot read), and view 4 falls back to the rule
  // (nullopt: it cannot tell without the anchor).
  for (const LeaderElection kind : {LeaderElection::round_robin, LeaderElection::reputation}) {
    CAPTURE(static_cast<int>(kind));
    ReplicaConfig scheduled = config(4, 1, kind);
    scheduled.leader_schedule = {2, 2, 0};
    const LeaderElector elector(scheduled);
    BlockTree tree;
    Hash32 unknown;
    unknown.bytes.fill(9);
    CHECK(elector.leader(tree, 1, 0, unknown) == ReplicaIndex{2});
    CHECK(elector.leader(tree, 2, 1, unknown) == ReplicaIndex{2});
    CHECK(elector.leader(tree, 3, 1, unknown) == ReplicaIndex{0});
    if (kind == LeaderElection::round_robin) {
      CHECK(elector.leader(tree, 4, 3, unknown) == ReplicaIndex{0});
      CHECK(elector.leader(tree, 5, 4, unknown) == ReplicaIndex{1});
    } else {
      CHECK_FALSE(elector.leader(tree, 4, 3, unknown).has_value());
    }
    CHECK(elector.fallback(2) == 2);
    CHECK(elector.fallback(6) == 2);  // round robin past the schedule
    CHECK(elector.scheduled(0) == std::nullopt);
    CHECK(elector.scheduled(4) == std::nullopt);
  }
}

}  // namespace
}  // namespace bftsim::test_consensus_leader_election_test
