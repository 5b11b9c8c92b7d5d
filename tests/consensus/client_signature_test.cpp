// Tests of signed client requests (core/protocol/client_auth.h) and of a
// replica that requires them (ReplicaConfig::require_client_signatures): an
// unsigned, forged or misattributed request is refused in the mempool, and a
// proposal carrying one gets no vote, so a Byzantine leader cannot commit an
// operation no client sent. Control cases: the same request signed, and the
// same unsigned proposal to a replica that does not require signatures.
#include <doctest/doctest.h>

#include "core/protocol/client_auth.h"
#include "core/protocol/codec.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::test_consensus_client_signature_test {
namespace {

using testing::Cluster;
using testing::ClusterOptions;

Ed25519Seed seed_of(std::uint8_t fill) {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(fill);
  return Ed25519Seed(bytes);
}

ClientRequest signed_put(const Ed25519Seed& seed, RequestNumber number, const std::string& key,
                         const std::string& chain_id = testing::test_chain_id) {
  ClientRequest request;
  request.number = number;
  request.op = Operation{OpType::put, key, "v", {}, {}};
  sign_client_request(request, seed, chain_id);
  return request;
}

}  // namespace

TEST_CASE("client_auth: a signed request verifies; any change to it does not") {
  // Goal: the signature covers chain, client, number and operation, and the
  // client id is bound to the key. Method: sign, then change one field at a time.
  const ClientRequest request = signed_put(seed_of(1), 5, "k");
  CHECK(request.client == client_id_of(ed25519_public_key(seed_of(1))));
  CHECK(client_request_authentic(request, testing::test_chain_id));
  CHECK_FALSE(client_request_authentic(request, "other-chain"));
  ClientRequest changed = request;
  changed.number = 6;
  CHECK_FALSE(client_request_authentic(changed, testing::test_chain_id));
  changed = request;
  changed.op.value = "w";
  CHECK_FALSE(client_request_authentic(changed, testing::test_chain_id));
  changed = request;
  changed.client ^= 1;  // another client's id with this key
  CHECK_FALSE(client_request_authentic(changed, testing::test_chain_id));
  changed = request;
  changed.auth->public_key = ed25519_public_key(seed_of(2));  // a key that did not sign
  CHECK_FALSE(client_request_authentic(changed, testing::test_chain_id));
  changed = request;
  changed.auth.reset();
  CHECK_FALSE(client_request_authentic(changed, testing::test_chain_id));
}

TEST_CASE("client_auth: signed requests round-trip the codec; unsigned ones keep their old bytes") {
  // Goal: the auth rides in the batch encoding, and an unsigned request
  // encodes exactly as before requests could be signed (the simulator's
  // traces do not change). Method: encode both and compare sizes and bytes.
  const ClientRequest request = signed_put(seed_of(3), 1, "key");
  auto decoded = decode_message(encode_message(request));
  REQUIRE(decoded);
  CHECK(std::get<ClientRequest>(*decoded) == request);
  ClientRequest unsigned_request = request;
  unsigned_request.auth.reset();
  const auto unsigned_bytes = encode_message(unsigned_request);
  CHECK(encode_message(request).size() == unsigned_bytes.size() + 32 + 64);
  // u8 version, u8 type, u64 client, u64 number, then the op type byte: put = 1, no flag.
  CHECK(unsigned_bytes.at(2 + 16) == 1);
  CHECK(encode_message(request).at(2 + 16) == (0x80 | 1));
  auto unsigned_decoded = decode_message(unsigned_bytes);
  REQUIRE(unsigned_decoded);
  CHECK_FALSE(std::get<ClientRequest>(*unsigned_decoded).auth.has_value());
}

TEST_CASE("replica: with require_client_signatures, only signed requests enter the mempool") {
  // Goal: the mempool refuses unsigned and forged requests. Method: submit
  // each to one replica and read its drop counter and mempool size.
  Cluster cluster(ClusterOptions{.require_client_signatures = true});
  cluster.start(0);
  Replica& replica = cluster.replica(0);
  ClientRequest unsigned_request = signed_put(seed_of(1), 1, "a");
  unsigned_request.auth.reset();
  cluster.submit(0, unsigned_request);
  ClientRequest forged = signed_put(seed_of(1), 2, "b");
  forged.op.key = "c";
  cluster.submit(0, forged);
  CHECK(replica.drop_count(DropReason::unsigned_request) == 2);
  CHECK(replica.mempool_size() == 0);
  cluster.submit(0, signed_put(seed_of(1), 3, "d"));
  CHECK(replica.mempool_size() == 1);
  CHECK(replica.drop_count(DropReason::unsigned_request) == 2);
}

TEST_CASE("replica: a proposal with an unsigned request gets no vote when signatures are required") {
  // Goal: a leader cannot smuggle an operation no client signed into a block.
  // Method: leader 1's proposal for view 1 carries one unsigned request;
  // replica 0 (requiring signatures) must not vote; the same block signed
  // gets a vote; and a replica that does not require signatures votes for
  // the unsigned one (control).
  ClientRequest forged = signed_put(seed_of(4), 1, "x");
  forged.auth->signature.bytes[0] ^= 1;
  for (bool require : {true, false}) {
    CAPTURE(require);
    Cluster cluster(ClusterOptions{.require_client_signatures = require});
    cluster.start(0);
    const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
    const Block block = cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc, {forged});
    cluster.inject(1, 0, cluster.forger().proposal(block));
    CHECK(cluster.votes_in_view(0, 1) == (require ? 0u : 1u));
    CHECK(cluster.replica(0).drop_count(DropReason::unsigned_request) == (require ? 1u : 0u));
  }
  Cluster cluster(ClusterOptions{.require_client_signatures = true});
  cluster.start(0);
  const QuorumCert genesis_qc{0, BlockTree::genesis_hash(), {}};
  const Block block =
      cluster.forger().child(BlockTree::genesis_block(), 1, genesis_qc, {signed_put(seed_of(4), 1, "x")});
  cluster.inject(1, 0, cluster.forger().proposal(block));
  CHECK(cluster.votes_in_view(0, 1) == 1);
}

}  // namespace bftsim::test_consensus_client_signature_test
