// A tiny in-test driver for consensus unit tests: n Replicas built from one
// KeyRing, one global FIFO network, timers fired on demand, and a record of
// every effect each replica emitted (one Effects batch per handler call), so
// replica tests read as short scripts. Forger signs blocks, votes, QCs and
// TCs with any replica's key, to play a Byzantine or absent peer by hand.
// Test-only code: single-threaded, no simulator, no virtual-time scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/protocol/codec.h"
#include "core/consensus/block_tree.h"
#include "core/consensus/effects.h"
#include "core/protocol/messages.h"
#include "core/consensus/replica.h"
#include "core/crypto/keys.h"
#include "core/kv/state_machine.h"
#include "core/node/executor.h"
#include "core/node/node.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"

namespace bftsim::testing {

inline constexpr const char* test_chain_id = "bftsim-test";

// Signs protocol messages with any replica's key from `keys`.
class Forger {
 public:
  Forger(const KeyRing& keys, std::uint32_t replica_count, std::string chain_id = test_chain_id)
      : keys_(keys), replica_count_(replica_count), chain_id_(std::move(chain_id)) {}

  Signature sign_vote(ReplicaIndex signer, View view, const Hash32& hash) const {
    return keys_.signer(signer)->sign(signing::vote_bytes(chain_id_, view, hash));
  }
  Signature sign_timeout(ReplicaIndex signer, View view, View high_qc_view) const {
    return keys_.signer(signer)->sign(signing::timeout_bytes(chain_id_, view, high_qc_view));
  }

  // Requires: signers sorted and distinct (the caller may break this on purpose
  // by editing the result).
  QuorumCert qc(View view, const Hash32& hash, const std::vector<ReplicaIndex>& signers) const {
    QuorumCert qc{view, hash, {}};
    for (ReplicaIndex signer : signers)
      qc.signatures.edit().push_back({signer, sign_vote(signer, view, hash)});
    return qc;
  }

  // Every signer signs high_qc.view as its highest QC.
  TimeoutCert tc(View view, const std::vector<ReplicaIndex>& signers,
                 const QuorumCert& high_qc) const {
    TimeoutCert tc{view, {}, high_qc};
    for (ReplicaIndex signer : signers)
      tc.signatures.edit().push_back({signer, high_qc.view, sign_timeout(signer, view, high_qc.view)});
    return tc;
  }

  Vote vote(ReplicaIndex voter, View view, const Hash32& hash) const {
    return Vote{view, hash, voter, sign_vote(voter, view, hash)};
  }

  // A child of `parent` proposed in `view` by that view's round-robin leader,
  // justified by `justify` (which should certify `parent`).
  Block child(const Block& parent, View view, const QuorumCert& justify,
              std::vector<ClientRequest> batch = {}) const {
    Block block;
    block.parent_hash = block_hash(parent);
    block.height = parent.height + 1;
    block.view = view;
    block.proposer = static_cast<ReplicaIndex>(view % replica_count_);
    block.justify = justify;
    block.batch = std::move(batch);
    return block;
  }

  // Signed by block.proposer.
  Proposal proposal(const Block& block) const { return signed_proposal(Proposal{block, std::nullopt, {}}); }
  Proposal proposal(const Block& block, const TimeoutCert& tc) const {
    return signed_proposal(Proposal{block, tc, {}});
  }

  const std::string& chain_id() const { return chain_id_; }

 private:
  // Two overloads, not a defaulted std::optional argument: moving an empty
  // optional<TimeoutCert> draws a false -Wmaybe-uninitialized from GCC 12 at -O3.
  Proposal signed_proposal(Proposal proposal) const {
    proposal.signature = keys_.signer(proposal.block.proposer)
                             ->sign(signing::proposal_bytes(chain_id_, block_hash(proposal.block)));
    return proposal;
  }
  const KeyRing& keys_;
  std::uint32_t replica_count_;
  std::string chain_id_;
};

struct ClusterOptions {
  std::uint32_t replica_count = 4;
  std::uint32_t faulty_max = 1;
  CryptoKind crypto = CryptoKind::fast;
  std::uint64_t seed = 7;
  bool vote_to_all = true;
  Duration view_timeout = 500 * ns_per_ms;
  Duration view_timeout_max = 10 * ns_per_s;
  BackoffReset backoff_reset = BackoffReset::qc;
  LeaderElection leader_election = LeaderElection::round_robin;
  bool new_view_to_leader = ReplicaConfig{}.new_view_to_leader;
  bool fetch_missed_proposal = ReplicaConfig{}.fetch_missed_proposal;
  bool fetch_retry = ReplicaConfig{}.fetch_retry;
  bool require_client_signatures = false;
  bool propose_before_sync = false;
  CommitRule commit_rule = CommitRule::three_chain;
};

// The QC every chain starts from: view 0, the genesis block, no signatures.
inline const QuorumCert& genesis_qc() {
  static const QuorumCert qc{0, BlockTree::genesis_hash(), {}};
  return qc;
}

inline ReplicaConfig make_replica_config(const ClusterOptions& options, ReplicaIndex index) {
  ReplicaConfig config;
  config.index = index;
  config.replica_count = options.replica_count;
  config.faulty_max = options.faulty_max;
  config.chain_id = test_chain_id;
  config.vote_to_all = options.vote_to_all;
  config.view_timeout = options.view_timeout;
  config.view_timeout_max = options.view_timeout_max;
  config.backoff_reset = options.backoff_reset;
  config.leader_election = options.leader_election;
  config.new_view_to_leader = options.new_view_to_leader;
  config.fetch_missed_proposal = options.fetch_missed_proposal;
  config.fetch_retry = options.fetch_retry;
  config.require_client_signatures = options.require_client_signatures;
  config.propose_before_sync = options.propose_before_sync;
  config.commit_rule = options.commit_rule;
  return config;
}

struct Envelope {
  ReplicaIndex from = 0;
  ReplicaIndex to = 0;
  Message message;
};

// Every emitted effect is recorded; Send/Broadcast go to one FIFO queue.
// A down replica's sends are discarded when emitted and messages to it are
// discarded when delivered. drop_filter (when set) discards any envelope it
// returns true for, at delivery.
class Cluster {
 public:
  explicit Cluster(ClusterOptions options = {})
      : options_(options),
        keys_(KeyRing::create(options.crypto, options.seed, options.replica_count)),
        forger_(*keys_, options.replica_count),
        records_(options.replica_count),
        state_machines_(options.replica_count),
        down_(options.replica_count, false) {
    for (ReplicaIndex i = 0; i < options.replica_count; ++i) replicas_.push_back(make_replica(i));
  }

  std::unique_ptr<Replica> make_replica(ReplicaIndex index) const {
    return std::make_unique<Replica>(make_replica_config(options_, index), keys_->signer(index),
                                     keys_->verifier());
  }
  // Swaps in a new (not yet started) replica object for `index`, e.g. a
  // restarted one; the record of the old one is kept.
  // Its KV state starts over too (it re-executes what it commits again).
  void replace(ReplicaIndex index, std::unique_ptr<Replica> replica) {
    replicas_[index] = std::move(replica);
    state_machines_[index] = KvStateMachine();
  }
  // The KV state of `index`: the harness executes commits as a Node does.
  const KvStateMachine& state_machine(ReplicaIndex index) const { return state_machines_[index]; }

  std::uint32_t size() const { return options_.replica_count; }
  Replica& replica(ReplicaIndex index) { return *replicas_[index]; }
  const Forger& forger() const { return forger_; }
  const KeyRing& keys() const { return *keys_; }
  Instant now() const { return now_; }
  std::deque<Envelope>& network() { return network_; }
  void set_down(ReplicaIndex index, bool down) { down_[index] = down; }
  std::function<bool(const Envelope&)> drop_filter;

  void start(ReplicaIndex index) {
    Effects out;
    replicas_[index]->start(now_, out);
    apply(index, std::move(out));
  }
  void start_all() {
    for (ReplicaIndex i = 0; i < size(); ++i) start(i);
  }
  void submit(ReplicaIndex index, const ClientRequest& request) {
    Effects out;
    replicas_[index]->on_client_request(request, now_, out);
    apply(index, std::move(out));
  }
  void submit_all(const ClientRequest& request) {
    for (ReplicaIndex i = 0; i < size(); ++i) submit(i, request);
  }
  // Hands `message` to `to` as if the transport said `from` sent it.
  void inject(ReplicaIndex from, ReplicaIndex to, const Message& message) {
    Effects out;
    replicas_[to]->on_message(from, message, now_, out);
    apply(to, std::move(out));
  }

  // Moves time to `index`'s armed deadline (never backwards) and fires it.
  void fire_timer(ReplicaIndex index) {
    const auto& record = records_[index];
    BFTSIM_ASSERT(record.timer_at.has_value());
    if (*record.timer_at > now_) now_ = *record.timer_at;
    Effects out;
    replicas_[index]->on_timer(TimerKind::view, now_, out);
    apply(index, std::move(out));
  }

  // Moves time to `index`'s fetch timer deadline (never backwards) and fires it.
  void fire_fetch_timer(ReplicaIndex index) {
    auto& record = records_[index];
    BFTSIM_ASSERT(record.fetch_timer_at.has_value());
    if (*record.fetch_timer_at > now_) now_ = *record.fetch_timer_at;
    record.fetch_timer_at.reset();
    Effects out;
    replicas_[index]->on_timer(TimerKind::fetch, now_, out);
    apply(index, std::move(out));
  }

  // Delivers the oldest queued message; false when the queue is empty.
  bool step() {
    if (network_.empty()) return false;
    Envelope envelope = std::move(network_.front());
    network_.pop_front();
    if (down_[envelope.to]) return true;
    if (drop_filter && drop_filter(envelope)) return true;
    inject(envelope.from, envelope.to, envelope.message);
    return true;
  }
  // Delivers until the queue is empty or steps_max deliveries; returns the count.
  std::size_t run(std::size_t steps_max = 100'000) {
    std::size_t steps = 0;
    while (steps < steps_max && step()) ++steps;
    return steps;
  }
  // Delivers until `done()` holds (true) or the queue empties or steps_max (false).
  bool run_until(const std::function<bool()>& done, std::size_t steps_max = 100'000) {
    for (std::size_t steps = 0; steps < steps_max; ++steps) {
      if (done()) return true;
      if (!step()) return done();
    }
    return done();
  }
  bool all_committed(Height height, const std::vector<ReplicaIndex>& which) {
    for (ReplicaIndex i : which)
      if (replicas_[i]->committed_height() < height) return false;
    return true;
  }
  bool all_committed(Height height) {
    for (ReplicaIndex i = 0; i < size(); ++i)
      if (replicas_[i]->committed_height() < height) return false;
    return true;
  }

  // ---- records ----
  const std::vector<Effects>& batches(ReplicaIndex index) const { return records_[index].batches; }
  const std::vector<CommittedBlock>& commits(ReplicaIndex index) const {
    return records_[index].commits;
  }
  const std::vector<ClientReply>& replies(ReplicaIndex index) const {
    return records_[index].replies;
  }
  const std::optional<SafetyState>& last_persist(ReplicaIndex index) const {
    return records_[index].last_persist;
  }
  std::optional<Instant> timer_at(ReplicaIndex index) const { return records_[index].timer_at; }
  // The fetch timer's pending deadline (cleared when fire_fetch_timer fires it).
  std::optional<Instant> fetch_timer_at(ReplicaIndex index) const {
    return records_[index].fetch_timer_at;
  }

  // Effects of `index` matching `pred`, over all batches.
  template <typename T, typename Pred>
  std::vector<T> find_effects(ReplicaIndex index, Pred pred) const {
    std::vector<T> found;
    for (const auto& batch : records_[index].batches)
      for (const auto& effect : batch)
        if (const T* typed = std::get_if<T>(&effect); typed != nullptr && pred(*typed))
          found.push_back(*typed);
    return found;
  }
  std::size_t count_notes(ReplicaIndex index, NoteKind kind, View view) const {
    return find_effects<NoteEffect>(index, [&](const NoteEffect& note) {
             return note.kind == kind && note.view == view;
           }).size();
  }
  // Every vote `index` sent (broadcast or to one replica).
  std::vector<Vote> votes_sent(ReplicaIndex index) const {
    std::vector<Vote> votes;
    for (const auto& batch : records_[index].batches)
      for (const auto& effect : batch) {
        const Message* message = nullptr;
        if (const auto* send = std::get_if<SendEffect>(&effect)) message = &send->message;
        if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect))
          message = &broadcast->message;
        if (message != nullptr)
          if (const auto* vote = std::get_if<Vote>(message)) votes.push_back(*vote);
      }
    return votes;
  }
  // How many votes `index` sent for `view`.
  std::size_t votes_in_view(ReplicaIndex index, View view) const {
    std::size_t count = 0;
    for (const Vote& vote : votes_sent(index)) count += vote.view == view ? 1 : 0;
    return count;
  }

  // Records `effects` of replica `index` and queues its messages.
  void apply(ReplicaIndex index, Effects effects) {
    auto& record = records_[index];
    for (const auto& effect : effects) {
      if (const auto* send = std::get_if<SendEffect>(&effect)) {
        BFTSIM_ASSERT(send->to != index);
        if (!down_[index]) network_.push_back(Envelope{index, send->to, send->message});
      } else if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect)) {
        for (ReplicaIndex to = 0; to < size(); ++to)
          if (to != index && !down_[index])
            network_.push_back(Envelope{index, to, broadcast->message});
      } else if (const auto* timer = std::get_if<SetTimerEffect>(&effect)) {
        (timer->timer == TimerKind::view ? record.timer_at : record.fetch_timer_at) = timer->at;
      } else if (const auto* persist = std::get_if<PersistEffect>(&effect)) {
        record.last_persist = persist->state;
      } else if (const auto* commit = std::get_if<CommitEffect>(&effect)) {
        ExecutedBlock executed = execute_block(state_machines_[index], *commit->block, index);
        record.commits.push_back(
            {commit->block, commit->block_hash, commit->height, executed.state_digest});
        for (auto& reply : executed.replies) record.replies.push_back(std::move(reply));
      }
    }
    record.batches.push_back(std::move(effects));
  }

 private:
  struct Record {
    std::vector<Effects> batches;
    std::vector<CommittedBlock> commits;
    std::vector<ClientReply> replies;
    std::optional<SafetyState> last_persist;
    std::optional<Instant> timer_at;
    std::optional<Instant> fetch_timer_at;  // TimerKind::fetch, armed while a fetch is outstanding
  };

  ClusterOptions options_;
  std::unique_ptr<KeyRing> keys_;
  Forger forger_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<Record> records_;
  std::vector<KvStateMachine> state_machines_;
  std::vector<bool> down_;
  std::deque<Envelope> network_;
  Instant now_ = 0;
};

}  // namespace bftsim::testing
