// Linearizability checker: see linearizability.h. Each key's sub-history is
// a list of single-key steps (linearizability/projection.h). Quick proofs
// catch impossible results and stale reads without a search (quick_proof.h);
// otherwise the search is Lowe's memoizing form of Wing & Gong's algorithm
// over call and return events, as in Porcupine, with pruning (search.h). A
// violation is then shrunk to a short window that still fails on its own
// (minimizer.h) and explained (explanation.h). Keys with read-modify-write
// ops take their own search (rmw_search.h).
#include "sim/check/linearizability.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/check/linearizability/explanation.h"
#include "sim/check/linearizability/minimizer.h"
#include "sim/check/linearizability/projection.h"
#include "sim/check/linearizability/quick_proof.h"
#include "sim/check/linearizability/rmw_search.h"
#include "sim/check/linearizability/search.h"

namespace bftsim {

using namespace lin;

namespace {

// A batch's operations are separate operations that share its call and
// return (a batch is not atomic): each gets its own entry, with its own
// result, checked like any other. Entries get fresh ids; reports name the
// batch's id.
LinearizabilityResult check_expanded(const std::vector<HistoryOp>& history, std::uint64_t step_budget) {
  std::vector<HistoryOp> expanded;
  std::vector<std::uint64_t> original_id;
  for (const HistoryOp& op : history) {
    if (op.op.type != OpType::batch) {
      expanded.push_back(op);
      original_id.push_back(op.id);
      continue;
    }
    if (op.result && op.result->results.size() != op.op.ops.size()) {
      LinearizabilityResult bad;
      bad.linearizable = false;
      bad.op_ids = {op.id};
      bad.explanation = fmt::format("a batch of {} operations answered with {} results:\n{}", op.op.ops.size(),
                                    op.result->results.size(), describe_history_op(op, std::nullopt));
      return bad;
    }
    for (std::size_t i = 0; i < op.op.ops.size(); ++i) {
      HistoryOp entry = op;
      entry.op = op.op.ops[i];
      if (op.result) entry.result = op.result->results[i];
      expanded.push_back(std::move(entry));
      original_id.push_back(op.id);
    }
  }
  for (std::size_t i = 0; i < expanded.size(); ++i) expanded[i].id = i;
  LinearizabilityResult result = check_linearizability(expanded, step_budget);
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id : result.op_ids)  // keeps invocation order; a batch named once
    if (std::find(ids.begin(), ids.end(), original_id.at(id)) == ids.end()) ids.push_back(original_id.at(id));
  result.op_ids = std::move(ids);
  return result;
}

}  // namespace

LinearizabilityResult check_linearizability(const std::vector<HistoryOp>& history,
                                            std::uint64_t step_budget) {
  BFTSIM_ASSERT(step_budget > 0);
  if (std::any_of(history.begin(), history.end(), [](const HistoryOp& op) { return op.op.type == OpType::batch; }))
    return check_expanded(history, step_budget);
  for (const HistoryOp& op : history) {
    BFTSIM_ASSERT(op.completed_at.has_value() == op.result.has_value());
    BFTSIM_ASSERT(!op.completed_at || *op.completed_at >= op.invoked_at);
  }

  // Invocation order, ties by id, so the input's order cannot matter.
  std::vector<std::size_t> order(history.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&history](std::size_t a, std::size_t b) {
    if (history[a].invoked_at != history[b].invoked_at) {
      return history[a].invoked_at < history[b].invoked_at;
    }
    return history[a].id < history[b].id;
  });
  std::map<std::string, std::vector<std::size_t>> sources_by_key;
  for (std::size_t source : order) {
    for (const std::string& key : touched_keys(history[source].op)) {
      sources_by_key[key].push_back(source);
    }
  }

  LinearizabilityResult result;
  // A txn with no conditions and no writes touches no key; the model still
  // answers it ok with no value, and nothing else.
  for (std::size_t source : order) {
    const HistoryOp& op = history[source];
    if (!touched_keys(op.op).empty() || !op.result) continue;
    if (*op.result == OpResult{ResultStatus::ok, std::nullopt}) continue;
    result.linearizable = false;
    result.op_ids = {op.id};
    result.explanation = "a txn with no conditions and no writes must answer ok with no value:\n" +
                         describe_history_op(op, std::nullopt);
    return result;
  }
  for (const auto& [key, sources] : sources_by_key) {
    const bool read_modify_write = std::any_of(sources.begin(), sources.end(), [&](std::size_t source) {
      const OpType type = history[source].op.type;
      return type == OpType::incr || type == OpType::append;
    });
    if (read_modify_write) {
      RmwKeyOutcome outcome = check_rmw_key(history, sources, key, step_budget, result.step_count);
      if (outcome.kind == RmwKeyOutcome::Kind::linearizable) continue;
      if (outcome.kind == RmwKeyOutcome::Kind::exhausted) {
        result.exhausted = true;
        result.exhausted_keys.push_back(key);
        continue;
      }
      result.linearizable = false;
      result.key = key;
      result.op_ids = outcome.op_ids;
      result.explanation = fmt::format("no order of the {} ops on key {} (it has read-modify-write ops) fits the KV model:\n",
                                       sources.size(), quote(key));
      for (std::size_t source : sources) result.explanation += describe_history_op(history[source], std::nullopt) + "\n";
      break;
    }
    ValueTable values;
    std::vector<KeyOp> ops = project_key(history, sources, key, std::nullopt, values);
    // Some failures need no search.
    std::optional<Instant> frontier;
    Outcome outcome = Outcome::violation;
    if (!quick_proof(ops)) {
      KeySearch search(ops, values.fresh_id());
      outcome = search.run(absent_id, step_budget, result.step_count);
      frontier = search.frontier();
    }
    if (outcome == Outcome::linearizable) continue;
    if (outcome == Outcome::exhausted) {
      result.exhausted = true;
      result.exhausted_keys.push_back(key);
      continue;
    }
    const std::size_t key_op_count = ops.size();
    const lin::Window window =
        minimize_failure(history, sources, key, values, step_budget, result.step_count, std::move(ops), frontier);
    result.linearizable = false;
    result.key = key;
    for (const KeyOp& op : window.ops) result.op_ids.push_back(history[op.source].id);
    result.explanation = explain(history, key, key_op_count, window);
    break;
  }
  return result;
}

}  // namespace bftsim
