// Node: one replica with its storage and its state machine, the driver that
// both the simulator (sim/simulation*.cpp) and bft-node use. It feeds inputs
// to the sans-IO Replica and applies the effects in order:
//   Persist  -> NodeStore::persist_safety, durable before any later effect
//               (or, with a store that leaves the sync to its host, as
//               bft-node's does, the host holds every later Send, Broadcast
//               and reply until it is);
//   StoreBlock -> NodeStore::record_block, durable with the next Persist (so
//               before the vote for the block leaves); recovered on start;
//   Commit   -> execute the block on the KV state machine, record it in the
//               store, report it, and answer the clients;
//   Send, Broadcast, SetTimer, Note -> the host.
// It also serves and installs state transfers (state_transfer.h): the
// replica asks, the Node answers StateRequests from its KV state and installs
// a verified StateResponse into its store, then hands the block to the replica.
// If the store fails, the Node stops: it drops the effects that follow (a
// vote must not leave when its safety state is not durable) and ignores
// every later input; stop_reason() says why. A host treats it as crashed.
// Threading: one thread at a time. The host must not call back into the Node
// from its callbacks.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/consensus/effects.h"
#include "core/consensus/replica.h"
#include "core/kv/state_machine.h"
#include "core/node/node_store.h"
#include "core/node/state_transfer.h"

namespace bftsim {

// What the Node reports of each commit.
struct CommittedBlock {
  std::shared_ptr<const Block> block;
  Hash32 block_hash;
  Height height = 0;
  Hash32 state_digest;  // after executing the block
};

// The Node's environment: the simulator's network and event queue, or
// bft-node's sockets and timers.
class NodeHost {
 public:
  virtual ~NodeHost() = default;
  virtual void send(ReplicaIndex to, const Message& message) = 0;
  // To every other replica.
  virtual void broadcast(const Message& message) = 0;
  virtual void reply(const ClientReply& reply) = 0;
  // Arm `timer` for `at`, replacing its pending time.
  virtual void set_timer(TimerKind timer, Instant at) = 0;
  // Observations for checkers and metrics; they change nothing.
  virtual void committed(const CommittedBlock& /*commit*/) {}
  // The Node installed a state transferred from peers: it now holds the
  // state after `state.block`, skipping the heights between.
  virtual void state_installed(const CommittedBlock& /*state*/) {}
  virtual void note(const NoteEffect& /*note*/) {}
};

class Node {
 public:
  // `store` and `host` must outlive the Node; the store outlives restarts.
  Node(const ReplicaConfig& config, std::unique_ptr<Signer> signer,
       std::shared_ptr<const Verifier> verifier, NodeStore& store, NodeHost& host);

  // Recovers from the store and starts the replica. An error from the store
  // stops the Node (and is returned).
  Status start(Instant now);
  void on_message(ReplicaIndex from, const Message& message, Instant now);
  // The same for a message several receivers share (Replica::on_message):
  // a proposal's block is shared, not copied, and hashed once.
  void on_message(ReplicaIndex from, const std::shared_ptr<const SharedMessage>& shared, Instant now);
  void on_timer(TimerKind timer, Instant now);
  void on_client_request(const ClientRequest& request, Instant now);

  bool stopped() const { return stop_reason_.has_value(); }
  const std::optional<std::string>& stop_reason() const { return stop_reason_; }
  const Replica& replica() const { return replica_; }
  const KvStateMachine& state_machine() const { return state_machine_; }
  std::uint64_t states_installed() const { return states_installed_; }
  std::uint64_t state_offers_rejected() const { return transfer_.rejected_count(); }

 private:
  void on_message(ReplicaIndex from, const Message& message, Instant now,
                  const std::shared_ptr<const SharedMessage>& shared);
  void apply(Effects& effects);
  void commit(const CommitEffect& commit);
  void answer_state_request(ReplicaIndex from, const StateRequest& request, Instant now);
  void on_state_response(ReplicaIndex from, StateResponse response, Instant now);
  void stop(const Error& error, const char* during);

  Replica replica_;
  KvStateMachine state_machine_;
  NodeStore& store_;
  NodeHost& host_;
  StateTransfer transfer_;
  Effects effects_;
  bool started_ = false;
  std::uint64_t states_installed_ = 0;
  std::optional<std::string> stop_reason_;
};

}  // namespace bftsim
