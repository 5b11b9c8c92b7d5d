// The fixture of the Byzantine actor tests (byzantine_test.cpp,
// byzantine_attacks_test.cpp): one actor in a cluster of n=4, f=1, its
// cluster's keys and Verifier, a Forger for the honest peers, and helpers
// that decode what the actor sent.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/consensus/block_tree.h"
#include "core/consensus/quorum.h"
#include "core/protocol/codec.h"
#include "core/protocol/signing.h"
#include "sim/actors/byzantine.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim::byzantine_test {

using testing::ClusterOptions;
using testing::Forger;

constexpr std::uint32_t replica_count = 4;
constexpr std::uint32_t faulty_max = 1;
constexpr std::uint64_t key_seed = 7;
constexpr std::uint64_t run_seed = 2024;
constexpr std::uint32_t client_endpoint_base = replica_count;  // client 1's endpoint

using B = ByzantineBehavior;

inline const QuorumCert& genesis_qc() {
  static const QuorumCert qc{0, BlockTree::genesis_hash(), {}};
  return qc;
}

inline ClientRequest put_request(ClientId client, RequestNumber number, std::string key) {
  return ClientRequest{client, number, Operation{OpType::put, std::move(key), "v", {}, {}}};
}

struct Sent {
  ByzantineSend send;
  Message message;
};

// One actor, the keys of its cluster and a Forger for the honest peers.
struct Fixture {
  Fixture(ReplicaIndex actor_index, std::vector<ByzantineBehavior> behaviors,
          CryptoKind crypto = CryptoKind::fast, bool vote_to_all = true, ByzantineParams params = {})
      : options{.replica_count = replica_count,
                .faulty_max = faulty_max,
                .crypto = crypto,
                .seed = key_seed,
                .vote_to_all = vote_to_all},
        keys(KeyRing::create(crypto, key_seed, replica_count)),
        forger(*keys, replica_count),
        verifier(keys->verifier()),
        config(testing::make_replica_config(options, actor_index)),
        actor(config, *keys, std::move(behaviors), run_seed, client_endpoint_base, std::move(params)) {}

  const std::string& chain() const { return config.chain_id; }
  std::uint32_t quorum() const { return quorum_size(replica_count, faulty_max); }

  bool proposal_signed(const Proposal& proposal) const {
    return verifier->verify(proposal.block.proposer,
                            signing::proposal_bytes(chain(), block_hash(proposal.block)),
                            proposal.signature);
  }
  bool vote_signed_by(ReplicaIndex signer, const Vote& vote) const {
    return verifier->verify(signer, signing::vote_bytes(chain(), vote.view, vote.block_hash),
                            vote.signature);
  }
  bool vote_signed(const Vote& vote) const { return vote_signed_by(vote.voter, vote); }
  bool timeout_signed(const Timeout& timeout) const {
    return verifier->verify(timeout.sender,
                            signing::timeout_bytes(chain(), timeout.view, timeout.high_qc.view),
                            timeout.signature);
  }
  bool qc_valid(const QuorumCert& qc) const {
    return verify_qc(qc, *verifier, chain(), quorum(), BlockTree::genesis_hash());
  }

  // The view-1 block of leader 1 on genesis, and its signed proposal.
  Block view1_block(std::vector<ClientRequest> batch = {}) const {
    return forger.child(BlockTree::genesis_block(), 1, genesis_qc(), std::move(batch));
  }
  Proposal view1_proposal() const { return forger.proposal(view1_block()); }

  // Requires: the actor is replica 2 (leader of view 2). Starts it, hands it
  // leader 1's view-1 proposal and the votes of replicas 0 and 1 for it, so
  // it forms QC(1) and proposes in view 2.
  void drive_to_view2_proposal(ByzantineOutbox& out) {
    REQUIRE(config.index == 2);
    actor.start(0, out);
    const Proposal proposal = view1_proposal();
    const Hash32 hash = block_hash(proposal.block);
    actor.on_message(0, 1, proposal, 0, out);
    actor.on_message(0, 0, forger.vote(0, 1, hash), 0, out);
    actor.on_message(0, 1, forger.vote(1, 1, hash), 0, out);
  }

  ClusterOptions options;
  std::unique_ptr<KeyRing> keys;
  Forger forger;
  std::shared_ptr<const Verifier> verifier;
  ReplicaConfig config;
  ByzantineActor actor;
};

// Every send of `out`, decoded. Requires: each decodes (no junk).
inline std::vector<Sent> decode_all(const ByzantineOutbox& out) {
  std::vector<Sent> sent;
  for (const auto& send : out.sends) {
    auto message = decode_message(send.bytes);
    REQUIRE_MESSAGE(message.has_value(), "a send that does not decode");
    CHECK(message_type(*message) == send.type);
    sent.push_back({send, std::move(*message)});
  }
  return sent;
}

template <typename T>
std::vector<std::pair<ByzantineSend, T>> sends_of(const std::vector<Sent>& sent) {
  std::vector<std::pair<ByzantineSend, T>> found;
  for (const auto& entry : sent)
    if (const T* typed = std::get_if<T>(&entry.message)) found.emplace_back(entry.send, *typed);
  return found;
}

// The latest timer the actor armed for `instance`.
inline Instant last_timer(const ByzantineOutbox& out, std::uint8_t instance = 0) {
  std::optional<Instant> at;
  for (const auto& timer : out.timers)
    if (timer.instance == instance) at = timer.at;
  REQUIRE(at.has_value());
  return *at;
}

// The other replicas of a 4-replica cluster, as a set.
inline std::set<std::uint32_t> others_of(ReplicaIndex index) {
  std::set<std::uint32_t> result;
  for (ReplicaIndex r = 0; r < replica_count; ++r)
    if (r != index) result.insert(r);
  return result;
}

}  // namespace bftsim::byzantine_test
