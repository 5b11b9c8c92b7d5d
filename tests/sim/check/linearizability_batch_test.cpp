// Tests of batches in the linearizability checker: each operation of a
// batch is its own entry, sharing the batch's call and return, with its own
// result; a wrong result for any one is a violation that names the batch,
// and a batch answered with the wrong number of results is one too.
#include <doctest/doctest.h>

#include <algorithm>

#include "sim/check/linearizability.h"

namespace bftsim::test_sim_check_linearizability_batch_test {
namespace {

Operation op(OpType type, std::string key, std::string value = {}) {
  return Operation{type, std::move(key), std::move(value), {}, {}};
}

HistoryOp entry(std::uint64_t id, Operation operation, Instant invoked, Instant completed, OpResult result) {
  return HistoryOp{.id = id, .client = id, .number = 1, .op = std::move(operation), .invoked_at = invoked,
                   .completed_at = completed, .result = std::move(result)};
}

HistoryOp batch_entry(std::uint64_t id, std::vector<Operation> ops, Instant invoked, Instant completed,
                      std::vector<OpResult> results) {
  Operation batch{OpType::batch, {}, {}, {}, {}};
  batch.ops = std::move(ops);
  OpResult result{ResultStatus::ok, std::nullopt};
  result.results = std::move(results);
  return entry(id, std::move(batch), invoked, completed, std::move(result));
}

}  // namespace

TEST_CASE("linearizability: each operation of a batch is checked with its own result") {
  const OpResult ok{ResultStatus::ok, std::nullopt};
  const OpResult read_1{ResultStatus::ok, "1"};
  const OpResult read_2{ResultStatus::ok, "2"};
  // Batch 1 writes a=1 then reads it; a later single get reads 1.
  std::vector<HistoryOp> history{
      batch_entry(1, {op(OpType::put, "a", "1"), op(OpType::get, "a"), op(OpType::put, "b", "2")}, 0, 10,
                  {ok, read_1, ok}),
      entry(2, op(OpType::get, "a"), 20, 30, read_1),
      entry(3, op(OpType::get, "b"), 20, 30, read_2)};
  CHECK(check_linearizability(history).linearizable);

  // The batch's own read reports a value never written: a violation naming the batch.
  history[0] = batch_entry(1, {op(OpType::put, "a", "1"), op(OpType::get, "a"), op(OpType::put, "b", "2")}, 0, 10,
                           {ok, read_2, ok});
  const LinearizabilityResult bad = check_linearizability(history);
  CHECK_FALSE(bad.linearizable);
  CHECK(bad.key == "a");
  CHECK(std::find(bad.op_ids.begin(), bad.op_ids.end(), 1u) != bad.op_ids.end());

  // Two results for three operations.
  history[0] = batch_entry(1, {op(OpType::put, "a", "1"), op(OpType::get, "a"), op(OpType::put, "b", "2")}, 0, 10,
                           {ok, read_1});
  const LinearizabilityResult short_batch = check_linearizability(history);
  CHECK_FALSE(short_batch.linearizable);
  CHECK(short_batch.op_ids == std::vector<std::uint64_t>{1});
  CHECK(short_batch.explanation.find("a batch of 3 operations answered with 2 results") != std::string::npos);
}

}  // namespace bftsim::test_sim_check_linearizability_batch_test
