// Unit tests of the online checkers with hand-made histories: for each, a
// correct history passes and a violating one is reported with its replicas.
#include <doctest/doctest.h>

#include "sim/check/agreement_checker.h"
#include "sim/check/integrity_checker.h"
#include "sim/check/liveness_checker.h"
#include "sim/check/vote_checker.h"

namespace bftsim {
namespace {

Hash32 hash_of(std::uint8_t tag) {
  Hash32 hash;
  hash.bytes.fill(tag);
  return hash;
}

ClientRequest put(ClientId client, RequestNumber number, std::string key) {
  ClientRequest request;
  request.client = client;
  request.number = number;
  request.op.type = OpType::put;
  request.op.key = std::move(key);
  request.op.value = "v";
  return request;
}

TEST_CASE("checkers: agreement accepts replicas that commit the same chain") {
  // Goal: no false alarm. Method: three replicas commit heights 1..3 of one chain, interleaved.
  AgreementChecker checker(3);
  for (Height h = 1; h <= 3; ++h)
    for (ReplicaIndex r = 0; r < 3; ++r)
      CHECK_FALSE(checker.on_commit(r, h, hash_of(static_cast<std::uint8_t>(h)),
                                    hash_of(static_cast<std::uint8_t>(h - 1)), hash_of(100), h * 10 + r, 0));
  CHECK(checker.decided_height() == 3);
}

TEST_CASE("checkers: agreement reports two blocks at one height") {
  // Goal: the agreement check fires. Method: replica 1 commits another block at height 1 than replica 0.
  AgreementChecker checker(2);
  CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 5, 50));
  const auto violation = checker.on_commit(1, 1, hash_of(2), hash_of(0), hash_of(100), 6, 60);
  REQUIRE(violation);
  CHECK(violation->check == "agreement");
  CHECK(violation->event_index == 6);
  CHECK(violation->at == 60);
  CHECK(violation->replicas == std::vector<ReplicaIndex>{0, 1});
  CHECK(violation->detail.find("height 1") != std::string::npos);
}

TEST_CASE("checkers: a replica's log must be a parent chain") {
  // Goal: logs are prefixes of each other. Method: a replica skips a height, and another commits a block whose parent is not its last.
  SUBCASE("a gap") {
    AgreementChecker checker(1);
    CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 1, 0));
    const auto violation = checker.on_commit(0, 3, hash_of(3), hash_of(2), hash_of(100), 2, 0);
    REQUIRE(violation);
    CHECK(violation->check == "chain");
  }
  SUBCASE("a wrong parent") {
    AgreementChecker checker(1);
    CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 1, 0));
    const auto violation = checker.on_commit(0, 2, hash_of(2), hash_of(9), hash_of(100), 2, 0);
    REQUIRE(violation);
    CHECK(violation->check == "chain");
  }
  SUBCASE("a restarted replica resumes above what it recovered") {
    AgreementChecker checker(1);
    CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 1, 0));
    CHECK_FALSE(checker.on_commit(0, 2, hash_of(2), hash_of(1), hash_of(101), 2, 0));
    CHECK_FALSE(checker.on_recover(0, 1, hash_of(1), hash_of(100)));  // lost height 2 in the crash
    CHECK_FALSE(checker.on_commit(0, 2, hash_of(2), hash_of(1), hash_of(101), 3, 0));
    CHECK_FALSE(checker.on_recover(0, 0, {}, {}));  // lost everything
    CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 4, 0));
  }
}

TEST_CASE("checkers: a recovered state must be one the cluster decided") {
  // Goal: recovery from a disk yields decided state only. Method: recover a
  // height nobody committed, another block, another digest; control: the
  // decided block and digest.
  AgreementChecker checker(2);
  CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 1, 0));
  CHECK_FALSE(checker.on_recover(1, 1, hash_of(1), hash_of(100)));
  const auto unknown = checker.on_recover(1, 2, hash_of(2), hash_of(100));
  REQUIRE(unknown);
  CHECK(unknown->check == "recovery");
  const auto other_block = checker.on_recover(1, 1, hash_of(7), hash_of(100));
  REQUIRE(other_block);
  CHECK(other_block->check == "recovery");
  const auto other_state = checker.on_recover(1, 1, hash_of(1), hash_of(107));
  REQUIRE(other_state);
  CHECK(other_state->check == "recovery");
}

TEST_CASE("checkers: state digests must agree at equal height") {
  // Goal: state agreement. Method: the same block at height 1 with two different digests.
  AgreementChecker checker(2);
  CHECK_FALSE(checker.on_commit(0, 1, hash_of(1), hash_of(0), hash_of(100), 1, 0));
  const auto violation = checker.on_commit(1, 1, hash_of(1), hash_of(0), hash_of(101), 2, 0);
  REQUIRE(violation);
  CHECK(violation->check == "state_agreement");
}

TEST_CASE("checkers: integrity") {
  // Goal: committed requests came from clients and are applied at one height. Method: hand-made commits and replies.
  IntegrityChecker checker;
  checker.on_issue(put(1, 1, "a"));
  CHECK_FALSE(checker.on_commit(0, 1, {put(1, 1, "a")}));
  SUBCASE("a request no client sent") {
    const auto violation = checker.on_commit(0, 2, {put(1, 2, "b")});
    REQUIRE(violation);
    CHECK(violation->check == "integrity");
  }
  SUBCASE("a request changed on the way") {
    REQUIRE(checker.on_commit(0, 2, {put(1, 1, "changed")}));
  }
  SUBCASE("replies: the same height again is fine, another height is not") {
    ClientReply reply{1, 1, 0, 1, {}};
    CHECK_FALSE(checker.on_reply(0, reply));
    CHECK_FALSE(checker.on_reply(0, reply));  // a retried request answered from the cache
    CHECK_FALSE(checker.on_reply(1, reply));  // another replica
    reply.height = 4;
    const auto violation = checker.on_reply(0, reply);
    REQUIRE(violation);
    CHECK(violation->check == "integrity");
    CHECK(violation->replicas == std::vector<ReplicaIndex>{0});
  }
  SUBCASE("replies: a replica that first gave another height than the others") {
    ClientReply reply{1, 1, 0, 1, {}};
    CHECK_FALSE(checker.on_reply(0, reply));
    reply.height = 4;
    CHECK_FALSE(checker.on_reply(70, reply));  // its own first height (not a check of agreement)
    CHECK_FALSE(checker.on_reply(70, reply));
    reply.height = 1;
    CHECK_FALSE(checker.on_reply(130, reply));
    const auto violation = checker.on_reply(70, reply);
    REQUIRE(violation);
    CHECK(violation->replicas == std::vector<ReplicaIndex>{70});
    CHECK(violation->detail.find("at height 4 and again at height 1") != std::string::npos);
    reply.height = 5;
    REQUIRE(checker.on_reply(130, reply));
  }
}

TEST_CASE("checkers: no honest double vote") {
  // Goal: the double-vote check. Method: a replica votes twice for one block (fine), then for another in the same view.
  VoteChecker checker;
  Vote vote{3, hash_of(1), 2, {}};
  CHECK_FALSE(checker.on_vote(2, vote));
  CHECK_FALSE(checker.on_vote(2, vote));  // a retransmission
  CHECK_FALSE(checker.on_vote(1, Vote{3, hash_of(2), 1, {}}));  // another replica
  CHECK_FALSE(checker.on_vote(2, Vote{4, hash_of(2), 2, {}}));  // another view
  const auto violation = checker.on_vote(2, Vote{3, hash_of(2), 2, {}});
  REQUIRE(violation);
  CHECK(violation->check == "double_vote");
  CHECK(violation->replicas == std::vector<ReplicaIndex>{2});
  // Views out of order (a replica that votes in an older view again): each
  // view keeps its own block.
  CHECK_FALSE(checker.on_vote(700, Vote{10, hash_of(1), 700, {}}));
  CHECK_FALSE(checker.on_vote(700, Vote{5, hash_of(2), 700, {}}));
  CHECK_FALSE(checker.on_vote(700, Vote{7, hash_of(3), 700, {}}));
  CHECK_FALSE(checker.on_vote(700, Vote{10, hash_of(1), 700, {}}));
  CHECK(checker.on_vote(700, Vote{5, hash_of(1), 700, {}}));
  CHECK(checker.on_vote(700, Vote{7, hash_of(2), 700, {}}));
  CHECK(checker.on_vote(700, Vote{10, hash_of(3), 700, {}}));
}

TEST_CASE("checkers: no honest vote in a view after its timeout for it") {
  // Goal: the timeout-vote check. Method: replica 2 times out of view 5; its
  // votes of views 4 and 5 are violations, of view 6 not; another replica's
  // vote of view 5 is fine.
  VoteChecker checker;
  CHECK_FALSE(checker.on_vote(2, Vote{5, hash_of(1), 2, {}}));  // before its timeout
  CHECK_FALSE(checker.on_send(2, Message{Timeout{5, 2, {}, std::nullopt, {}}}));
  CHECK_FALSE(checker.on_send(2, Message{Timeout{3, 2, {}, std::nullopt, {}}}));  // an older one keeps view 5
  CHECK_FALSE(checker.on_vote(1, Vote{5, hash_of(1), 1, {}}));
  CHECK_FALSE(checker.on_vote(2, Vote{6, hash_of(3), 2, {}}));
  for (View view : {4u, 5u}) {
    const auto violation = checker.on_vote(2, Vote{view, hash_of(9), 2, {}});
    REQUIRE(violation);
    CHECK(violation->check == "timeout_vote");
    CHECK(violation->replicas == std::vector<ReplicaIndex>{2});
  }
}

TEST_CASE("checkers: liveness after GST") {
  // Goal: stalls after the last fault count, stalls before it do not. Method: progress times around a GST of 10s with a 2s bound.
  constexpr Duration s = ns_per_s;
  SUBCASE("steady progress after a long stall before GST") {
    LivenessChecker checker(10 * s, 2 * s);
    checker.on_progress(1 * s);
    checker.on_progress(11 * s);  // 9s stall, but it started before GST; 1s after GST
    checker.on_progress(12 * s);
    CHECK_FALSE(checker.finish(13 * s, 99));
  }
  SUBCASE("a stall after GST") {
    LivenessChecker checker(10 * s, 2 * s);
    checker.on_progress(11 * s);
    checker.on_progress(14 * s);  // 3s
    const auto violation = checker.finish(15 * s, 99);
    REQUIRE(violation);
    CHECK(violation->check == "liveness");
    CHECK(violation->at == 14 * s);
  }
  SUBCASE("no progress at all after GST") {
    LivenessChecker checker(1 * s, 2 * s);
    checker.on_progress(500 * ns_per_ms);
    const auto violation = checker.finish(4 * s, 99);
    REQUIRE(violation);
    CHECK(violation->detail.find("after the last fault ended at 1s;") != std::string::npos);
  }
  SUBCASE("a run without faults counts stalls from the start and names no last fault") {
    LivenessChecker checker(std::nullopt, 2 * s);
    checker.on_progress(1 * s);
    checker.on_progress(4 * s);  // 3s
    const auto violation = checker.finish(5 * s, 99);
    REQUIRE(violation);
    CAPTURE(violation->detail);
    CHECK(violation->at == 4 * s);
    CHECK(violation->detail.find("for 3s (from 1s to 4s)") != std::string::npos);
    CHECK(violation->detail.find("the run has no faults") != std::string::npos);
    CHECK(violation->detail.find("last fault") == std::string::npos);
  }
}

}  // namespace
}  // namespace bftsim
