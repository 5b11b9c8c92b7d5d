// Byzantine actors: a replica the scenario marks `byzantine` runs one of these
// instead of an honest Replica. An actor drives one honest Replica (two for
// `twins`) with its own key and rewrites what it sends according to its
// behaviours: it drops, delays, duplicates, forges or corrupts messages, and
// some behaviours add messages of their own (votes, proposals, sync answers).
// Each behaviour draws from its own stream ("byz/<index>/<behavior>"), so
// dropping one behaviour (as bisect does) leaves the others' draws unchanged.
// The simulation routes its sends; for twins it also decides which instance
// hears whom. byzantine.cpp holds the routing and the noise behaviours,
// byzantine_proposals.cpp what it proposes, byzantine_votes.cpp its votes and
// timeouts, byzantine_sync.cpp its block-sync answers, byzantine_certs.cpp
// its forged certificates.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/consensus/replica.h"
#include "core/crypto/keys.h"
#include "core/kv/state_machine.h"
#include "core/types/result.h"
#include "sim/scenario/byzantine_behavior.h"
#include "sim/rng.h"

namespace bftsim {

// What an actor asks the simulation to send or schedule.
struct ByzantineSend {
  std::uint32_t to = 0;            // an endpoint: a replica index, or a client's endpoint
  std::uint8_t from_instance = 0;  // which twin sent it (0 without twins)
  std::vector<std::uint8_t> bytes; // the encoded message (or junk)
  MessageType type = MessageType::proposal;
  Duration delay = 0;              // extra time before it enters the network
  std::optional<View> view = std::nullopt;  // the message's view, for view filters (none: not known)
};
struct ByzantineTimer {
  std::uint8_t instance = 0;
  Instant at = 0;
};
struct ByzantineOutbox {
  std::vector<ByzantineSend> sends;
  std::vector<ByzantineTimer> timers;
};

// The half of `count` recipients that gets the "other" version of a message.
inline bool byzantine_second_half(std::size_t position, std::size_t count) { return position >= (count + 1) / 2; }

class ByzantineActor {
 public:
  // `client_endpoint_base` is the endpoint index of client 1.
  ByzantineActor(const ReplicaConfig& config, const KeyRing& keys,
                 std::vector<ByzantineBehavior> behaviors, std::uint64_t run_seed,
                 std::uint32_t client_endpoint_base, ByzantineParams params = {});

  std::size_t instance_count() const { return instances_.size(); }
  // The view an instance is in.
  View view(std::uint8_t instance) const { return instances_[instance]->view(); }
  bool has(ByzantineBehavior behavior) const;

  void start(Instant now, ByzantineOutbox& out);
  void on_message(std::uint8_t instance, ReplicaIndex from, const Message& message, Instant now,
                  ByzantineOutbox& out);
  void on_client_request(std::uint8_t instance, const ClientRequest& request, Instant now,
                         ByzantineOutbox& out);
  void on_timer(std::uint8_t instance, Instant now, ByzantineOutbox& out);

  // Counters of what it did, for tests and reports.
  std::uint64_t forged_count() const { return forged_count_; }
  // The inner honest replica of `instance` (its view, lock and high QC).
  const Replica& instance(std::uint8_t instance) const { return *instances_[instance]; }

 private:
  void translate(std::uint8_t instance, ByzantineOutbox& out);
  void send_message(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                    const Message& message, Duration delay, ByzantineOutbox& out);
  void emit(std::uint8_t instance, ReplicaIndex to, const Message& message, Duration delay,
            ByzantineOutbox& out);
  void rewrite_proposal(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                        const Proposal& proposal, ByzantineOutbox& out);
  void rewrite_vote(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                    const Vote& vote, ByzantineOutbox& out);
  void rewrite_timeout(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                       const Timeout& timeout, ByzantineOutbox& out);
  void rewrite_block_response(std::uint8_t instance, ReplicaIndex to, const BlockResponse& response,
                              ByzantineOutbox& out);
  // bad_state: the made-up state it answers a state request with.
  void answer_state_request(std::uint8_t instance, ReplicaIndex from, const StateRequest& request,
                            ByzantineOutbox& out);
  // bad_state with `offer: wrong_pairs`: its committed block and true state
  // digest over altered pairs.
  StateResponse wrong_pairs_offer(std::uint8_t instance) const;
  // fork: the block `proposal` would be with its justify `depth` QCs back (or
  // at the lock, or, with depth hidden, on the newest older QC a timeout or
  // NEW-VIEW claimed that no proposal carried); nullopt when it has no such QC.
  std::optional<Block> fork_block(std::uint8_t instance, const Proposal& proposal) const;
  // tail_fork: `block` as a sibling of its parent (extending the grandparent),
  // when its parent is its predecessor's block; else nullopt.
  std::optional<Block> tail_fork_block(const Block& block) const;
  // propose_out_of_turn: a proposal on the instance's high QC in its view.
  void propose_out_of_turn(std::uint8_t instance, ByzantineOutbox& out);
  // amnesia: a vote of its own for every known block of a view it voted in
  // that it has not voted for yet.
  void vote_again(std::uint8_t instance, ByzantineOutbox& out);
  // Who a vote of `view` goes to: everyone, or the next leader.
  std::vector<ReplicaIndex> vote_recipients(std::uint8_t instance, View view) const;
  // withhold_*: `recipients` without the targets (all of them without targets).
  std::vector<ReplicaIndex> not_withheld(const std::vector<ReplicaIndex>& recipients) const;
  Vote sign_vote(View view, const Hash32& hash, ReplicaIndex voter) const;
  // short_qc: records a vote it sent or received; a block with quorum-1
  // voters becomes short_qc_ (padded per params_.qc_pad).
  void record_vote(const Vote& vote);
  // short_qc: the proposal or timeout as it would be with short_qc_ as its
  // QC, when that is newer than the one it carries and fits its view.
  std::optional<Proposal> short_qc_proposal(const Proposal& proposal) const;
  std::optional<Timeout> short_qc_timeout(const Timeout& timeout) const;
  Proposal sign_proposal(Block block, std::optional<TimeoutCert> tc) const;
  void corrupt(Signature& signature);
  // The stream of `behavior`. Requires: has(behavior).
  Rng& rng(ByzantineBehavior behavior);
  std::vector<ReplicaIndex> others() const;

  ReplicaConfig config_;
  std::vector<std::unique_ptr<Replica>> instances_;
  std::vector<KvStateMachine> state_machines_;  // one per instance
  std::unique_ptr<Signer> signer_;
  std::vector<bool> behaviors_;
  std::array<std::optional<Rng>, byzantine_behavior_count> rngs_;  // set for the behaviours it has
  std::uint32_t client_endpoint_base_;
  Effects effects_;
  std::deque<ByzantineSend> sent_history_;  // what it really sent, for stale_replay
  void remember_qc(const Block& block);
  // fork with depth hidden: the QCs timeouts and NEW-VIEWs claim, by view.
  void remember_claimed_qc(const Message& message);
  std::map<View, QuorumCert> claimed_qcs_;
  // The last block replaced by a hidden fork and the fork (its vote goes to the fork).
  std::optional<std::pair<Hash32, Hash32>> hidden_fork_;
  // QCs seen in proposals, by view, with the height of the block each certifies (for fork).
  std::map<View, std::pair<QuorumCert, Height>> seen_qcs_;
  std::uint64_t forged_count_ = 0;
  ByzantineParams params_;

  // The last blocks it saw proposed or proposed itself, oldest first, for the
  // behaviours that build on real blocks (fork at the lock, tail_fork,
  // propose_out_of_turn, amnesia, impersonate's other block).
  static constexpr std::size_t known_blocks_max = 64;
  std::deque<std::pair<Hash32, Block>> known_blocks_;
  void remember_block(const Block& block);
  const Block* find_block(const Hash32& hash) const;
  // Per instance: the views it sent votes in and the blocks voted for.
  std::vector<std::map<View, std::vector<Hash32>>> voted_;
  std::vector<View> out_of_turn_view_;  // per instance: the last view it proposed out of turn in
  // tail_fork: the view it forked and the grandparent's QC its timeouts there claim.
  struct HiddenQc {
    View view = 0;
    QuorumCert qc;
  };
  std::optional<HiddenQc> hidden_qc_;
  // short_qc: the signatures of the votes seen per (view, block), recent
  // views only, and the newest certificate made from quorum-1 of them.
  std::map<std::pair<View, Hash32>, std::map<ReplicaIndex, Signature>> vote_book_;
  std::optional<QuorumCert> short_qc_;

  // forge_cert (byzantine_certs.cpp): after the inner replica handled
  // `message` (nullptr for a timer or the start) from `from`.
  void forge_certificates(std::uint8_t instance, ReplicaIndex from, const Message* message, ByzantineOutbox& out);
  void forge_qc(std::uint8_t instance, const Block& block, ByzantineOutbox& out);
  void forge_tc_on_entry(std::uint8_t instance, ByzantineOutbox& out);
  void forge_tc_from_timeouts(std::uint8_t instance, ReplicaIndex from, const Timeout& timeout, ByzantineOutbox& out);
  void send_forged_timeout(std::uint8_t instance, View view, const QuorumCert& high_qc, std::optional<TimeoutCert> tc,
                           ByzantineOutbox& out);
  std::vector<ReplicaIndex> signers_with_self(std::uint32_t count) const;
  Signature made_up_signature();
  View cert_forged_view_ = 0;  // the last view it forged a certificate for
  // tc_short, tc_high_qc: the timeouts others sent, by view and sender.
  std::map<View, std::map<ReplicaIndex, Timeout>> seen_timeouts_;
};

}  // namespace bftsim
