// One chained-HotStuff replica as a sans-IO state machine (ARCHITECTURE.md,
// "The sans-IO replica"). Inputs arrive through start/on_message/on_timer/
// on_client_request with the current time; every output is an Effect appended
// to the caller's vector. It owns no socket, clock, thread, file or RNG.
// Peer input is data: anything invalid is dropped and counted by DropReason,
// never asserted. Threading: one thread at a time per Replica.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/consensus/ancestor_fetch.h"
#include "core/consensus/block_sync.h"
#include "core/consensus/block_tree.h"
#include "core/consensus/client_verifier.h"
#include "core/consensus/effects.h"
#include "core/consensus/leader_election.h"
#include "core/consensus/mempool.h"
#include "core/consensus/pacemaker.h"
#include "core/consensus/replica_config.h"
#include "core/consensus/vote_collector.h"
#include "core/protocol/messages.h"
#include "core/protocol/shared_message.h"
#include "core/crypto/keys.h"
#include "core/types/sorted_window.h"

namespace bftsim {

class Replica {
 public:
  Replica(ReplicaConfig config, std::unique_ptr<Signer> signer,
          std::shared_ptr<const Verifier> verifier);

  // Before start(): resume from safety state persisted by an earlier run of
  // this replica (a restart).
  void restore(const SafetyState& state);
  // Before start(): resume above `block`, committed at block->height by an
  // earlier run (its driver recovered it with the KV state after it). Blocks
  // above it come from peers. Requires: hash == block_hash(*block).
  void restore_committed(std::shared_ptr<const Block> block, const Hash32& hash);
  // Before start(), after restore_committed(): the blocks an earlier run
  // stored (StoreBlockEffect), in any order. Those that chain to the
  // committed block enter the tree, parents first; the others (at or below
  // the committed height, or whose parent was not stored) are ignored.
  void restore_blocks(std::vector<std::shared_ptr<const Block>> blocks);
  // How many committed blocks below the committed block restore_ancestors()
  // wants: reputation_window under reputation (the leader rule reads that
  // far below its anchor), else none.
  std::uint32_t committed_ancestors_wanted() const;
  // Before start(), after restore_committed(): the committed blocks below the
  // committed block (the committed log), newest first, each the parent of the
  // one before; the chain stops at the first that is not.
  void restore_ancestors(const std::vector<std::shared_ptr<const Block>>& ancestors);
  // Enters view 1 (or, after restore, the view after everything it knows);
  // the leader of that view proposes when it can.
  void start(Instant now, Effects& out);
  // `from` is the replica the transport says sent `message`. `shared`, when
  // given, holds `message` (&shared->message() == &message) for several
  // receivers (shared_message.h): a proposal's block then enters the tree as
  // an alias into it instead of a copy, and its hash is computed once for all.
  void on_message(ReplicaIndex from, const Message& message, Instant now, Effects& out,
                  const std::shared_ptr<const SharedMessage>& shared = nullptr);
  void on_timer(TimerKind timer, Instant now, Effects& out);
  void on_client_request(const ClientRequest& request, Instant now, Effects& out);

  ReplicaIndex index() const { return config_.index; }
  View view() const { return pacemaker_.view(); }
  // The leader this replica expects for `view`: for its current view the one
  // the QC or TC it entered by names (leader_election.h), else the leader
  // schedule's or round robin.
  // For reports (whose view failed); the rules use current_leader().
  ReplicaIndex leader_of(View view) const;
  // After start(): install a state transferred from peers (the driver checked
  // it): `block` was committed at block->height, above this replica's
  // committed height, and the driver holds the KV state after it. Commits
  // continue above it. Requires: hash == block_hash(*block).
  void install_state(std::shared_ptr<const Block> block, const Hash32& hash, Instant now,
                     Effects& out);

  Height committed_height() const { return committed_height_; }
  // The block at committed_height() (genesis before any commit).
  std::shared_ptr<const Block> committed_block() const;
  const Hash32& committed_hash() const { return committed_hash_; }
  SafetyState safety_state() const;
  std::uint64_t drop_count(DropReason reason) const {
    return drops_[static_cast<std::size_t>(reason)];
  }
  std::size_t mempool_size() const { return mempool_.size(); }
  // Client signature verifications done (require_client_signatures).
  std::uint64_t client_verification_count() const { return client_verifier_.verification_count(); }
  Duration current_view_timeout() const { return pacemaker_.current_view_timeout(); }
  // The leader the rule names for `view` from the block `anchor_hash`
  // certified in `anchor_view`, as this replica's tree reads it; nullopt when
  // it cannot tell (leader_election.h). For tests: every honest replica must
  // name the same.
  std::optional<ReplicaIndex> leader_from(View view, View anchor_view, const Hash32& anchor_hash) const {
    return leaders_.leader(tree_, view, anchor_view, anchor_hash);
  }

 private:
  // `shared`: as on_message's, holding `proposal`.
  void on_proposal(ReplicaIndex from, const Proposal& proposal, Instant now, Effects& out,
                   const std::shared_ptr<const SharedMessage>& shared = nullptr);
  void on_vote(ReplicaIndex from, const Vote& vote, Instant now, Effects& out);
  void on_timeout(ReplicaIndex from, const Timeout& timeout, Instant now, Effects& out);
  void on_new_view(ReplicaIndex from, const NewView& new_view, Instant now, Effects& out);
  void on_block_request(ReplicaIndex from, const BlockRequest& request, Effects& out);
  void on_block_response(ReplicaIndex from, const BlockResponse& response, Instant now,
                         Effects& out);
  void adopt_orphans(Instant now, Effects& out);
  // fetch_missed_proposal (replica_missed_proposal.cpp).
  void fetch_missed_proposal(Instant now, Effects& out);
  void vote_on_missed_proposal(Instant now, Effects& out);

  // Certificates: `hint` is a peer likely to hold the certified block.
  bool check_qc(const QuorumCert& qc);
  bool check_tc(const TimeoutCert& tc);
  void process_qc(const QuorumCert& qc, ReplicaIndex hint, Instant now, Effects& out);
  void process_tc(const TimeoutCert& tc, ReplicaIndex hint, Instant now, Effects& out);
  void update_chain(const QuorumCert& qc, ReplicaIndex hint, Instant now, Effects& out);

  // The rules of the HotStuff paper (Yin et al., PODC 2019), one function each.
  bool safe_node(const StoredBlock& block) const;
  bool safe_to_vote(const StoredBlock& block) const;
  void update_lock(const QuorumCert& qc);
  const StoredBlock* commit_rule(const StoredBlock& b2) const;

  void enter_view(View view, std::optional<TimeoutCert> tc, Instant now, Effects& out);
  void try_propose(Instant now, Effects& out);
  std::optional<ReplicaIndex> current_leader() const;
  void take_late_block(ReplicaIndex from, const Block& block, Instant now, Effects& out);
  bool batch_authentic(const Block& block);
  void accept_block(std::shared_ptr<const Block> block, const Hash32& hash, Instant now,
                    Effects& out);
  // Asks the driver to keep a block that entered the tree (StoreBlockEffect).
  void store_block(const StoredBlock& stored, Effects& out) const;
  void try_vote(const StoredBlock& stored, Instant now, Effects& out);
  // The leader of the view after `view` once a QC certifies `hash` (the one
  // next-leader votes go to); nullopt when this replica cannot tell.
  std::optional<ReplicaIndex> leader_after(View view, const Hash32& hash) const {
    return leaders_.leader(tree_, view + 1, view, hash);
  }
  void send_timeout(Instant now, Effects& out);
  void send_new_view(Effects& out);
  void collect_vote(const Vote& vote, Instant now, Effects& out);
  void catch_up(const QuorumCert& qc, View message_view, ReplicaIndex from, Instant now, Effects& out);
  void collect_timeout(const Timeout& timeout, Instant now, Effects& out);
  void commit_up_to(const StoredBlock& block, Effects& out);
  void persist(Effects& out);
  void drop(DropReason reason) { ++drops_[static_cast<std::size_t>(reason)]; }
  void check_invariants() const;

  // The state of the rules lives here (views voted and proposed in, the
  // lock, high_qc, the committed block); each named part owns the rest:
  // pacemaker_ the view, its timer and timeouts; votes_ the votes toward a
  // QC; mempool_ the client requests; block_sync_ fetching, orphans and
  // proposals waiting on a parent. tree_ is lent to the parts per call.
  ReplicaConfig config_;
  std::unique_ptr<Signer> signer_;
  std::shared_ptr<const Verifier> verifier_;
  std::uint32_t quorum_;

  bool started_ = false;
  View restored_view_ = 0;
  // propose_before_sync: the view of the last Persist emitted, and no
  // proposal in a view <= proposal_barrier_view_ (restore() sets it).
  View persisted_view_ = 0;
  bool persisted_ = false;  // a Persist was emitted, or a state restored
  View proposal_barrier_view_ = 0;
  View last_voted_view_ = 0;
  View proposed_view_ = 0;
  // Set when this replica enters a view and new_view_to_leader is on; the
  // NewView leaves at the end of the input, for the view it ended in (one
  // input can pass through several views).
  bool new_view_due_ = false;
  QuorumCert high_qc_;
  QuorumCert locked_qc_;

  BlockTree tree_;
  Height committed_height_ = 0;
  Hash32 committed_hash_;

  Pacemaker pacemaker_;
  LeaderElector leaders_;
  VoteCollector votes_;
  // The block proposed in each current or future view, as first seen.
  std::map<View, Hash32> proposal_seen_;
  // fetch_missed_proposal: the block this replica fetches because the leader
  // of view() voted for it and no proposal for view() arrived.
  struct MissedProposal {
    View view = 0;
    Hash32 hash;
    ReplicaIndex proposer = 0;
  };
  std::optional<MissedProposal> missed_proposal_;
  // Certificates already verified, so a QC met again costs no signature
  // checks; the smallest (view, hash) leaves first when it is full. Flat: a
  // new QC is above every key here, found absent and added in O(1).
  SortedWindow<std::pair<View, Hash32>, bool> verified_qcs_;

  Mempool mempool_;
  ClientVerifier client_verifier_;

  BlockSync block_sync_;
  // Under reputation: the committed blocks below a root this replica lacks
  // (after a state transfer, or a restart with a short committed log).
  AncestorFetch ancestor_fetch_;

  std::array<std::uint64_t, drop_reason_count> drops_{};
};

}  // namespace bftsim
