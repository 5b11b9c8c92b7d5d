// bad_sync (byzantine.h): a block-sync responder that lies. The inner
// replica answers a BlockRequest for H with H and its ancestors, newest
// first; the actor rewrites that answer by its `mode` (SyncLie). A correct
// requester keeps only a chain that hashes to H and links by parent hashes,
// so each lie must be dropped; a requester that trusts the responder stores
// a block nobody certified under a certified hash, or a forged chain.
// bad_state answers state requests (core/node/state_transfer.h) with a
// made-up state that only it vouches for, or (`offer: wrong_pairs`) with the
// vouched block and digest over pairs that are not that state.
#include "sim/actors/byzantine.h"

#include <algorithm>

#include "core/consensus/quorum.h"
#include "core/node/state_transfer.h"
#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

namespace {

// The client and request number of the requests bad_sync makes up: no
// client has them, so a replica that executes one breaks integrity.
constexpr ClientId invented_client = 1'000'000;

// `block` with another batch: its last request dropped, or an invented one
// added to an empty batch. Same parent, height, view and justify.
Block altered(Block block, std::uint64_t salt) {
  if (!block.batch.empty()) {
    block.batch.pop_back();
  } else {
    block.batch.push_back(ClientRequest{invented_client, salt + 1,
                                        Operation{OpType::put, "bad_sync", "fabricated", {}, {}}});
  }
  return block;
}

}  // namespace

void ByzantineActor::rewrite_block_response(std::uint8_t instance, ReplicaIndex to,
                                            const BlockResponse& response, ByzantineOutbox& out) {
  if (response.blocks.empty()) return emit(instance, to, response, 0, out);
  BlockResponse lie = response;
  std::vector<Block>& blocks = lie.blocks;
  switch (params_.sync_lie) {
    case SyncLie::fabricated:
      // Another block in the requested block's place; its ancestors are real.
      blocks[0] = altered(blocks[0], forged_count_);
      break;
    case SyncLie::unlinked:
      // The requested block, then "ancestors" that are not its parents.
      if (blocks.size() == 1) blocks.push_back(blocks[0]);
      for (std::size_t i = 1; i < blocks.size(); ++i) blocks[i] = altered(blocks[i], forged_count_ + i);
      break;
    case SyncLie::forged_justify: {
      // A chain of two made-up blocks in place of the requested block and its
      // parent: each links to the next by hash and carries a QC for it with
      // one signature short of a quorum (so it verifies as no QC).
      const std::uint32_t short_quorum = quorum_size(config_.replica_count, config_.faulty_max) - 1;
      Block& top = blocks[0];
      if (blocks.size() >= 2 && blocks[1].height > 0) {
        Block& parent = blocks[1];
        parent = altered(parent, forged_count_);
        if (parent.justify.signatures.size() > short_quorum) parent.justify.signatures.resize(short_quorum);
        top.justify.block_hash = block_hash(parent);
        top.parent_hash = top.justify.block_hash;
      } else {
        top = altered(top, forged_count_);
      }
      if (top.justify.signatures.size() > short_quorum) top.justify.signatures.resize(short_quorum);
      break;
    }
  }
  ++forged_count_;
  emit(instance, to, lie, 0, out);
}

// bad_state (`offer: made_up`): one height above its commit, a block nobody
// proposed (on its committed block, with an invented request), its real
// pairs plus an invented one under their true digest, and a history that
// vouches only for that. The offer is self-consistent, but no honest replica
// vouches for it: a correct requester, which needs f+1 vouchers, never
// installs it. (`offer: wrong_pairs`: see wrong_pairs_offer.)
void ByzantineActor::answer_state_request(std::uint8_t instance, ReplicaIndex from, const StateRequest& request,
                                          ByzantineOutbox& out) {
  const Replica& replica = *instances_[instance];
  if (from == config_.index || replica.committed_height() < request.committed_height) return;
  if (params_.state_lie == StateLie::wrong_pairs) {
    if (replica.committed_height() == request.committed_height) return;  // the requester has that state
    ++forged_count_;
    return emit(instance, from, wrong_pairs_offer(instance), 0, out);
  }
  StateResponse lie;
  Block& block = lie.block;
  block.parent_hash = replica.committed_hash();
  block.height = replica.committed_height() + 1;
  block.view = replica.view();
  block.proposer = config_.index;
  block.justify = replica.safety_state().high_qc;
  block.batch.push_back(ClientRequest{invented_client, forged_count_ + 1,
                                      Operation{OpType::put, "bad_state", "invented", {}, {}}});
  state_machines_[instance].store().for_each([&](std::string_view key, std::string_view value) {
    lie.pairs.push_back(KeyValue{std::string(key), std::string(value)});
  });
  const KeyValue invented{"bad_state", "invented"};
  auto at = std::lower_bound(lie.pairs.begin(), lie.pairs.end(), invented,
                             [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  if (at != lie.pairs.end() && at->key == invented.key) {
    at->value = invented.value;
  } else {
    lie.pairs.insert(at, invented);
  }
  const std::optional<Hash32> digest = digest_of_pairs(lie.pairs);
  BFTSIM_ASSERT(digest.has_value());  // the store's pairs come sorted, the invented key keeps them so
  lie.state_digest = *digest;
  lie.history.push_back(CommittedDigest{block.height, block_hash(block), lie.state_digest});
  ++forged_count_;
  emit(instance, from, lie, 0, out);
}

// bad_state with `offer: wrong_pairs`: its real committed block and the real
// digest of the state after it (the claim honest replicas' offers and
// histories vouch for), its real cached replies, but pairs that are not that
// state: the last pair's value changed (an invented pair when the state is
// empty), still strictly ascending by key. A correct requester checks that
// the pairs hash to the vouched digest before it installs anything; one that
// skips the check installs (durably) a state the cluster never decided.
StateResponse ByzantineActor::wrong_pairs_offer(std::uint8_t instance) const {
  const Replica& replica = *instances_[instance];
  const KvStateMachine& machine = state_machines_[instance];
  StateResponse lie;
  lie.block = *replica.committed_block();
  lie.state_digest = machine.digest();
  machine.store().for_each([&](std::string_view key, std::string_view value) {
    lie.pairs.push_back(KeyValue{std::string(key), std::string(value)});
  });
  if (lie.pairs.empty()) {
    lie.pairs.push_back(KeyValue{"bad_state", "invented"});
  } else {
    lie.pairs.back().value += "/bad_state";
  }
  for (const auto& key : machine.cached_reply_keys())
    lie.replies.push_back(SnapshotReply{key.first, key.second, machine.encode_cached_reply(key)});
  lie.history.push_back(CommittedDigest{lie.block.height, block_hash(lie.block), lie.state_digest});
  return lie;
}

}  // namespace bftsim
