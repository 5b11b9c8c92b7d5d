// Tests of the client's f+1 rule (runner/reply_quorum.h): one lying replica
// (f = 1) cannot make the client accept its answer, f+1 matching replies
// are accepted, and replies that misname their replica or repeat are ignored.
#include <doctest/doctest.h>

#include "runner/reply_quorum.h"

namespace bftsim::runner {
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

}  // namespace bftsim::runner
