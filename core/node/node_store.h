// NodeStore: what a Node keeps across a crash. The Node writes through it and
// reads it back once, on start. Two promises: persist_safety() is durable when
// it returns ok (the vote that depends on it leaves only after), and
// record_commit() is durable no later than the next persist_safety() (group
// commit: one sync covers every commit before it).
// Implementations: MemoryNodeStore (below; a "disk" that never fails, for
// unit tests and drivers without storage) and the LSM-backed store.
#pragma once

#include <memory>
#include <optional>

#include "core/consensus/effects.h"
#include "core/kv/state_machine.h"
#include "core/protocol/messages.h"
#include "core/types/result.h"

namespace bftsim {

// What recover() found.
struct RecoveredState {
  std::optional<SafetyState> safety;  // none on a fresh store
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // Called once, before anything is written in this run.
  virtual Result<RecoveredState> recover() = 0;
  virtual Status persist_safety(const SafetyState& state) = 0;
  // The replica committed `block`; `machine` holds the state after executing it.
  virtual Status record_commit(const Block& block, const Hash32& block_hash,
                               const KvStateMachine& machine) = 0;
};

// Keeps the safety state in memory; outlives the Nodes that use it, so a
// restarted Node finds it. Blocks and KV are not kept: a restarted replica
// fetches and re-executes the chain.
class MemoryNodeStore final : public NodeStore {
 public:
  Result<RecoveredState> recover() override { return RecoveredState{safety_}; }
  Status persist_safety(const SafetyState& state) override {
    safety_ = state;
    return {};
  }
  Status record_commit(const Block&, const Hash32&, const KvStateMachine&) override { return {}; }
  const std::optional<SafetyState>& safety() const { return safety_; }

 private:
  std::optional<SafetyState> safety_;
};

}  // namespace bftsim
