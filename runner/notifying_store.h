// NotifyingStore: bft-node's NodeStore, the LSM store with a call after
// every successful persist (where bft-node asks for the sync that makes it
// durable, node_server.h), and a count of the ns spent inside the store's
// calls for BFT_TRACE (stage_trace.h). Wraps a store that must outlive it;
// single-threaded, like the Node.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/node/node_store.h"
#include "runner/stage_trace.h"

namespace bftsim::runner {

class NotifyingStore final : public NodeStore {
 public:
  NotifyingStore(NodeStore& inner, std::function<void()> after_persist, std::int64_t& store_ns)
      : inner_(inner), after_persist_(std::move(after_persist)), store_ns_(store_ns) {}
  Result<RecoveredState> recover() override { return inner_.recover(); }
  Result<std::vector<std::shared_ptr<const Block>>> committed_ancestors(const CommittedAnchor& anchor,
                                                                        std::size_t count) override {
    return inner_.committed_ancestors(anchor, count);
  }
  Status persist_safety(const SafetyState& state) override {
    const std::int64_t start = trace_clock_ns();
    auto status = inner_.persist_safety(state);
    store_ns_ += trace_clock_ns() - start;
    if (status) after_persist_();
    return status;
  }
  Status record_block(const Block& block, const Hash32& hash) override {
    const std::int64_t start = trace_clock_ns();
    auto status = inner_.record_block(block, hash);
    store_ns_ += trace_clock_ns() - start;
    return status;
  }
  Status record_commit(const Block& block, const Hash32& hash, KvStateMachine& machine) override {
    const std::int64_t start = trace_clock_ns();
    auto status = inner_.record_commit(block, hash, machine);
    store_ns_ += trace_clock_ns() - start;
    return status;
  }
  Result<KvStateMachine> install_state(const Block& block, const Hash32& hash, const std::vector<KeyValue>& pairs,
                                       const std::vector<SnapshotReply>& replies) override {
    return inner_.install_state(block, hash, pairs, replies);
  }

 private:
  NodeStore& inner_;
  std::function<void()> after_persist_;
  std::int64_t& store_ns_;
};

}  // namespace bftsim::runner
