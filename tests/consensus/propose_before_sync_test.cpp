// Tests of ReplicaConfig::propose_before_sync (core/consensus/replica.cpp
// try_propose, replica_recovery.cpp restore): a leader's proposal may leave
// before the Persist of its own vote, and a restarted replica never proposes
// in the view after the one its safety state was persisted in.
#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <variant>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/replica.h"
#include "core/protocol/codec.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_propose_before_sync_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;

const Proposal* proposal_in(const Effect& effect) {
  const auto* broadcast = std::get_if<BroadcastEffect>(&effect);
  return broadcast == nullptr ? nullptr : std::get_if<Proposal>(&broadcast->message);
}

struct ProposalOrder {
  std::size_t before_own_persist = 0;  // broadcast before the Persist of its own vote
  std::size_t after_own_persist = 0;
};

// For each proposal `index` broadcast: did it leave before or after the
// Persist (same batch) that records its vote in the proposal's view? Checks
// that a proposal that went first had a Persist of the view before emitted
// earlier (in an earlier batch or earlier in this one).
ProposalOrder proposal_order(const Cluster& cluster, ReplicaIndex index) {
  ProposalOrder order;
  View persisted_view = 0;
  for (const auto& batch : cluster.batches(index)) {
    std::optional<std::size_t> proposal_at;
    View proposal_view = 0;
    View persisted_before_proposal = persisted_view;
    for (std::size_t k = 0; k < batch.size(); ++k) {
      if (const auto* persist = std::get_if<PersistEffect>(&batch[k])) {
        if (proposal_at && persist->state.last_voted_view == proposal_view) ++order.before_own_persist;
        persisted_view = std::max(persisted_view, persist->state.view);
      }
      if (const Proposal* proposal = proposal_in(batch[k])) {
        proposal_at = k;
        proposal_view = proposal->block.view;
        persisted_before_proposal = persisted_view;
        if (persisted_view >= proposal_view) ++order.after_own_persist;
      }
    }
    if (proposal_at) CHECK(persisted_before_proposal + 1 >= proposal_view);
  }
  return order;
}

std::vector<View> proposal_views(const Cluster& cluster, ReplicaIndex index, std::size_t from_batch) {
  std::vector<View> views;
  for (std::size_t k = from_batch; k < cluster.batches(index).size(); ++k)
    for (const auto& effect : cluster.batches(index)[k])
      if (const Proposal* proposal = proposal_in(effect)) views.push_back(proposal->block.view);
  return views;
}

TEST_CASE("propose_before_sync: a leader's proposal leaves before its own vote's Persist, votes still after") {
  // Goal: with the option a leader that persisted in the view before sends
  // its proposal first; without it, after the Persist (the control). Either
  // way every vote follows its Persist and the replicas commit the same
  // blocks. Method: a 4-replica cluster runs until each has 6 commits; the
  // order of Broadcast(Proposal) and Persist is read from the recorded effects.
  for (const bool early : {true, false}) {
    CAPTURE(early);
    Cluster cluster(ClusterOptions{.propose_before_sync = early});
    cluster.start_all();
    REQUIRE(cluster.run_until([&] {
      for (ReplicaIndex i = 0; i < 4; ++i)
        if (cluster.commits(i).size() < 6) return false;
      return true;
    }));
    std::size_t before = 0;
    std::size_t after = 0;
    for (ReplicaIndex i = 0; i < 4; ++i) {
      const ProposalOrder order = proposal_order(cluster, i);
      before += order.before_own_persist;
      after += order.after_own_persist;
      for (const auto& batch : cluster.batches(i)) {
        std::optional<View> persisted_last_voted_view;
        for (const auto& effect : batch) {
          if (const auto* persist = std::get_if<PersistEffect>(&effect))
            persisted_last_voted_view = persist->state.last_voted_view;
          const Vote* vote = nullptr;
          if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect))
            vote = std::get_if<Vote>(&broadcast->message);
          if (vote != nullptr) CHECK(persisted_last_voted_view == vote->view);
        }
      }
    }
    for (std::size_t height = 0; height < 6; ++height)
      for (ReplicaIndex i = 1; i < 4; ++i)
        CHECK(cluster.commits(i)[height].block_hash == cluster.commits(0)[height].block_hash);
    if (early) {
      // Only replica 1's proposal in view 1 waits: nothing was persisted
      // before it, and a restart would start fresh, unbarred.
      CHECK(before >= 6);
      CHECK(after == 1);
    } else {
      CHECK(before == 0);
      CHECK(after >= 6);
    }
  }
}

TEST_CASE("propose_before_sync: a restarted leader does not propose in the view after its persisted one") {
  // Goal: a proposal that left before its Persist cannot be followed, after
  // a restart, by a different one in the same view. Method: replica 0 (the
  // leader of view 4, round robin) is restored from a safety state persisted
  // in view 3 whose high QC certifies b3, so it starts in view 4. With the
  // option it must not propose in view 4; without it it does (the control).
  for (const bool early : {true, false}) {
    CAPTURE(early);
    Cluster cluster(ClusterOptions{.propose_before_sync = early});
    const testing::Forger& forger = cluster.forger();
    const QuorumCert genesis{0, BlockTree::genesis_hash(), {}};
    const Block b1 = forger.child(BlockTree::genesis_block(), 1, genesis);
    const QuorumCert qc1 = forger.qc(1, block_hash(b1), {1, 2, 3});
    const Block b2 = forger.child(b1, 2, qc1);
    const QuorumCert qc2 = forger.qc(2, block_hash(b2), {1, 2, 3});
    const Block b3 = forger.child(b2, 3, qc2);
    const QuorumCert qc3 = forger.qc(3, block_hash(b3), {1, 2, 3});
    auto restarted = cluster.make_replica(0);
    restarted->restore(SafetyState{3, 3, qc1, qc3});
    restarted->restore_blocks({std::make_shared<const Block>(b1), std::make_shared<const Block>(b2),
                               std::make_shared<const Block>(b3)});
    cluster.replace(0, std::move(restarted));
    cluster.start(0);
    CHECK(cluster.replica(0).view() == 4);
    const std::vector<View> proposed = proposal_views(cluster, 0, 0);
    if (early) {
      CHECK(proposed.empty());
    } else {
      CHECK(proposed == std::vector<View>{4});
    }
  }
}

}  // namespace
}  // namespace bftsim::test_consensus_propose_before_sync_test
