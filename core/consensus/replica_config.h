// What a Replica is configured with (ReplicaConfig) and why it drops peer
// input (DropReason). Shared by the Replica and its parts (pacemaker,
// vote_collector, block_sync, mempool) so that the parts need not include
// replica.h. Plain values; no ownership or threading concerns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/types/ids.h"

namespace bftsim {

// What resets the view timer's backoff (docs/case-study-liveness.md).
enum class BackoffReset : std::uint8_t {
  // The paper's pacemaker: the exponent counts views entered by a TC since
  // the last commit. A commit needs three consecutive certified views, so
  // under random loss the timeout can double many times before one lands.
  commit,
  // The exponent counts consecutive views entered by a TC: entering a view by
  // a QC (the view before it certified a block) resets it, and so does a
  // commit. Needs a base view_timeout that covers one normal view; with a
  // slower network, certified views alternate with failed ones and no
  // three-chain forms, where `commit` keeps growing until one does.
  qc,
};

// When a block commits, and the vote rule that makes that safe.
enum class CommitRule : std::uint8_t {
  // Chained HotStuff: a block commits when it heads three certified blocks of
  // consecutive views; a replica locks on the second and votes for a block
  // that extends its lock or carries a newer QC (safe_node).
  three_chain,
  // Jolteon / DiemBFT v4: a block commits when its child, of the next view, is
  // certified, one view sooner. A replica votes for a block of view v only if
  // its QC is of view v - 1, or the replica holds a TC of view v - 1 and the
  // block's QC is at least as high as the highest QC that TC's timeouts
  // claim: any TC holds a timeout of an honest replica that saw the QC of a
  // committed block, so a block certified after it extends that block.
  two_chain,
};

// The rule's name in scenarios, cluster files and bft-node's INFO.
constexpr std::string_view commit_rule_name(CommitRule rule) {
  return rule == CommitRule::two_chain ? "two_chain" : "three_chain";
}

// Who leads a view (core/consensus/leader_election.h).
enum class LeaderElection : std::uint8_t {
  round_robin,  // view mod n, the paper's rotation
  reputation,   // DiemBFT-style: from the certified chain, skipping failed and idle replicas
};

struct ReplicaConfig {
  ReplicaIndex index = 0;
  std::uint32_t replica_count = 4;
  std::uint32_t faulty_max = 1;
  std::string chain_id = "bftsim";
  std::uint32_t batch_size = 100;
  Duration view_timeout = 500 * ns_per_ms;  // the base of the backoff
  double timeout_multiplier = 2.0;
  Duration view_timeout_max = 10 * ns_per_s;
  std::size_t mempool_size_max = 100'000;
  // Votes go to every replica (true) or only to the next leader (false, the
  // paper's linear pattern). With round-robin leaders and one crashed replica
  // in four, next-leader votes never let a three-chain form: the QC of every
  // third consecutive block would be collected by the crashed leader. With
  // votes to all, every replica assembles that QC and commits.
  bool vote_to_all = true;
  // A teaching mutant for the simulator: vote without the safe-node rule
  // (ignore the lock). Unsafe by design; the checkers must catch it.
  bool unsafe_skip_lock = false;
  BackoffReset backoff_reset = BackoffReset::qc;
  CommitRule commit_rule = CommitRule::three_chain;
  LeaderElection leader_election = LeaderElection::round_robin;
  // HotStuff's NEW-VIEW (docs/case-study-liveness.md): a replica that enters a
  // view it does not lead sends the certificate it entered by to that view's
  // leader, so a leader that missed one vote (or timeout) of the quorum
  // proposes at once instead of a view timeout later. One small message per
  // replica per view. False (the behaviour before it): the leader learns the
  // certificate only from the votes and timeouts it receives itself.
  bool new_view_to_leader = true;
  // A replica that holds no proposal for its view but f+1 votes for one block
  // of that view, one of them by the view's leader, fetches the block from the
  // leader and votes for it (docs/case-study-liveness.md, rmw-counters). The
  // leader's own vote authenticates the block as its proposal, as the
  // proposal's signature would. With a crashed replica in four a quorum needs
  // every live vote, so a proposal lost on one link would otherwise cost the
  // view. False: the paper's replica votes only on a proposal it received.
  bool fetch_missed_proposal = true;
  // While a fetch is unanswered, BlockSync's fetch timer re-asks another peer
  // half a base view timeout after each ask, each other peer once
  // (block_sync.h), so a lost request or reply does not wait for a backed-off
  // view timer (docs/case-study-liveness.md, section 10). False (the
  // behaviour before it): only the view timer retries.
  bool fetch_retry = true;
  // Blocks of the certified chain that reputation reads to pick a leader.
  std::uint32_t reputation_window = 10;
  // A testing aid (the simulator's `protocol.leaders`): entry i names the
  // leader of view i + 1, before `leader_election` is asked; views past the
  // end use it. Every replica of a run must hold the same schedule.
  std::vector<ReplicaIndex> leader_schedule = {};
  // Accept only client requests signed by their client (client_auth.h), in
  // the mempool and in proposed blocks. bft-node sets it; the simulator's
  // clients do not sign.
  bool require_client_signatures = false;
  // A leader broadcasts its proposal before the Persist of its own vote when
  // a Persist of the view before (its vote there, usually) was already
  // emitted, so its sync no longer sits between the QC and the proposal: one
  // sync per view on the critical path instead of two. A replica restarted
  // from a state persisted in view v then never proposes in a view <= v + 1,
  // so a proposal that left unsynced cannot be followed by a different one
  // in its view (docs/node_storage.md). bft-node sets it; false (the default)
  // persists before proposing, as the simulator's library runs.
  bool propose_before_sync = false;
  std::uint32_t fetch_blocks_max = 32;     // blocks asked for per BlockRequest
  Height block_retention = 1024;          // blocks kept below the committed height
  View view_window_max = 1024;            // how far ahead of its view a replica buffers timeouts
};

enum class DropReason : std::uint8_t {
  wrong_sender = 0,   // the claimed proposer/voter/sender is not the peer it came from
  not_leader,         // a proposal from a non-leader, or a vote to a non-leader
  stale_view,
  future_view,
  bad_signature,
  bad_certificate,    // a QC or TC that does not verify, or an unjustified view jump
  bad_block,          // structurally invalid (height, parent, justify, batch size)
  duplicate,
  unrequested_block,  // a fetched block nobody asked for
  mempool_full,
  not_for_replica,    // a message type replicas do not accept from peers
  unsigned_request,   // a client request without a valid client signature, alone or in a proposal
};
inline constexpr std::size_t drop_reason_count = 12;
const char* drop_reason_name(DropReason reason);

}  // namespace bftsim
