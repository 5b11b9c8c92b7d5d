// Tests of the Node driver (core/node/node.h): it applies a replica's effects
// in order, executes commits against the KV state machine and answers
// clients, makes the safety state durable before the vote that depends on it
// leaves, stops on a storage failure without letting that vote out, and
// recovers its safety state from its store on restart.
#include "core/node/node.h"

#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/crypto/keys.h"
#include "core/node/node_store.h"

namespace bftsim::test_node_node_test {
namespace {

// A MemoryNodeStore that can be told to fail, and counts what it got.
class FlakyStore final : public NodeStore {
 public:
  Result<RecoveredState> recover() override { return inner_.recover(); }
  Status persist_safety(const SafetyState& state) override {
    if (fail_persist) return make_error(ErrorCode::io_error, "disk gone");
    ++persist_count;
    return inner_.persist_safety(state);
  }
  Status record_block(const Block& block, const Hash32& hash) override { return inner_.record_block(block, hash); }
  Status record_commit(const Block& block, const Hash32& hash,
                       KvStateMachine& machine) override {
    ++commit_count;
    return inner_.record_commit(block, hash, machine);
  }
  Result<KvStateMachine> install_state(const Block& block, const Hash32& hash, const std::vector<KeyValue>& pairs,
                                       const std::vector<SnapshotReply>& replies) override {
    return inner_.install_state(block, hash, pairs, replies);
  }
  const std::optional<SafetyState>& safety() const { return inner_.safety(); }
  bool fail_persist = false;
  int persist_count = 0;
  int commit_count = 0;

 private:
  MemoryNodeStore inner_;
};

struct Envelope {
  ReplicaIndex from;
  ReplicaIndex to;
  Message message;
};

// n Nodes on one FIFO network. Each host checks, whenever its node sends a
// vote, that the store already holds a last_voted_view covering it.
class NodeCluster {
 public:
  explicit NodeCluster(std::uint32_t n = 4)
      : keys_(KeyRing::create(CryptoKind::fast, 3, n)), stores_(n), replies_(n), commits_(n) {
    for (ReplicaIndex i = 0; i < n; ++i) hosts_.push_back(std::make_unique<Host>(*this, i));
    for (ReplicaIndex i = 0; i < n; ++i) nodes_.push_back(make_node(i));
  }
  std::unique_ptr<Node> make_node(ReplicaIndex i) {
    ReplicaConfig config;
    config.index = i;
    config.replica_count = static_cast<std::uint32_t>(stores_.size());
    config.faulty_max = 1;
    return std::make_unique<Node>(config, keys_->signer(i), keys_->verifier(), stores_[i], *hosts_[i]);
  }
  void run(std::size_t steps_max = 20'000) {
    for (std::size_t s = 0; s < steps_max && !network_.empty(); ++s) {
      Envelope e = std::move(network_.front());
      network_.pop_front();
      if (nodes_[e.to]) nodes_[e.to]->on_message(e.from, e.message, 0);
    }
  }

  class Host final : public NodeHost {
   public:
    Host(NodeCluster& cluster, ReplicaIndex index) : cluster_(cluster), index_(index) {}
    void send(ReplicaIndex to, const Message& message) override {
      check_vote_is_durable(message);
      cluster_.network_.push_back({index_, to, message});
    }
    void broadcast(const Message& message) override {
      check_vote_is_durable(message);
      for (ReplicaIndex to = 0; to < cluster_.stores_.size(); ++to)
        if (to != index_) cluster_.network_.push_back({index_, to, message});
    }
    void reply(const ClientReply& reply) override { cluster_.replies_[index_].push_back(reply); }
    void set_timer(TimerKind, Instant) override {}
    void committed(const CommittedBlock& commit) override { cluster_.commits_[index_].push_back(commit); }
    int votes_sent = 0;

   private:
    void check_vote_is_durable(const Message& message) {
      const auto* vote = std::get_if<Vote>(&message);
      if (vote == nullptr) return;
      ++votes_sent;
      const auto& safety = cluster_.stores_[index_].safety();
      REQUIRE(safety.has_value());
      CHECK(safety->last_voted_view >= vote->view);
    }
    NodeCluster& cluster_;
    ReplicaIndex index_;
  };

  std::unique_ptr<KeyRing> keys_;
  std::vector<FlakyStore> stores_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::deque<Envelope> network_;
  std::vector<std::vector<ClientReply>> replies_;
  std::vector<std::vector<CommittedBlock>> commits_;
};

ClientRequest put_request(ClientId client, RequestNumber number, std::string key, std::string value) {
  Operation op;
  op.type = OpType::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return ClientRequest{client, number, std::move(op)};
}

TEST_CASE("node: commits execute on the KV state, clients get replies, digests agree") {
  // Goal: the Node executes what its replica commits. Method: four Nodes on a
  // FIFO network, one put submitted to all; run until quiet.
  NodeCluster cluster;
  for (auto& node : cluster.nodes_) REQUIRE(node->start(0));
  for (auto& node : cluster.nodes_) node->on_client_request(put_request(5, 1, "k", "v"), 0);
  cluster.run();
  for (ReplicaIndex i = 0; i < 4; ++i) {
    REQUIRE(!cluster.commits_[i].empty());
    CHECK(cluster.nodes_[i]->state_machine().store().get("k") == std::optional<std::string>("v"));
    REQUIRE(cluster.replies_[i].size() == 1);
    CHECK(cluster.replies_[i][0].replica == i);
    CHECK(cluster.replies_[i][0].client == 5);
    CHECK(cluster.commits_[i].back().state_digest == cluster.commits_[0].back().state_digest);
    CHECK(cluster.stores_[i].commit_count == static_cast<int>(cluster.commits_[i].size()));
    CHECK(cluster.hosts_[i]->votes_sent > 0);  // the durability check above ran
  }
}

TEST_CASE("node: a failed persist stops the node before its vote leaves") {
  // Goal: no vote without a durable safety state. Method: replica 2's store
  // fails every persist; it must send no vote, stop with a reason, and ignore
  // later input; the other three still commit (f = 1). Control: replica 3
  // with a working store votes.
  NodeCluster cluster;
  cluster.stores_[2].fail_persist = true;
  for (auto& node : cluster.nodes_) (void)node->start(0);
  cluster.run();
  CHECK(cluster.nodes_[2]->stopped());
  REQUIRE(cluster.nodes_[2]->stop_reason().has_value());
  CHECK(cluster.nodes_[2]->stop_reason()->find("disk gone") != std::string::npos);
  CHECK(cluster.hosts_[2]->votes_sent == 0);
  CHECK(cluster.hosts_[3]->votes_sent > 0);
  CHECK(cluster.nodes_[2]->replica().committed_height() == 0);
}

TEST_CASE("node: a restarted node recovers its safety state from its store") {
  // Goal: recovery on start. Method: run a cluster, then replace node 1 with
  // a new Node on the same store; it must start in a view no lower than the
  // one its store recorded and never below its last voted view. (The view is
  // persisted with each vote and timeout, not on entry: a node stopped in a
  // view it entered but did not vote in yet resumes in the view before, as
  // this one does since NEW-VIEW messages moved where the run stops.)
  // Control: a fresh store starts in view 1.
  NodeCluster cluster;
  for (auto& node : cluster.nodes_) REQUIRE(node->start(0));
  for (auto& node : cluster.nodes_) node->on_client_request(put_request(5, 1, "k", "v"), 0);
  cluster.run();
  const View view_stored = cluster.stores_[1].safety()->view;
  const View last_voted = cluster.stores_[1].safety()->last_voted_view;
  REQUIRE(view_stored > 1);
  REQUIRE(cluster.nodes_[1]->replica().view() >= view_stored);
  cluster.nodes_[1] = cluster.make_node(1);
  REQUIRE(cluster.nodes_[1]->start(0));
  CHECK(cluster.nodes_[1]->replica().view() >= view_stored);
  CHECK(cluster.nodes_[1]->replica().view() >= last_voted);

  FlakyStore fresh;
  NodeCluster::Host host(cluster, 1);
  ReplicaConfig config;
  config.index = 1;
  Node node(config, cluster.keys_->signer(1), cluster.keys_->verifier(), fresh, host);
  REQUIRE(node.start(0));
  CHECK(node.replica().view() == 1);
}

}  // namespace
}  // namespace bftsim::test_node_node_test
