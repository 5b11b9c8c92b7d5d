// Tests of a proposal handed to replicas as one SharedMessage
// (core/protocol/shared_message.h), as the simulator delivers a broadcast:
// each replica's block tree keeps the shared block itself (no copy), and
// every replica stores and votes on the same hash a replica handed its own
// copy computes.
#include "core/protocol/shared_message.h"

#include <doctest/doctest.h>

#include <memory>
#include <variant>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/replica.h"
#include "core/protocol/codec.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_shared_message_test {
namespace {

using testing::Cluster;

const StoreBlockEffect* stored_block(const Effects& effects) {
  for (const auto& effect : effects)
    if (const auto* store = std::get_if<StoreBlockEffect>(&effect)) return store;
  return nullptr;
}

TEST_CASE("shared message: receivers share the proposal's block and agree with a copy on its hash") {
  // Goal: a shared proposal is accepted exactly like a copied one, without a copy per receiver.
  // Method: replicas 1 and 2 get the view-1 proposal as one SharedMessage,
  // replica 3 as a plain Message; compare their StoreBlockEffects and votes.
  Cluster cluster;
  cluster.start_all();
  const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
  const Block b1 = cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc);
  const Message proposal = cluster.forger().proposal(b1);
  const ReplicaIndex leader = b1.proposer;
  auto shared = std::make_shared<const SharedMessage>(proposal);
  const Block* shared_block = &std::get<Proposal>(shared->message()).block;

  std::vector<const StoreBlockEffect*> stores;
  std::vector<Effects> outs(4);
  for (ReplicaIndex r = 0; r < 4; ++r) {
    if (r == leader) continue;
    const bool use_shared = stores.size() < 2;
    if (use_shared) {
      cluster.replica(r).on_message(leader, shared->message(), 0, outs[r], shared);
    } else {
      cluster.replica(r).on_message(leader, proposal, 0, outs[r]);
    }
    const StoreBlockEffect* store = stored_block(outs[r]);
    REQUIRE(store != nullptr);
    CHECK(store->hash == block_hash(b1));
    CHECK(*store->block == b1);
    // The shared receivers keep the shared block; the other its own copy.
    CHECK((store->block.get() == shared_block) == use_shared);
    stores.push_back(store);
  }
  REQUIRE(stores.size() == 3);
  CHECK(shared->proposal_block_hash() == block_hash(b1));
  // The tree holds the shared message alive: two trees and `shared` itself.
  CHECK(shared.use_count() >= 3);
}

}  // namespace
}  // namespace bftsim::test_consensus_shared_message_test
