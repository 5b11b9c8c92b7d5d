// One key's search with read-modify-write operations (rmw_search.h).
#include "sim/check/linearizability/rmw_search.h"

#include <algorithm>
#include <limits>
#include <set>

#include "core/codec/limits.h"
#include "core/kv/state_machine.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

struct Step {
  std::uint64_t id = 0;
  Instant invoked_at = 0;
  std::optional<Instant> completed_at;  // nullopt: pending, may apply or not
  const HistoryOp* op = nullptr;
};

// A txn's part on `key`: the result it must show on this key (nullopt when
// the history cannot tell), and the state it leaves.
std::optional<std::pair<bool, std::optional<std::string>>> txn_on_key(const Operation& op, const std::string& key,
                                                                      const std::optional<std::string>& state,
                                                                      std::optional<ResultStatus> status) {
  bool holds = true;
  bool conditions_elsewhere = false;
  for (const TxnCondition& condition : op.conditions) {
    if (condition.key != key) {
      conditions_elsewhere = true;
      continue;
    }
    if (state != condition.expected) holds = false;
  }
  std::optional<std::string> after = state;
  for (const TxnWrite& write : op.writes)
    if (write.key == key) after = write.is_delete ? std::nullopt : std::optional<std::string>(write.value);
  if (!status) {  // pending: applies only if its conditions here hold (others unknown)
    return std::pair{holds, holds ? after : state};
  }
  if (*status == ResultStatus::ok) return std::pair{holds, after};
  if (*status == ResultStatus::condition_failed) {
    if (conditions_elsewhere) return std::pair{true, state};  // nothing learned, nothing written
    return std::pair{!holds, state};
  }
  return std::pair{false, state};
}

class Search {
 public:
  Search(std::vector<Step> steps, std::string key, std::uint64_t budget, std::uint64_t& step_count)
      : steps_(std::move(steps)), key_(std::move(key)), budget_(budget), step_count_(step_count),
        done_((steps_.size() + 63) / 64, 0) {}

  RmwKeyOutcome::Kind run() {
    const auto found = dfs(std::nullopt, 0);
    if (!found) return RmwKeyOutcome::Kind::exhausted;
    return *found ? RmwKeyOutcome::Kind::linearizable : RmwKeyOutcome::Kind::violation;
  }

 private:
  bool is_done(std::size_t i) const { return (done_[i / 64] >> (i % 64)) & 1; }
  void flip(std::size_t i) { done_[i / 64] ^= std::uint64_t{1} << (i % 64); }

  // True: the remaining completed ops linearize from `state`; false: they
  // cannot; nullopt: the budget ran out.
  std::optional<bool> dfs(const std::optional<std::string>& state, std::size_t completed_done) {
    if (completed_done == completed_count()) return true;
    if (!failed_.insert({done_, state}).second) return false;
    if (++used_ > budget_) return std::nullopt;
    ++step_count_;
    // The earliest completion among ops not yet linearized bounds which ops may go next.
    Instant horizon = std::numeric_limits<Instant>::max();
    for (std::size_t i = 0; i < steps_.size(); ++i)
      if (!is_done(i) && steps_[i].completed_at) horizon = std::min(horizon, *steps_[i].completed_at);
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (is_done(i)) continue;
      if (steps_[i].invoked_at > horizon) break;  // invocation order
      std::optional<std::optional<std::string>> next = transition(steps_[i], state);
      if (!next) continue;
      flip(i);
      auto found = dfs(*next, completed_done + (steps_[i].completed_at ? 1 : 0));
      flip(i);
      if (!found || *found) return found;
    }
    return false;
  }

  // The state after `step` from `state`, or nullopt when its recorded result
  // cannot come from `state`.
  std::optional<std::optional<std::string>> transition(const Step& step, const std::optional<std::string>& state) const {
    const HistoryOp& op = *step.op;
    const std::optional<OpResult>& recorded = step.completed_at ? op.result : std::nullopt;
    if (op.op.type == OpType::txn) {
      if (recorded && recorded->value) return std::nullopt;  // a txn returns no value
      auto outcome = txn_on_key(op.op, key_, state, recorded ? std::optional(recorded->status) : std::nullopt);
      if (!outcome->first) return std::nullopt;
      return outcome->second;
    }
    auto [result, after] = apply_single_key(op.op, state);
    if (recorded && *recorded != result) return std::nullopt;
    return after;
  }

  std::size_t completed_count() const {
    return static_cast<std::size_t>(std::count_if(steps_.begin(), steps_.end(), [](const Step& step) {
      return step.completed_at.has_value();
    }));
  }

  std::vector<Step> steps_;
  std::string key_;
  std::uint64_t budget_;
  std::uint64_t& step_count_;
  std::uint64_t used_ = 0;
  std::vector<std::uint64_t> done_;
  std::set<std::pair<std::vector<std::uint64_t>, std::optional<std::string>>> failed_;
};

}  // namespace

std::pair<OpResult, std::optional<std::string>> apply_single_key(const Operation& op,
                                                                 const std::optional<std::string>& state) {
  switch (op.type) {
    case OpType::put:
      return {OpResult{ResultStatus::ok, std::nullopt}, op.value};
    case OpType::get:
      if (!state) return {OpResult{ResultStatus::not_found, std::nullopt}, state};
      return {OpResult{ResultStatus::ok, state}, state};
    case OpType::del:
      if (!state) return {OpResult{ResultStatus::not_found, std::nullopt}, state};
      return {OpResult{ResultStatus::ok, std::nullopt}, std::nullopt};
    case OpType::incr: {
      const std::optional<std::int64_t> delta = parse_int64(op.value);
      const std::optional<std::int64_t> base = state ? parse_int64(*state) : std::optional<std::int64_t>(0);
      std::int64_t sum = 0;
      if (!delta || !base || __builtin_add_overflow(*base, *delta, &sum))
        return {OpResult{ResultStatus::not_integer, std::nullopt}, state};
      return {OpResult{ResultStatus::ok, std::to_string(sum)}, std::to_string(sum)};
    }
    case OpType::append: {
      const std::string before = state.value_or(std::string());
      if (before.size() + op.value.size() > value_size_bytes_max)
        return {OpResult{ResultStatus::too_large, std::nullopt}, state};
      return {OpResult{ResultStatus::ok, std::to_string(before.size() + op.value.size())}, before + op.value};
    }
    case OpType::txn:
    case OpType::batch:  // expanded by check_linearizability first
      break;
  }
  BFTSIM_ASSERT(false);  // txns go through txn_on_key
  return {};
}

RmwKeyOutcome check_rmw_key(const std::vector<HistoryOp>& history, const std::vector<std::size_t>& sources,
                            const std::string& key, std::uint64_t step_budget, std::uint64_t& step_count) {
  std::vector<Step> steps;
  for (std::size_t source : sources) {
    const HistoryOp& op = history[source];
    steps.push_back(Step{op.id, op.invoked_at, op.completed_at, &op});
  }
  Search search(steps, key, step_budget, step_count);
  RmwKeyOutcome outcome;
  outcome.kind = search.run();
  if (outcome.kind == RmwKeyOutcome::Kind::violation)
    for (const Step& step : steps) outcome.op_ids.push_back(step.id);
  return outcome;
}

}  // namespace bftsim
