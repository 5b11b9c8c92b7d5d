// A block a replica voted for survives a crash of that replica: the Node
// stores every block that enters the tree (StoreBlockEffect) and the sync of
// the vote's Persist covers it, and a restarted Node puts the blocks above
// its committed one back into its tree. Without that, a cluster whose
// replicas all restart loses a certified but uncommitted block: every high
// QC names a block no one has, and no one can propose or commit again
// (swarm-n4 seeds 22 and 27 did this).
// Method: replica 0 runs as a Node on an LsmNodeStore over a simulated disk;
// the test forges the other replicas. The disk crashes at the moment the
// vote leaves, so only what was durable before the vote survives.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/node/lsm_node_store.h"
#include "core/node/node.h"
#include "core/protocol/codec.h"
#include "core/storage/coding.h"
#include "sim/disk/sim_disk.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_node_restart_blocks_test {
namespace {

// Records what the Node sends; crashes the disk when the first vote leaves.
class CrashAtVote final : public NodeHost {
 public:
  explicit CrashAtVote(SimDisk& disk) : disk_(disk) {}
  void send(ReplicaIndex to, const Message& message) override { watch(to, message); }
  void broadcast(const Message& message) override { watch(std::nullopt, message); }
  void reply(const ClientReply&) override {}
  void set_timer(TimerKind, Instant) override {}

  bool crash_at_vote = true;
  std::vector<Vote> votes;
  std::vector<BlockRequest> block_requests;
  std::vector<std::pair<ReplicaIndex, BlockResponse>> block_responses;

 private:
  void watch(std::optional<ReplicaIndex> to, const Message& message) {
    if (const auto* vote = std::get_if<Vote>(&message)) {
      votes.push_back(*vote);
      if (crash_at_vote) {
        crash_at_vote = false;
        disk_.crash();
      }
    }
    if (const auto* request = std::get_if<BlockRequest>(&message)) block_requests.push_back(*request);
    if (const auto* response = std::get_if<BlockResponse>(&message))
      block_responses.emplace_back(to.value_or(0), *response);
  }
  SimDisk& disk_;
};

struct Restarted {
  testing::Cluster cluster;  // only for its keys and forger
  SimDisk disk{SimDisk::disk_stream(1, 0)};
  LsmNodeStore store{disk, "node"};
  CrashAtVote host{disk};
  Block a;  // view 1, voted for before the crash
  std::unique_ptr<Node> node;

  std::unique_ptr<Node> make_node() {
    return std::make_unique<Node>(testing::make_replica_config({}, 0), cluster.keys().signer(0),
                                  cluster.keys().verifier(), store, host);
  }

  // Replica 0 votes for A in view 1, its disk crashes as the vote leaves,
  // and it restarts from the disk.
  Restarted() {
    const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
    a = cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc, {ClientRequest{9, 1, Operation{}}});
    node = make_node();
    REQUIRE(node->start(0));
    node->on_message(1, cluster.forger().proposal(a), 1);
    REQUIRE(host.votes.size() == 1);
    REQUIRE(host.votes[0].block_hash == block_hash(a));
    REQUIRE(disk.counters().crashes == 1);
    node.reset();
    node = make_node();
    REQUIRE(node->start(2));
    REQUIRE(!node->stopped());
  }
};

TEST_CASE("node: a block voted for is durable when the vote leaves, and a restart recovers it") {
  Restarted run;
  const Hash32 a_hash = block_hash(run.a);

  SUBCASE("the restarted replica serves it to a peer that asks") {
    run.node->on_message(2, BlockRequest{a_hash, 0}, 3);
    REQUIRE(run.host.block_responses.size() == 1);
    CHECK(run.host.block_responses[0].first == 2);
    REQUIRE(run.host.block_responses[0].second.blocks.size() == 1);
    CHECK(run.host.block_responses[0].second.blocks[0] == run.a);
  }
  SUBCASE("it votes for a child of it at once, without fetching it") {
    // The others certified A; the leader of view 2 extends it.
    const QuorumCert qc_a = run.cluster.forger().qc(1, a_hash, {1, 2, 3});
    const Block b = run.cluster.forger().child(run.a, 2, qc_a);
    run.node->on_message(2, run.cluster.forger().proposal(b), 3);
    CHECK(run.host.block_requests.empty());
    REQUIRE(run.host.votes.size() == 2);
    CHECK(run.host.votes[1].view == 2);
    CHECK(run.host.votes[1].block_hash == block_hash(b));
  }
}

TEST_CASE("node: a restart recovers the uncommitted chain and commits it when the three-chain completes") {
  // Replica 0 votes for A (view 1) and B (view 2), crashes, restarts; then
  // C (view 3) extends B and the votes of 0, 1 and 2 certify it, completing
  // A <- B <- C: A commits from the restarted replica's own disk, nothing
  // fetched.
  Restarted run;
  run.host.crash_at_vote = false;
  testing::Forger forger = run.cluster.forger();
  const QuorumCert qc_a = forger.qc(1, block_hash(run.a), {1, 2, 3});
  const Block b = forger.child(run.a, 2, qc_a);
  run.node->on_message(2, forger.proposal(b), 3);
  REQUIRE(run.host.votes.size() == 2);
  run.node.reset();
  run.disk.crash();  // after the vote for B: it was synced
  run.node = run.make_node();
  REQUIRE(run.node->start(4));
  CHECK(run.node->replica().committed_height() == 0);

  const QuorumCert qc_b = forger.qc(2, block_hash(b), {1, 2, 3});
  const Block c = forger.child(b, 3, qc_b);
  run.node->on_message(3, forger.proposal(c), 5);
  REQUIRE(run.host.votes.size() == 3);
  CHECK(run.host.votes[2].block_hash == block_hash(c));
  for (ReplicaIndex voter : {1, 2}) run.node->on_message(voter, forger.vote(voter, 3, block_hash(c)), 6);
  CHECK(run.host.block_requests.empty());
  CHECK(run.node->replica().committed_height() == 1);
  CHECK(run.node->replica().committed_hash() == block_hash(run.a));
}

TEST_CASE("node: a fetched parent is stored too, so the block voted on it attaches after a restart") {
  // Replica 0 gets B (view 2) before its parent A: it fetches A, adopts it,
  // votes for B, and its disk crashes as the vote leaves. After the restart
  // it serves both: A was stored when it entered the tree from the fetch.
  testing::Cluster cluster;
  const testing::Forger& forger = cluster.forger();
  const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
  const Block a = forger.child(BlockTree::genesis_block(), 1, genesis_qc);
  const Block b = forger.child(a, 2, forger.qc(1, block_hash(a), {1, 2, 3}));
  SimDisk disk(SimDisk::disk_stream(1, 0));
  LsmNodeStore store(disk, "node");
  CrashAtVote host(disk);
  auto make_node = [&] {
    return std::make_unique<Node>(testing::make_replica_config({}, 0), cluster.keys().signer(0),
                                  cluster.keys().verifier(), store, host);
  };
  auto node = make_node();
  REQUIRE(node->start(0));
  node->on_message(2, forger.proposal(b), 1);
  REQUIRE(host.block_requests.size() == 1);
  CHECK(host.votes.empty());
  node->on_message(2, BlockResponse{{a}}, 2);
  REQUIRE(host.votes.size() == 1);
  REQUIRE(host.votes[0].block_hash == block_hash(b));
  node = make_node();
  REQUIRE(node->start(3));
  node->on_message(3, BlockRequest{block_hash(b), 1}, 4);
  REQUIRE(host.block_responses.size() == 1);
  CHECK(host.block_responses[0].second.blocks == std::vector<Block>{b, a});
}

TEST_CASE("lsm_node_store: a commit keeps its block as the committed log and deletes the forks it passes") {
  // Goal: stored blocks do not pile up, each is written once, and a restart
  // gets back exactly those above its committed height. Method: store blocks
  // 1..5 of a chain, a fork at height 2 and one at height 4, commit 1..2,
  // sync, crash, recover.
  testing::Cluster cluster;
  const testing::Forger& forger = cluster.forger();
  std::vector<Block> chain;
  Block parent = BlockTree::genesis_block();
  QuorumCert justify{0, BlockTree::genesis_hash(), {}};
  for (View v = 1; v <= 5; ++v) {
    chain.push_back(forger.child(parent, v, justify));
    parent = chain.back();
    justify = QuorumCert{v, block_hash(parent), {}};
  }
  const std::vector<ClientRequest> other = {ClientRequest{9, 1, Operation{}}};
  const Block fork_2 = forger.child(chain[0], 8, QuorumCert{1, block_hash(chain[0]), {}}, other);
  const Block fork_4 = forger.child(chain[2], 9, QuorumCert{3, block_hash(chain[2]), {}}, other);

  SimDisk disk(SimDisk::disk_stream(1, 0));
  LsmNodeStore store(disk, "node");
  auto recovered = store.recover();
  REQUIRE(recovered);
  CHECK(recovered->blocks.empty());
  KvStateMachine machine = std::move(recovered->machine);
  for (const Block& block : chain) REQUIRE(store.record_block(block, block_hash(block)));
  REQUIRE(store.record_block(fork_2, block_hash(fork_2)));
  REQUIRE(store.record_block(fork_4, block_hash(fork_4)));
  const std::uint64_t bytes_before_commits = disk.counters().bytes_written;
  for (std::size_t i = 0; i < 2; ++i) REQUIRE(store.record_commit(chain[i], block_hash(chain[i]), machine));
  // The commits wrote no block again: anchors and a delete only.
  CHECK(disk.counters().bytes_written - bytes_before_commits < encoded_block_size_bytes(chain[0]) * 2);
  REQUIRE(store.persist_safety(SafetyState{}));
  disk.crash();

  auto again = store.recover();
  REQUIRE(again);
  REQUIRE(again->committed);
  CHECK(again->committed->block_hash == block_hash(chain[1]));
  std::set<Hash32> above_2;
  Height height = 0;
  for (const auto& block : again->blocks) {
    CHECK(block->height >= height);  // by height
    height = block->height;
    above_2.insert(block_hash(*block));
  }
  CHECK(again->blocks.size() == 4);
  CHECK(above_2 == std::set<Hash32>{block_hash(chain[2]), block_hash(chain[3]), block_hash(fork_4),
                                    block_hash(chain[4])});
  REQUIRE(store.db() != nullptr);
  auto stored = store.db()->scan("t", "u");
  REQUIRE(stored);
  std::set<Hash32> kept;
  for (const auto& [key, value] : *stored) kept.insert(block_hash(*decode_block(as_bytes(value))));
  CHECK(stored->size() == 6);  // fork_2 was deleted by the commit of height 2
  CHECK(!kept.contains(block_hash(fork_2)));
  CHECK(kept.contains(block_hash(chain[0])));  // the committed log
  CHECK(kept.contains(block_hash(chain[1])));
}

}  // namespace
}  // namespace bftsim::test_node_restart_blocks_test
