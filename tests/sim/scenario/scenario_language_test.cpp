// Loader tests for the Twins-grade scenario keys (sim/scenario/scenario.h):
// view-keyed windows (at_view, until_view), message filters (types, views),
// twin instances in partition groups (3a, 3b), protocol.leaders and
// duration_views. Each key: what a good file reads as, and the located error
// (file:line:column: key path) of each bad value; unknown keys stay errors.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/messages.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"

namespace bftsim::test_sim_scenario_scenario_language_test {
namespace {

// Ten lines; what a test appends starts on line 11.
constexpr std::string_view base_yaml = R"(name: language
description: The Twins-grade keys.
duration: 2s
replicas: 4
faulty: 1
crypto: fast
clients: {count: 0}
byzantine:
  - {node: 3, behavior: twins}
expect: {safety: holds, liveness: unchecked}
)";

Scenario load(std::string_view extra, const std::vector<std::string>& overrides = {}) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", overrides);
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

std::string load_error(std::string_view extra, const std::vector<std::string>& overrides = {}) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", overrides);
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

std::uint32_t type_bit(MessageType type) { return 1u << (static_cast<unsigned>(type) - 1); }

TEST_CASE("at_view and until_view key a fault's window by view") {
  const Scenario s = load(
      "faults:\n"
      "  - {type: partition, groups: [[0], [1, 2, 3]], at_view: 3, until_view: 5}\n"
      "  - {type: cut, from: 0, to: 1, at_view: 2}\n"
      "  - {type: link, from: 1, to: 2, at_view: 4, until_view: 6, loss: 0.5}\n"
      "  - {type: clog, from: 2, to: 0, both: true, at_view: 1, until_view: 2}\n"
      "  - {type: crash, node: 2, at_view: 7}\n"
      "  - {type: restart, node: 2, at_view: 9}\n");
  REQUIRE(s.faults.size() == 6);
  CHECK(fault_at_view(s.faults[0]) == View{3});
  CHECK(fault_until_view(s.faults[0]) == View{5});
  CHECK(fault_at_view(s.faults[1]) == View{2});
  CHECK_FALSE(fault_until_view(s.faults[1]).has_value());
  CHECK(fault_until_view(s.faults[2]) == View{6});
  CHECK(fault_at_view(s.faults[3]) == View{1});
  CHECK_FALSE(fault_until(s.faults[3]).has_value());  // a view-keyed clog has no end time
  CHECK(std::get<CrashFault>(s.faults[4]).at_view == View{7});
  CHECK(std::get<RestartFault>(s.faults[5]).at_view == View{9});
  // A time-keyed fault has no views.
  const Scenario timed = load("faults:\n  - {type: partition, groups: [[0]], at: 1s, until: 2s}\n");
  CHECK_FALSE(fault_at_view(timed.faults[0]).has_value());
  CHECK(fault_until(timed.faults[0]) == 2 * ns_per_s);
}

TEST_CASE("view-keyed windows: every bad combination is a located error") {
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0]], at_view: 3, until_view: 3}\n") ==
        "test.yaml:12:62: faults[0].until_view: until_view 3 must be after at_view 3");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0]], at: 1s, at_view: 3}\n") ==
        "test.yaml:12:42: faults[0].at: give at (a time) or at_view (a view), not both");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at_view: 3, until: 2s}\n") ==
        "test.yaml:12:52: faults[0].until: a window keyed by view ends with until_view, not until (or start "
        "it with at)");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 1s, until_view: 4}\n") ==
        "test.yaml:12:53: faults[0].until_view: a window keyed by time ends with until, not until_view (or "
        "start it with at_view)");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at_view: 0}\n") ==
        "test.yaml:12:42: faults[0].at_view: must be >= 1, got 0");
  CHECK(load_error("faults:\n  - {type: clog, from: 0, to: 1, at_view: 2}\n") ==
        "test.yaml:12:5: faults[0].until_view: missing required key (in the map faults[0])");
  CHECK(load_error("faults:\n  - {type: crash, node: 1, at_view: 2, until_view: 4}\n") ==
        "test.yaml:12:40: faults[0].until_view: unknown key for a crash fault (known: type, node, at, at_view)");
  CHECK(load_error("faults:\n  - {type: disk, node: 1, fault: torn, at_view: 2}\n") ==
        "test.yaml:12:40: faults[0].at_view: unknown key for a disk torn fault (known: type, node, at, until, "
        "fault)");
  // Neither at nor at_view: the message names `at`, as before.
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1}\n") ==
        "test.yaml:12:5: faults[0].at: missing required key (in the map faults[0])");
}

TEST_CASE("types and views filter the messages a network fault acts on") {
  const Scenario s = load(
      "faults:\n"
      "  - {type: partition, groups: [[0]], at: 0s, types: [vote, timeout], views: [2, 4]}\n"
      "  - {type: cut, from: 0, to: 1, at: 0s, types: [proposal]}\n"
      "  - {type: link, from: 1, to: 2, at: 0s, loss: 1, views: [5, 5]}\n"
      "  - {type: clog, from: 2, to: 0, at: 0s, until: 1s, types: [block_request, block_response]}\n");
  const MessageFilter* partition = fault_filter(s.faults[0]);
  REQUIRE(partition != nullptr);
  CHECK(partition->type_mask == (type_bit(MessageType::vote) | type_bit(MessageType::timeout)));
  CHECK(partition->views == std::make_pair(View{2}, View{4}));
  CHECK(fault_filter(s.faults[1])->type_mask == type_bit(MessageType::proposal));
  CHECK_FALSE(fault_filter(s.faults[1])->views.has_value());
  CHECK(fault_filter(s.faults[2])->type_mask == 0);  // every type
  CHECK(fault_filter(s.faults[2])->views == std::make_pair(View{5}, View{5}));
  CHECK(fault_filter(s.faults[3])->type_mask ==
        (type_bit(MessageType::block_request) | type_bit(MessageType::block_response)));
  const Scenario crash = load("faults:\n  - {type: crash, node: 1, at: 1s}\n");
  CHECK(fault_filter(crash.faults[0]) == nullptr);
}

TEST_CASE("types and views: bad values are located errors") {
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, types: [votes]}\n") ==
        "test.yaml:12:49: faults[0].types[0]: unknown message type \"votes\" (known: proposal, vote, timeout, "
        "block_request, block_response, client_request, client_reply, state_request, state_response, new_view)");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, types: [vote, vote]}\n") ==
        "test.yaml:12:55: faults[0].types[1]: message type vote is listed twice");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, types: []}\n") ==
        "test.yaml:12:48: faults[0].types: needs at least one message type");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, types: vote}\n") ==
        "test.yaml:12:48: faults[0].types: expected a list, got \"vote\"");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, views: [3]}\n") ==
        "test.yaml:12:48: faults[0].views: expected [from, to], a list of two views, got 1 items");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, views: [4, 2]}\n") ==
        "test.yaml:12:52: faults[0].views[1]: the last view 2 is before the first 4");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, views: [0, 2]}\n") ==
        "test.yaml:12:49: faults[0].views[0]: must be >= 1, got 0");
  CHECK(load_error("faults:\n  - {type: crash, node: 0, at: 0s, types: [vote]}\n") ==
        "test.yaml:12:36: faults[0].types: unknown key for a crash fault (known: type, node, at, at_view)");
  CHECK(load_error("faults:\n  - {type: cut, from: 0, to: 1, at: 0s, kinds: [vote]}\n") ==
        "test.yaml:12:41: faults[0].kinds: unknown key for a cut fault (known: type, from, to, at, until, in_flight, "
        "types, at_view, until_view, views)");
}

TEST_CASE("a partition places a twin's instances with 3a and 3b") {
  const Scenario s = load("faults:\n  - {type: partition, groups: [[0, 1, 3a], [2, 3b]], at: 0s, views: [1, 1]}\n");
  const auto& partition = std::get<PartitionFault>(s.faults[0]);
  CHECK(partition.groups == std::vector<std::vector<ReplicaIndex>>{{0, 1}, {2}});
  REQUIRE(partition.twins.size() == 1);
  CHECK(partition.twins[0].replica == 3);
  CHECK(partition.twins[0].group == std::array<std::uint32_t, 2>{0, 1});
  // Both instances in one group, and a group of instances only.
  const Scenario together = load("faults:\n  - {type: partition, groups: [[3b, 3a], [0, 1, 2]], at: 0s}\n");
  const auto& both = std::get<PartitionFault>(together.faults[0]);
  CHECK(both.groups == std::vector<std::vector<ReplicaIndex>>{{}, {0, 1, 2}});
  CHECK(both.twins[0].group == std::array<std::uint32_t, 2>{0, 0});
  // A twin listed plainly is not placed: its fixed halves apply.
  const Scenario plain = load("faults:\n  - {type: partition, groups: [[0, 3], [1, 2]], at: 0s}\n");
  CHECK(std::get<PartitionFault>(plain.faults[0]).twins.empty());
  // Placed twins are in no rest group.
  CHECK(partition_groups_with_rest(partition, 4) == std::vector<std::vector<ReplicaIndex>>{{0, 1}, {2}});
}

TEST_CASE("twin instances: bad placements are located errors") {
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 3a], [1, 2]], at: 0s}\n") ==
        "test.yaml:12:31: faults[0].groups: twin instance 3a is placed but 3b is not; place both instances of a "
        "twin");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 3a], [1, 3a, 3b]], at: 0s}\n") ==
        "test.yaml:12:45: faults[0].groups[1][1]: twin instance 3a is already in faults[0].groups[0]; partition "
        "groups must not overlap");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 3, 3a], [1, 3b]], at: 0s}\n") ==
        "test.yaml:12:39: faults[0].groups[0][2]: twin instance 3a overlaps node 3 in faults[0].groups[0]; list a "
        "twin as a node or as its two instances, not both");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 3a], [1, 3b, 3]], at: 0s}\n") ==
        "test.yaml:12:49: faults[0].groups[1][2]: node 3 overlaps twin instance 3a in faults[0].groups[0]; list a "
        "twin as a node or as its two instances, not both");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 1a], [2, 1b]], at: 0s}\n") ==
        "test.yaml:12:36: faults[0].groups[0][1]: 1a names a twin instance, but node 1 is not a byzantine `twins` "
        "node");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 7a], [2, 7b]], at: 0s}\n") ==
        "test.yaml:12:36: faults[0].groups[0][1]: node 7 is out of range (replicas: 4, so 0..3)");
  CHECK(load_error("faults:\n  - {type: partition, groups: [[0, 3c], [2]], at: 0s}\n") ==
        "test.yaml:12:36: faults[0].groups[0][1]: expected a node index or a twin instance such as 3a or 3b, got "
        "\"3c\"");
}

TEST_CASE("protocol.leaders is a leader per view from view 1") {
  const Scenario s = load("protocol: {leaders: [3, 3, 0, 2]}\n");
  CHECK(s.protocol.leaders == std::vector<ReplicaIndex>{3, 3, 0, 2});
  CHECK(load("").protocol.leaders.empty());
  CHECK(load_error("protocol: {leaders: [0, 4]}\n") ==
        "test.yaml:11:25: protocol.leaders[1]: leader 4 of view 2 is out of range (replicas: 4, so 0..3)");
  CHECK(load_error("protocol: {leaders: []}\n") ==
        "test.yaml:11:21: protocol.leaders: needs 1 to 10000 leaders (one per view from view 1), got 0");
  CHECK(load_error("protocol: {leaders: 2}\n") == "test.yaml:11:21: protocol.leaders: expected a list, got \"2\"");
  CHECK(load_error("protocol: {leader: [1]}\n") ==
        "test.yaml:11:12: protocol.leader: unknown key (known: chain_id, batch_size, view_timeout, "
        "timeout_multiplier, view_timeout_max, vote_to, unsafe_skip_lock, block_retention, backoff_reset, "
        "leader_election, reputation_window, new_view_to_leader, fetch_missed_proposal, fetch_retry, leaders, "
        "propose_before_sync, commit_rule)");
  // --set reaches it, and the check sees the replica count after overrides.
  CHECK(load("", {"protocol.leaders=[1, 1]"}).protocol.leaders == std::vector<ReplicaIndex>{1, 1});
  CHECK(load_error("protocol: {leaders: [3]}\n", {"replicas=3", "faulty=0", "byzantine=[]"}) ==
        "test.yaml:11:22: protocol.leaders[0]: leader 3 of view 1 is out of range (replicas: 3, so 0..2)");
}

TEST_CASE("duration_views bounds a run by view") {
  CHECK(load("duration_views: 9\n").duration_views == View{9});
  CHECK_FALSE(load("").duration_views.has_value());
  CHECK(load_error("duration_views: 0\n") ==
        "test.yaml:11:17: duration_views: must be >= 1, got 0");
  CHECK(load_error("duration_views: 2s\n") == "test.yaml:11:17: duration_views: expected an integer, got \"2s\"");
  CHECK(load_error("duration_view: 3\n") ==
        "test.yaml:11:1: duration_view: unknown key (known: name, description, seed, duration, replicas, faulty, "
        "crypto, protocol, network, clients, faults, expect, byzantine, allow_more_faulty, random_faults, storage, "
        "duration_views, event_rate_max)");
}

TEST_CASE("the new keys write back as YAML that reads back equal") {
  const Scenario s = load(
      "duration_views: 7\n"
      "protocol: {leaders: [3, 0, 1], leader_election: reputation, backoff_reset: commit, reputation_window: 5}\n"
      "faults:\n"
      "  - {type: partition, groups: [[0, 3b], [1, 2, 3a]], at: 0s, views: [1, 1], types: [vote, proposal]}\n"
      "  - {type: partition, groups: [[3a, 3b], [0]], at_view: 2, until_view: 4}\n"
      "  - {type: cut, from: 0, to: 1, at_view: 2}\n"
      "  - {type: link, from: 1, to: 2, both: true, at_view: 4, until_view: 6, loss: 0.5, types: [timeout]}\n"
      "  - {type: clog, from: 2, to: 0, at_view: 1, until_view: 2, views: [1, 3]}\n"
      "  - {type: crash, node: 2, at_view: 7}\n"
      "  - {type: restart, node: 2, at_view: 9}\n");
  const std::string yaml = scenario_to_yaml(s);
  auto again = load_scenario_string(yaml, "written.yaml", {});
  REQUIRE_MESSAGE(again.has_value(), again.error().message, "\n", yaml);
  CHECK(*again == s);
  CHECK(fault_to_yaml(s.faults[0]) ==
        "{type: partition, groups: [[0, 3b], [1, 2, 3a]], at: 0s, types: [proposal, vote], views: [1, 1]}");
}

}  // namespace
}  // namespace bftsim::test_sim_scenario_scenario_language_test
