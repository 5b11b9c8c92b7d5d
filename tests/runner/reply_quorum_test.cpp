// Tests of the client's f+1 rule (runner/reply_quorum.h): one lying replica
// (f = 1) cannot make the client accept its answer, f+1 matching replies
// are accepted, and replies that misname their replica or repeat are ignored.
#include <doctest/doctest.h>

#include "runner/reply_quorum.h"

namespace bftsim::runner::test_runner_reply_quorum_test {
namespace {
ClientReply reply(ReplicaIndex replica, const std::string& value, Height height = 10) {
  return ClientReply{1, 1, replica, height, OpResult{ResultStatus::ok, value}};
}
}  // namespace

TEST_CASE("reply_quorum: f+1 matching replies, and not fewer") {
  ReplyQuorum quorum(1);
  CHECK_FALSE(quorum.add(3, reply(3, "lie")));
  CHECK_FALSE(quorum.add(3, reply(3, "lie")));        // the same replica again does not count
  CHECK_FALSE(quorum.add(2, reply(3, "lie")));        // a reply naming another replica is ignored
  CHECK_FALSE(quorum.add(0, reply(0, "truth")));
  CHECK(quorum.disagreement());
  CHECK_FALSE(quorum.add(1, reply(1, "truth", 11)));  // same value, other height: no match
  auto agreed = quorum.add(2, reply(2, "truth"));
  REQUIRE(agreed);
  CHECK(agreed->result.value == "truth");
  CHECK(agreed->height == 10);
}

TEST_CASE("reply_quorum: with f = 0 one reply is enough") {
  ReplyQuorum quorum(0);
  CHECK(quorum.add(0, reply(0, "v")));
}

}  // namespace bftsim::runner::test_runner_reply_quorum_test

namespace bftsim::runner::test_runner_reply_quorum_test {
namespace {
ClientReply batch_reply(ReplicaIndex replica, std::vector<std::string> values, Height height = 10) {
  ClientReply out{1, 1, replica, height, OpResult{ResultStatus::ok, std::nullopt}};
  for (auto& value : values) out.result.results.push_back(OpResult{ResultStatus::ok, std::move(value)});
  return out;
}
}  // namespace

TEST_CASE("reply_quorum: a batch needs f+1 matching results for every operation") {
  // Goal: the f+1 rule holds per operation. Method: replica 3 lies about
  // operation 1, replica 0 about operation 0; each operation still has two
  // honest matching results only once replica 1 and 2 answered, and the
  // agreed reply carries the honest result of each operation.
  ReplyQuorum quorum(1, 2);
  CHECK_FALSE(quorum.add(3, batch_reply(3, {"a", "lie"})));
  CHECK_FALSE(quorum.add(0, batch_reply(0, {"lie", "b"})));
  CHECK_FALSE(quorum.add(1, batch_reply(1, {"x", "y"}, 11)));  // another height matches nothing
  CHECK_FALSE(quorum.add(2, batch_reply(2, {"a"})));           // a reply of the wrong size counts for nothing
  ReplyQuorum honest(1, 2);
  CHECK_FALSE(honest.add(3, batch_reply(3, {"a", "lie"})));
  CHECK_FALSE(honest.add(0, batch_reply(0, {"lie", "b"})));
  auto agreed = honest.add(1, batch_reply(1, {"a", "b"}));
  REQUIRE(agreed);
  REQUIRE(agreed->result.results.size() == 2);
  CHECK(agreed->result.results[0].value == "a");
  CHECK(agreed->result.results[1].value == "b");
  CHECK(agreed->height == 10);
}

TEST_CASE("reply_quorum: a lying replica alone cannot fix any operation of a batch") {
  ReplyQuorum quorum(1, 3);
  CHECK_FALSE(quorum.add(0, batch_reply(0, {"a", "b", "c"})));
  CHECK_FALSE(quorum.add(3, batch_reply(3, {"a", "b", "lie"})));
  auto agreed = quorum.add(1, batch_reply(1, {"a", "b", "c"}));
  REQUIRE(agreed);
  CHECK(agreed->result.results[2].value == "c");
}

}  // namespace bftsim::runner::test_runner_reply_quorum_test
