// Tests of batches under one client signature (OpType::batch) at a replica
// that requires signed requests, and of ClientVerifier: the signature covers
// every operation of the batch, so an operation forged into a signed batch
// is refused in the mempool and in a proposal; and each distinct request is
// verified once, whether it reaches the replica before or after the
// proposal that carries it.
#include <doctest/doctest.h>

#include "core/consensus/client_verifier.h"
#include "core/protocol/client_auth.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_client_batch_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;

Ed25519Seed seed_of(std::uint8_t fill) {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(fill);
  return Ed25519Seed(bytes);
}

ClientRequest signed_batch(const Ed25519Seed& seed, RequestNumber number, std::size_t count) {
  ClientRequest request;
  request.number = number;
  request.op = Operation{OpType::batch, {}, {}, {}, {}};
  for (std::size_t i = 0; i < count; ++i)
    request.op.ops.push_back(Operation{OpType::put, "k" + std::to_string(i), "v", {}, {}});
  sign_client_request(request, seed, testing::test_chain_id);
  return request;
}

}  // namespace

TEST_CASE("client batch: one signature covers every operation; a forged operation inside breaks it") {
  const ClientRequest request = signed_batch(seed_of(1), 3, 4);
  CHECK(client_request_authentic(request, testing::test_chain_id));
  ClientRequest forged = request;
  forged.op.ops[2].value = "w";  // one operation changed
  CHECK_FALSE(client_request_authentic(forged, testing::test_chain_id));
  forged = request;
  forged.op.ops.push_back(Operation{OpType::del, "k0", {}, {}, {}});  // one operation added
  CHECK_FALSE(client_request_authentic(forged, testing::test_chain_id));
  forged = request;
  forged.op.ops.pop_back();  // one operation dropped
  CHECK_FALSE(client_request_authentic(forged, testing::test_chain_id));
  forged = request;
  std::swap(forged.op.ops[0], forged.op.ops[1]);  // reordered
  CHECK_FALSE(client_request_authentic(forged, testing::test_chain_id));
}

TEST_CASE("client batch: a replica refuses a batch with a forged operation, in its mempool and in a proposal") {
  ClientRequest forged = signed_batch(seed_of(2), 1, 3);
  forged.op.ops[1].key = "stolen";
  {
    Cluster cluster(ClusterOptions{.require_client_signatures = true});
    cluster.start(0);
    cluster.submit(0, forged);
    CHECK(cluster.replica(0).mempool_size() == 0);
    CHECK(cluster.replica(0).drop_count(DropReason::unsigned_request) == 1);
    cluster.submit(0, signed_batch(seed_of(2), 2, 3));
    CHECK(cluster.replica(0).mempool_size() == 1);
  }
  for (bool forge : {true, false}) {
    CAPTURE(forge);
    Cluster cluster(ClusterOptions{.require_client_signatures = true});
    cluster.start(0);
    const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
    const ClientRequest carried = forge ? forged : signed_batch(seed_of(2), 1, 3);
    const Block block = cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc, {carried});
    cluster.inject(1, 0, cluster.forger().proposal(block));
    CHECK(cluster.votes_in_view(0, 1) == (forge ? 0u : 1u));
    CHECK(cluster.replica(0).drop_count(DropReason::unsigned_request) == (forge ? 1u : 0u));
  }
}

TEST_CASE("client batch: a request that arrives after the proposal carrying it is not verified again") {
  // Goal: one verification per distinct request and replica. Method: replica
  // 0 gets the proposal first (the request is not in its mempool, so the
  // block's check verifies it), then the client's copy of the request.
  Cluster cluster(ClusterOptions{.require_client_signatures = true});
  cluster.start(0);
  const ClientRequest request = signed_batch(seed_of(3), 1, 8);
  const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
  const Block block = cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc, {request});
  cluster.inject(1, 0, cluster.forger().proposal(block));
  CHECK(cluster.votes_in_view(0, 1) == 1);
  CHECK(cluster.replica(0).client_verification_count() == 1);
  cluster.submit(0, request);
  cluster.submit(0, request);  // a resend
  CHECK(cluster.replica(0).client_verification_count() == 1);
  CHECK(cluster.replica(0).mempool_size() == 1);
}

TEST_CASE("client verifier: verifies each distinct request once, never passes a changed one, stays bounded") {
  ClientVerifier verifier(testing::test_chain_id, 2);
  const ClientRequest a = signed_batch(seed_of(4), 1, 2);
  CHECK(verifier.authentic(a));
  CHECK(verifier.authentic(a));
  CHECK(verifier.verification_count() == 1);
  // Same client and number, another operation: verified on its own, refused.
  ClientRequest changed = a;
  changed.op.ops[0].value = "x";
  CHECK_FALSE(verifier.authentic(changed));
  CHECK_FALSE(verifier.authentic(changed));  // a failure is never remembered
  CHECK(verifier.verification_count() == 3);
  CHECK(verifier.authentic(a));  // the original still passes from memory
  CHECK(verifier.verification_count() == 3);
  // Two more requests push `a` out (bound 2); it is verified again after that.
  CHECK(verifier.authentic(signed_batch(seed_of(4), 2, 1)));
  CHECK(verifier.authentic(signed_batch(seed_of(4), 3, 1)));
  CHECK(verifier.remembered_count() == 2);
  CHECK(verifier.authentic(a));
  CHECK(verifier.verification_count() == 6);
}

}  // namespace bftsim::test_consensus_client_batch_test
