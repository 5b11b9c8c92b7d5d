#include "core/node/executor.h"

#include "core/types/assert.h"

namespace bftsim {

ExecutedBlock execute_block(KvStateMachine& machine, const Block& block, ReplicaIndex replica) {
  BFTSIM_ASSERT(block.height >= machine.last_applied_height());
  ExecutedBlock executed;
  for (const ClientRequest& request : block.batch) {
    ApplyOutcome outcome = machine.apply(request.client, request.number, request.op, block.height);
    if (outcome.kind == ApplyOutcome::Kind::stale) continue;  // too old to answer
    executed.replies.push_back(ClientReply{request.client, request.number, replica,
                                           outcome.height, std::move(outcome.result)});
  }
  executed.state_digest = machine.digest();
  return executed;
}

}  // namespace bftsim
