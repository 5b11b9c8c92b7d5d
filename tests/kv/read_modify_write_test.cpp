// Tests of the read-modify-write operations of the KV state machine
// (core/kv/state_machine.h): incr adds a decimal delta to a decimal 64-bit
// value (absent is 0) and returns the sum; append appends and returns the new
// length; a non-integer, an overflow or an over-long append writes nothing.
// Also parse_int64's Redis rules, and the codec's acceptance of the new types.
#include <doctest/doctest.h>

#include <limits>

#include "core/codec/limits.h"
#include "core/kv/state_machine.h"
#include "core/protocol/codec.h"

namespace bftsim::test_kv_read_modify_write_test {
namespace {

struct Driver {
  KvStateMachine machine;
  RequestNumber next_number = 1;
  OpResult run(OpType type, const std::string& key, const std::string& value = {}) {
    ApplyOutcome outcome = machine.apply(1, next_number, Operation{type, key, value, {}, {}}, next_number);
    ++next_number;
    REQUIRE(outcome.kind == ApplyOutcome::Kind::applied);
    return outcome.result;
  }
  std::optional<std::string> value(const std::string& key) { return run(OpType::get, key).value; }
};

OpResult ok(std::string value) { return OpResult{ResultStatus::ok, std::move(value)}; }
const OpResult not_integer{ResultStatus::not_integer, std::nullopt};

}  // namespace

TEST_CASE("kv_rmw: incr") {
  Driver d;
  CHECK(d.run(OpType::incr, "n", "1") == ok("1"));  // absent counts as 0
  CHECK(d.run(OpType::incr, "n", "41") == ok("42"));
  CHECK(d.run(OpType::incr, "n", "-50") == ok("-8"));
  CHECK(d.value("n") == "-8");
  d.run(OpType::put, "text", "abc");
  CHECK(d.run(OpType::incr, "text", "1") == not_integer);
  CHECK(d.value("text") == "abc");  // nothing written
  CHECK(d.run(OpType::incr, "n", "x") == not_integer);
  CHECK(d.run(OpType::incr, "n", "+1") == not_integer);
  d.run(OpType::put, "max", std::to_string(std::numeric_limits<std::int64_t>::max()));
  CHECK(d.run(OpType::incr, "max", "1") == not_integer);  // overflow
  CHECK(d.value("max") == std::to_string(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("kv_rmw: append") {
  Driver d;
  CHECK(d.run(OpType::append, "s", "ab") == ok("2"));
  CHECK(d.run(OpType::append, "s", "cde") == ok("5"));
  CHECK(d.value("s") == "abcde");
  d.run(OpType::put, "big", std::string(value_size_bytes_max - 1, 'x'));
  CHECK(d.run(OpType::append, "big", "y") == ok(std::to_string(value_size_bytes_max)));
  CHECK(d.run(OpType::append, "big", "z") == OpResult{ResultStatus::too_large, std::nullopt});
  CHECK(d.value("big")->size() == value_size_bytes_max);
}

TEST_CASE("kv_rmw: the digest follows incr and append like puts") {
  // Goal: replicas that apply the same ops agree on the digest, and it equals
  // the digest of the same pairs written by puts.
  Driver rmw;
  rmw.run(OpType::incr, "n", "5");
  rmw.run(OpType::append, "s", "hi");
  Driver puts;
  puts.run(OpType::put, "n", "5");
  puts.run(OpType::put, "s", "hi");
  CHECK(rmw.machine.digest() == puts.machine.digest());
}

TEST_CASE("kv_rmw: parse_int64 follows Redis") {
  CHECK(parse_int64("0") == 0);
  CHECK(parse_int64("-12") == -12);
  CHECK(parse_int64("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_int64("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
  for (const char* bad : {"", "-", "01", "-0", "+1", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1e3", "0x10"})
    CHECK_MESSAGE(!parse_int64(bad), bad);
}

TEST_CASE("kv_rmw: the codec carries incr, append and their statuses") {
  ClientRequest request{1, 1, Operation{OpType::incr, "n", "-3", {}, {}}};
  auto decoded = decode_message(encode_message(request));
  REQUIRE(decoded);
  CHECK(std::get<ClientRequest>(*decoded) == request);
  ClientReply reply{1, 1, 0, 5, OpResult{ResultStatus::too_large, std::nullopt}};
  auto reply_back = decode_message(encode_message(reply));
  REQUIRE(reply_back);
  CHECK(std::get<ClientReply>(*reply_back) == reply);
  auto bytes = encode_message(request);
  bytes.at(2 + 16) = 7;  // one past the last op type
  CHECK_FALSE(decode_message(bytes));
}

}  // namespace bftsim::test_kv_read_modify_write_test
