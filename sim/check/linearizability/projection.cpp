// Projecting a history onto one key (projection.h).
#include "sim/check/linearizability/projection.h"

#include <utility>

#include "core/types/assert.h"

namespace bftsim::lin {
namespace {

// Every condition holds: the state equals each expected value.
Requirement all_hold(const std::vector<ValueId>& expected) {
  if (expected.empty()) return {};
  for (ValueId value : expected) {
    if (value != expected.front()) return {Require::never, absent_id};
  }
  return {Require::equals, expected.front()};
}

// Some condition fails: the state differs from at least one expected value.
Requirement some_fails(const std::vector<ValueId>& expected) {
  if (expected.empty()) return {Require::never, absent_id};
  for (ValueId value : expected) {
    if (value != expected.front()) return {};
  }
  return {Require::not_equals, expected.front()};
}


std::optional<KeyOp> project_txn(const HistoryOp& op, bool completed, const std::string& key,
                                 KeyOp out, ValueTable& values) {
  std::vector<ValueId> expected;
  bool conditions_elsewhere = false;
  for (const TxnCondition& condition : op.op.conditions) {
    if (condition.key == key) {
      expected.push_back(values.intern(condition.expected));
    } else {
      conditions_elsewhere = true;
    }
  }
  std::optional<ValueId> last_write;
  for (const TxnWrite& write : op.op.writes) {
    if (write.key != key) continue;
    last_write = write.is_delete ? absent_id : values.intern(write.value);
  }

  if (completed && op.result->value) {
    out.requirement = {Require::never, absent_id};  // a txn returns no value
    return out;
  }
  if (!completed) {
    // It may apply (its conditions then held) or not; only a write matters.
    out.requirement = all_hold(expected);
    if (!last_write || out.requirement.kind == Require::never) return std::nullopt;
    out.write = last_write;
    return out;
  }
  switch (op.result->status) {
    case ResultStatus::ok:
      out.requirement = all_hold(expected);
      out.write = last_write;
      return out;
    case ResultStatus::condition_failed:
      // The failed condition may be on any key. Only when every condition is
      // on this key do we learn something here (some condition of it fails).
      // With conditions on several keys the txn is a no-op on each of them:
      // sound, but weaker than checking the keys jointly.
      if (conditions_elsewhere) return std::nullopt;
      out.requirement = some_fails(expected);
      return out;
    case ResultStatus::not_found:
    case ResultStatus::not_integer:
    case ResultStatus::too_large:
      break;
  }
  out.requirement = {Require::never, absent_id};
  return out;
}

// Results are checked exactly as the state machine gives them: a put, del or
// txn result carrying a value is impossible, like a put answered not_found.
//
// `op` as seen on `key` in the history cut at `cut` (ops invoked after it
// left out, ops completed after it pending); nullopt when it cannot
// constrain the key.
std::optional<KeyOp> project(const HistoryOp& op, std::size_t source, const std::string& key,
                             std::optional<Instant> cut, ValueTable& values) {
  if (cut && op.invoked_at > *cut) return std::nullopt;
  const bool completed = op.completed_at && (!cut || *op.completed_at <= *cut);
  KeyOp out{.source = source,
            .invoked_at = op.invoked_at,
            .completed_at = completed ? op.completed_at : std::nullopt,
            .optional = !completed,
            .requirement = {},
            .write = std::nullopt};
  std::optional<KeyOp> projected;
  switch (op.op.type) {
    case OpType::get:
      if (!completed) return std::nullopt;  // a read with no answer says nothing
      if (op.result->status == ResultStatus::ok && op.result->value) {
        out.requirement = {Require::equals, values.intern(op.result->value)};
      } else if (op.result->status == ResultStatus::not_found && !op.result->value) {
        out.requirement = {Require::equals, absent_id};
      } else {
        out.requirement = {Require::never, absent_id};
      }
      projected = out;
      break;
    case OpType::put:
      out.write = values.intern(op.op.value);
      if (completed && (op.result->status != ResultStatus::ok || op.result->value)) {
        out.requirement = {Require::never, absent_id};
      }
      projected = out;
      break;
    case OpType::del:
      // A pending del leaves the key absent whether or not it was present.
      out.write = absent_id;
      if (completed) {
        if (op.result->value) {
          out.requirement = {Require::never, absent_id};
        } else if (op.result->status == ResultStatus::ok) {
          out.requirement = {Require::not_equals, absent_id};
        } else if (op.result->status == ResultStatus::not_found) {
          out.requirement = {Require::equals, absent_id};
          out.write = std::nullopt;
        } else {
          out.requirement = {Require::never, absent_id};
        }
      }
      projected = out;
      break;
    case OpType::txn:
      projected = project_txn(op, completed, key, out, values);
      break;
    case OpType::incr:
    case OpType::append:
      BFTSIM_ASSERT(false);  // keys with read-modify-write ops go to check_rmw_key
      break;
    case OpType::batch:
      BFTSIM_ASSERT(false);  // check_linearizability expands batches first
      break;
  }
  // A completed op that accepts every state and writes nothing always fits.
  if (projected && projected->completed_at && projected->requirement.kind == Require::any &&
      !projected->write) {
    return std::nullopt;
  }
  return projected;
}

}  // namespace

// The keys an op touches, sorted.
std::set<std::string> touched_keys(const Operation& op) {
  std::set<std::string> keys;
  if (op.type != OpType::txn) {
    keys.insert(op.key);
    return keys;
  }
  for (const TxnCondition& condition : op.conditions) keys.insert(condition.key);
  for (const TxnWrite& write : op.writes) keys.insert(write.key);
  return keys;
}

// `sources` are history indices in invocation order; so is the result.
std::vector<KeyOp> project_key(const std::vector<HistoryOp>& history,
                               const std::vector<std::size_t>& sources, const std::string& key,
                               std::optional<Instant> cut, ValueTable& values) {
  std::vector<KeyOp> ops;
  for (std::size_t source : sources) {
    if (auto op = project(history[source], source, key, cut, values)) ops.push_back(*op);
  }
  return ops;
}

}  // namespace bftsim::lin
