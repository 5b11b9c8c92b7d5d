// The sync before a vote is what keeps a restarted replica from voting twice
// in one view. Method: replica 0 runs as a Node on an LsmNodeStore over a
// simulated disk; an equivocating leader (replica 1, forged by the test)
// proposes block A in view 1, replica 0 votes, its disk crashes, it restarts
// from the disk, and the leader proposes a different block B in view 1. The
// simulator's double-vote checker watches every vote. With the sync (the
// store as built) the restarted replica refuses B; with the teaching mutant
// storage.unsafe_skip_sync it votes for B and the checker reports it.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/node/lsm_node_store.h"
#include "core/node/node.h"
#include "core/protocol/codec.h"
#include "sim/check/vote_checker.h"
#include "sim/disk/sim_disk.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_node_crash_vote_test {
namespace {

class VoteWatcher final : public NodeHost {
 public:
  void send(ReplicaIndex, const Message& message) override { watch(message); }
  void broadcast(const Message& message) override { watch(message); }
  void reply(const ClientReply&) override {}
  void set_timer(TimerKind, Instant) override {}
  std::vector<Vote> votes;
  std::optional<Violation> violation;

 private:
  void watch(const Message& message) {
    const auto* vote = std::get_if<Vote>(&message);
    if (vote == nullptr) return;
    votes.push_back(*vote);
    if (auto found = checker_.on_vote(0, *vote); found && !violation) violation = found;
  }
  VoteChecker checker_;
};

// Runs the script; returns what the double-vote checker found.
std::optional<Violation> crash_between_equivocations(bool skip_sync, std::size_t& votes_sent) {
  testing::Cluster cluster;  // only for its keys and forger
  const testing::Forger& forger = cluster.forger();
  const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
  ClientRequest request{9, 1, Operation{}};
  const Block a = forger.child(BlockTree::genesis_block(), 1, genesis_qc);
  const Block b = forger.child(BlockTree::genesis_block(), 1, genesis_qc, {request});
  REQUIRE(block_hash(a) != block_hash(b));

  SimDisk disk(SimDisk::disk_stream(1, 0));
  LsmNodeStoreOptions options;
  options.unsafe_skip_sync = skip_sync;
  LsmNodeStore store(disk, "node", options);
  VoteWatcher host;
  auto make_node = [&] {
    return std::make_unique<Node>(testing::make_replica_config({}, 0), cluster.keys().signer(0),
                                  cluster.keys().verifier(), store, host);
  };
  auto node = make_node();
  REQUIRE(node->start(0));
  node->on_message(1, forger.proposal(a), 1);
  REQUIRE(host.votes.size() == 1);

  node.reset();
  disk.crash();
  node = make_node();
  REQUIRE(node->start(2));
  node->on_message(1, forger.proposal(b), 3);
  votes_sent = host.votes.size();
  return host.violation;
}

TEST_CASE("node: without the sync before a vote, a crash and restart lets a replica vote twice") {
  std::size_t votes = 0;
  SUBCASE("with the sync: one vote in view 1, no violation") {
    CHECK(!crash_between_equivocations(false, votes));
    CHECK(votes == 1);
  }
  SUBCASE("mutant unsafe_skip_sync: a second vote, and the checker names it") {
    const auto violation = crash_between_equivocations(true, votes);
    CHECK(votes == 2);
    REQUIRE(violation);
    CHECK(violation->check == "double_vote");
  }
}

}  // namespace
}  // namespace bftsim::test_node_crash_vote_test
