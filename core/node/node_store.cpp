#include "core/node/node_store.h"

#include "core/kv/memory_kv_store.h"

namespace bftsim {

Result<KvStateMachine> make_state_machine(const std::vector<KeyValue>& pairs,
                                          const std::vector<SnapshotReply>& replies, Height height) {
  auto store = std::make_unique<MemoryKvStore>();
  for (const KeyValue& pair : pairs) store->put(pair.key, pair.value);
  KvStateMachine machine(std::move(store));
  for (const SnapshotReply& reply : replies)
    if (auto status = machine.restore_cached_reply({reply.client, reply.number}, reply.record); !status)
      return tl::unexpected(status.error());
  if (auto status = machine.finish_restore(); !status) return tl::unexpected(status.error());
  machine.restore_last_applied_height(height);
  return machine;
}

}  // namespace bftsim
