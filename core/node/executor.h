// Executes a committed block against the KV state machine: each request at
// most once, in batch order, and the replies to send. Shared by the Node and
// by the simulator's Byzantine actors (which run honest replicas inside), so
// there is one definition of "what a commit does to the state".
#pragma once

#include <vector>

#include "core/crypto/hash.h"
#include "core/kv/state_machine.h"
#include "core/protocol/messages.h"

namespace bftsim {

struct ExecutedBlock {
  std::vector<ClientReply> replies;  // one per applied or duplicate request; none for stale ones
  Hash32 state_digest;               // the KV state digest after the block
};

// Requires: block.height >= machine.last_applied_height() (commit order).
ExecutedBlock execute_block(KvStateMachine& machine, const Block& block, ReplicaIndex replica);

}  // namespace bftsim
