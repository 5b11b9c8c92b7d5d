// The RESP door's commands, as pure functions: plan_command turns a command
// into the operations it runs through consensus (or a reply it needs none
// for), and render_reply turns their results into the RESP reply. The
// session (client_door.cpp) runs the operations and keeps replies in order.
// Multi-key commands other than MSET run one operation per key (each
// linearizable on its own, not as a snapshot); MSET and MULTI/EXEC run one
// atomic txn.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/protocol/operation.h"

namespace bftsim::runner {

enum class RespRender : std::uint8_t {
  ok,           // +OK once every operation succeeded
  bulk_value,   // GET: the value or nil
  count_ok,     // DEL: how many deletes found their key
  count_found,  // EXISTS: how many gets found their key
  values,       // MGET: an array of values or nils
  integer_value,// INCR, INCRBY, DECR, DECRBY: the new value; APPEND: the new length
  exec,         // EXEC: an array with one reply per queued command
};

struct RespPlan {
  RespRender render = RespRender::ok;
  std::vector<Operation> ops;
  std::vector<RespRender> exec_renders;  // exec: the reply kind of each queued command
};

struct RespAction {
  std::optional<std::string> reply;  // answered at once (an error, PONG, ...)
  std::optional<RespPlan> plan;      // or run these operations
};

// `args` is the command with its name first (any case). Not for the
// connection-state commands (MULTI, EXEC, DISCARD), which the session
// handles; INFO is answered by the caller too (it needs the node).
RespAction plan_command(const std::vector<std::string>& args);

// Combines the plans of the commands queued in MULTI into one txn plan.
// Only SET and MSET may be queued (the txn has only guarded puts and
// deletes and reports no per-write outcome); anything else is an error reply.
RespAction plan_exec(const std::vector<RespPlan>& queued);

// Requires: results.size() == plan.ops.size().
std::string render_reply(const RespPlan& plan, const std::vector<OpResult>& results);

}  // namespace bftsim::runner
