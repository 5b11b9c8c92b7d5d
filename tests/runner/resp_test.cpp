// Tests of the RESP door's parsing and command table (runner/resp_reader.h,
// resp_commands.h): commands split anywhere parse once whole; anything that
// is not an array of bulk strings fails the reader for good; each command
// maps to the operations and reply Redis clients expect.
#include <doctest/doctest.h>

#include <string>

#include "runner/resp_commands.h"
#include "runner/resp_reader.h"

namespace bftsim::runner::test_runner_resp_test {
namespace {

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Feeds `text` and returns the error message, or "" when no error.
std::string reader_error(const std::string& text) {
  RespReader reader;
  reader.feed(bytes(text));
  while (true) {
    auto next = reader.next();
    if (!next) return next.error().message;
    if (!*next) return "";
  }
}

OpResult found(const std::string& value) { return OpResult{ResultStatus::ok, value}; }
OpResult missing() { return OpResult{ResultStatus::not_found, std::nullopt}; }

// The commands a reader gives for `stream` fed in two reads, split at `split`.
std::vector<std::vector<std::string>> parse_in_two(const std::string& stream, std::size_t split) {
  RespReader reader;
  std::vector<std::vector<std::string>> commands;
  for (const std::string& part : {stream.substr(0, split), stream.substr(split)}) {
    reader.feed(bytes(part));
    while (true) {
      auto next = reader.next();
      REQUIRE(next);
      if (!*next) break;
      commands.push_back(**next);
    }
  }
  return commands;
}

}  // namespace

TEST_CASE("resp: commands parse whole, pipelined and split at every byte") {
  const std::string two = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  for (std::size_t split = 0; split <= two.size(); ++split) {
    const auto commands = parse_in_two(two, split);
    REQUIRE(commands.size() == 2);
    CHECK(commands[0] == std::vector<std::string>{"SET", "k", "v\r\nxy"});
    CHECK(commands[1] == std::vector<std::string>{"GET", "k"});
  }
}

// What redis-cli --pipe sends: the commands, then an empty line and an ECHO
// of 20 random bytes it waits for. TCP may split it anywhere, also between
// the empty line's \r and \n; a lone \r at the end is not yet a protocol error.
TEST_CASE("resp: redis-cli --pipe's empty line before its ECHO, split at every byte") {
  const std::string magic("\r\n\0*$\xff\r\r\nabcdefghijkl", 20);
  const std::string stream = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\r\n*2\r\n$4\r\nECHO\r\n$20\r\n" + magic + "\r\n";
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    CAPTURE(split);
    const auto commands = parse_in_two(stream, split);
    REQUIRE(commands.size() == 2);
    CHECK(commands[0] == std::vector<std::string>{"SET", "k", "v"});
    CHECK(commands[1] == std::vector<std::string>{"ECHO", magic});
  }
  // A \r not followed by \n is still junk.
  CHECK(reader_error("\r*1\r\n$4\r\nPING\r\n").find("protocol error") == 0);
}

TEST_CASE("resp: what is not a command fails the reader") {
  CHECK(reader_error("*1\r\n$4\r\nPING\r\n").empty());
  CHECK(reader_error("\r\n*1\r\n$4\r\nPING\r\n\r\n\r\n").empty());  // empty lines between commands
  CHECK(reader_error("hello\r\n").find("protocol error") == 0);       // junk (and inline commands)
  CHECK(reader_error("+OK\r\n").find("not a command") == 0);         // a status, not an array
  CHECK(reader_error("*0\r\n").find("not a command") == 0);          // empty
  CHECK(reader_error("*1\r\n:5\r\n").find("not a command") == 0);    // an integer element
  CHECK(reader_error("*1\r\n$-1\r\n").find("not a command") == 0);   // a nil element
  CHECK(reader_error("*1\r\n*1\r\n$1\r\na\r\n").find("not a command") == 0);  // nested
  CHECK(reader_error("*2000000000\r\n").find("not a command") == 0); // no allocation of 2e9 slots
  CHECK(reader_error("*1\r\n$x\r\n").find("protocol error") == 0);
  // A bulk length that never arrives may buffer at most resp_buffered_bytes_max.
  CHECK(reader_error("*1\r\n$99999999\r\n" + std::string(resp_buffered_bytes_max + 10, 'a')).find("buffered") !=
        std::string::npos);
  // The error sticks.
  RespReader reader;
  reader.feed(bytes("junk\r\n"));
  CHECK_FALSE(reader.next());
  reader.feed(bytes("*1\r\n$4\r\nPING\r\n"));
  CHECK_FALSE(reader.next());
}

TEST_CASE("resp: the command table") {
  CHECK(plan_command({"ping"}).reply == "+PONG\r\n");
  CHECK(plan_command({"PING", "hi"}).reply == "$2\r\nhi\r\n");
  CHECK(plan_command({"echo", "hi"}).reply == "$2\r\nhi\r\n");
  CHECK(plan_command({"ECHO"}).reply == "-ERR wrong number of arguments for 'echo' command\r\n");
  CHECK(plan_command({"FLUSHALL"}).reply == "-ERR unknown command 'FLUSHALL'\r\n");
  CHECK(plan_command({"GET"}).reply == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(plan_command({"SET", "k", "v", "EX", "10"}).reply->starts_with("-ERR syntax error"));
  CHECK(plan_command({"SET", "k", std::string(70'000, 'v')}).reply->starts_with("-ERR value of 70000 bytes"));

  auto set = plan_command({"set", "k", "v"});
  REQUIRE(set.plan);
  REQUIRE(set.plan->ops.size() == 1);
  CHECK(set.plan->ops[0] == Operation{OpType::put, "k", "v", {}, {}});
  CHECK(render_reply(*set.plan, {OpResult{}}) == "+OK\r\n");

  auto get = plan_command({"GET", "k"});
  CHECK(render_reply(*get.plan, {found("v")}) == "$1\r\nv\r\n");
  CHECK(render_reply(*get.plan, {missing()}) == "$-1\r\n");

  auto del = plan_command({"DEL", "a", "b", "c"});
  REQUIRE(del.plan->ops.size() == 3);
  CHECK(del.plan->ops[2].type == OpType::del);
  CHECK(render_reply(*del.plan, {OpResult{}, missing(), OpResult{}}) == ":2\r\n");

  auto exists = plan_command({"EXISTS", "a", "b"});
  CHECK(exists.plan->ops[1].type == OpType::get);
  CHECK(render_reply(*exists.plan, {missing(), found("x")}) == ":1\r\n");

  auto mget = plan_command({"MGET", "a", "b"});
  CHECK(render_reply(*mget.plan, {found("1"), missing()}) == "*2\r\n$1\r\n1\r\n$-1\r\n");

  auto mset = plan_command({"MSET", "a", "1", "b", "2"});
  REQUIRE(mset.plan->ops.size() == 1);
  CHECK(mset.plan->ops[0].type == OpType::txn);
  CHECK(mset.plan->ops[0].writes.size() == 2);
  CHECK(plan_command({"MSET", "a"}).reply->starts_with("-ERR wrong number"));
}

TEST_CASE("resp: MULTI/EXEC becomes one txn of SET and MSET writes") {
  std::vector<RespPlan> queued = {*plan_command({"SET", "a", "1"}).plan, *plan_command({"MSET", "b", "2", "c", "3"}).plan};
  auto exec = plan_exec(queued);
  REQUIRE(exec.plan);
  REQUIRE(exec.plan->ops.size() == 1);
  CHECK(exec.plan->ops[0].writes.size() == 3);
  CHECK(render_reply(*exec.plan, {OpResult{}}) == "*2\r\n+OK\r\n+OK\r\n");
  queued.push_back(*plan_command({"GET", "a"}).plan);
  CHECK(plan_exec(queued).reply->starts_with("-EXECABORT"));
  CHECK(plan_exec({}).reply == "*0\r\n");
}

}  // namespace bftsim::runner::test_runner_resp_test

namespace bftsim::runner::test_runner_resp_test {
TEST_CASE("resp: INCR, INCRBY, DECR, DECRBY and APPEND") {
  auto incr = plan_command({"INCR", "n"});
  REQUIRE(incr.plan);
  CHECK(incr.plan->ops[0] == Operation{OpType::incr, "n", "1", {}, {}});
  CHECK(render_reply(*incr.plan, {OpResult{ResultStatus::ok, "7"}}) == ":7\r\n");
  CHECK(render_reply(*incr.plan, {OpResult{ResultStatus::not_integer, std::nullopt}}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(plan_command({"DECRBY", "n", "5"}).plan->ops[0].value == "-5");
  CHECK(plan_command({"DECR", "n"}).plan->ops[0].value == "-1");
  CHECK(plan_command({"INCRBY", "n", "x"}).reply == "-ERR value is not an integer or out of range\r\n");
  CHECK(plan_command({"DECRBY", "n", "-9223372036854775808"}).reply->starts_with("-ERR decrement would overflow"));
  auto append = plan_command({"APPEND", "s", "abc"});
  CHECK(append.plan->ops[0].type == OpType::append);
  CHECK(render_reply(*append.plan, {OpResult{ResultStatus::ok, "3"}}) == ":3\r\n");
  CHECK(render_reply(*append.plan, {OpResult{ResultStatus::too_large, std::nullopt}}) ==
        "-ERR string exceeds maximum allowed size\r\n");
}
}  // namespace bftsim::runner::test_runner_resp_test
