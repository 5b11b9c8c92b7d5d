// NodeStore: what a Node keeps across a crash. The Node writes through it and
// reads it back once, on start. Two promises: persist_safety() is durable when
// it returns ok (the vote that depends on it leaves only after), and
// record_block() and record_commit() are durable no later than the next
// persist_safety() (group commit: one sync covers every write before it).
// Implementations: MemoryNodeStore (below: only the safety state, in memory)
// and LsmNodeStore (lsm_node_store.h: everything, on a FileSystem).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/consensus/effects.h"
#include "core/kv/state_machine.h"
#include "core/protocol/messages.h"
#include "core/types/result.h"

namespace bftsim {

// The last block a node executed: its KV state is the one recovered with it.
struct CommittedAnchor {
  std::shared_ptr<const Block> block;
  Hash32 block_hash;
};

// What recover() found.
struct RecoveredState {
  std::optional<SafetyState> safety;         // none on a fresh store
  std::optional<CommittedAnchor> committed;  // none: start from genesis
  KvStateMachine machine;                    // the state after `committed`
  // The blocks record_block() kept above `committed`, by height (forks included).
  std::vector<std::shared_ptr<const Block>> blocks;
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // Called once, before anything is written in this run.
  virtual Result<RecoveredState> recover() = 0;
  // Up to `count` committed blocks below `anchor` (recover()'s), newest
  // first, each the parent of the one before: the committed log, which ends
  // early where this node installed a transferred state. Called after
  // recover(), before anything is written. Stores that keep no log have none.
  virtual Result<std::vector<std::shared_ptr<const Block>>> committed_ancestors(
      const CommittedAnchor& /*anchor*/, std::size_t /*count*/) {
    return std::vector<std::shared_ptr<const Block>>{};
  }
  virtual Status persist_safety(const SafetyState& state) = 0;
  // `block` entered the replica's block tree above its committed height
  // (StoreBlockEffect); recover() returns it until a commit or an installed
  // state reaches its height.
  virtual Status record_block(const Block& block, const Hash32& block_hash) = 0;
  // The replica committed `block`; `machine` holds the state after executing it.
  // Returns an error also when `machine`'s store failed a read while
  // executing the block (then nothing computed from it may leave).
  virtual Status record_commit(const Block& block, const Hash32& block_hash,
                               KvStateMachine& machine) = 0;
  // Replaces the KV state with a transferred one: the state after `block`
  // (committed at block.height), durable when this returns. Returns the state
  // machine over it. The caller checked the pairs and replies.
  virtual Result<KvStateMachine> install_state(const Block& block, const Hash32& block_hash,
                                               const std::vector<KeyValue>& pairs,
                                               const std::vector<SnapshotReply>& replies) = 0;
};

// A state machine over a fresh MemoryKvStore holding `pairs` and `replies`,
// at `height`; ErrorCode::corruption when a reply record is damaged.
Result<KvStateMachine> make_state_machine(const std::vector<KeyValue>& pairs,
                                          const std::vector<SnapshotReply>& replies, Height height);

// Keeps the safety state in memory; outlives the Nodes that use it, so a
// restarted Node finds it. Blocks and KV are not kept: a restarted replica
// fetches and re-executes the chain (from genesis, so kept blocks above it
// would not attach).
class MemoryNodeStore final : public NodeStore {
 public:
  Result<RecoveredState> recover() override { return RecoveredState{safety_, std::nullopt, {}, {}}; }
  Status persist_safety(const SafetyState& state) override {
    safety_ = state;
    return {};
  }
  Status record_block(const Block&, const Hash32&) override { return {}; }
  Status record_commit(const Block&, const Hash32&, KvStateMachine& machine) override {
    machine.forget_changed_replies();
    return {};
  }
  Result<KvStateMachine> install_state(const Block& block, const Hash32&, const std::vector<KeyValue>& pairs,
                                       const std::vector<SnapshotReply>& replies) override {
    return make_state_machine(pairs, replies, block.height);
  }
  const std::optional<SafetyState>& safety() const { return safety_; }

 private:
  std::optional<SafetyState> safety_;
};

}  // namespace bftsim
