// Tests of a batch operation in KvStateMachine: its operations run in order,
// each on its own with its own result (not atomic: a failed one writes
// nothing and the rest still run), the batch is applied at most once like
// any request, and its cached reply (all the results) survives encoding and
// restoring, while damaged records are refused.
#include <doctest/doctest.h>

#include "core/kv/state_machine.h"

namespace bftsim::test_kv_batch_apply_test {
namespace {

Operation op(OpType type, std::string key, std::string value = {}) {
  return Operation{type, std::move(key), std::move(value), {}, {}};
}

Operation batch_of(std::vector<Operation> ops) {
  Operation batch{OpType::batch, {}, {}, {}, {}};
  batch.ops = std::move(ops);
  return batch;
}

OpResult result(ResultStatus status, std::optional<std::string> value = std::nullopt) {
  return OpResult{status, std::move(value)};
}

}  // namespace

TEST_CASE("batch apply: in order, one result per operation, a failure does not stop the rest") {
  KvStateMachine machine;
  const Operation batch = batch_of({op(OpType::put, "a", "1"), op(OpType::get, "a"), op(OpType::put, "s", "text"),
                                    op(OpType::incr, "s", "1"), op(OpType::incr, "a", "41"), op(OpType::del, "zz"),
                                    op(OpType::get, "a")});
  const ApplyOutcome outcome = machine.apply(5, 1, batch, 10);
  CHECK(outcome.kind == ApplyOutcome::Kind::applied);
  CHECK(outcome.result.status == ResultStatus::ok);
  CHECK(outcome.result.results ==
        std::vector<OpResult>{result(ResultStatus::ok), result(ResultStatus::ok, "1"), result(ResultStatus::ok),
                              result(ResultStatus::not_integer), result(ResultStatus::ok, "42"),
                              result(ResultStatus::not_found), result(ResultStatus::ok, "42")});
  CHECK(machine.store().get("s") == "text");  // the failed incr wrote nothing
  CHECK(machine.applied_count() == 1);        // one request

  // The same request again is a duplicate with every result; nothing re-runs.
  const ApplyOutcome again = machine.apply(5, 1, batch, 11);
  CHECK(again.kind == ApplyOutcome::Kind::duplicate);
  CHECK(again.result == outcome.result);
  CHECK(again.height == 10);
  CHECK(machine.store().get("a") == "42");

  // The digest equals that of the same operations sent one by one.
  KvStateMachine single;
  RequestNumber number = 1;
  for (const Operation& inner : batch.ops) single.apply(6, number++, inner, 10);
  CHECK(single.digest() == machine.digest());
}

TEST_CASE("batch apply: the cached reply with its results is restored exactly; damage is refused") {
  KvStateMachine a;
  a.apply(5, 1, batch_of({op(OpType::put, "k", "v"), op(OpType::get, "k"), op(OpType::get, "none")}), 3);
  const KvStateMachine::ReplyKey key{5, 1};
  const std::vector<std::uint8_t> good = a.encode_cached_reply(key);
  KvStateMachine b;
  REQUIRE(b.restore_cached_reply(key, good));
  REQUIRE(b.finish_restore());
  const ApplyOutcome restored = b.apply(5, 1, op(OpType::get, "ignored"), 4);
  CHECK(restored.kind == ApplyOutcome::Kind::duplicate);
  CHECK(restored.result.results ==
        std::vector<OpResult>{result(ResultStatus::ok), result(ResultStatus::ok, "v"), result(ResultStatus::not_found)});
  CHECK(b.encode_cached_reply(key) == good);

  for (std::size_t size = 0; size < good.size(); ++size) {
    KvStateMachine c;
    CHECK_FALSE(c.restore_cached_reply(key, std::span<const std::uint8_t>(good.data(), size)));
  }
  std::vector<std::uint8_t> zero_results = good;
  // u64 height, status|0x80, has_value 0, then the u32 count: make it 0.
  REQUIRE(zero_results.at(8) == 0x80);
  zero_results.at(10) = 0;
  zero_results.resize(14);
  KvStateMachine d;
  CHECK_FALSE(d.restore_cached_reply(key, zero_results));
}

}  // namespace bftsim::test_kv_batch_apply_test
