// Tests for cuts limited to message types (`{type: cut, ..., types: [...]}`):
// the network blocks, and drops in flight, only messages of those types; in
// a run, cutting one replica's proposals fails exactly the views it leads
// while its votes still flow; the loader's errors name their place.
#include "sim/net/network.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_net_typed_cut_test {
namespace {

constexpr std::uint32_t bit(MessageType type) { return 1u << (static_cast<std::uint32_t>(type) - 1); }

TEST_CASE("a cut with types blocks only those message types, also in flight") {
  // Goal: a type-limited cut is invisible to other types. Method: a vote
  // and a proposal in flight on 0->1, then a cut of votes and timeouts on
  // 0->1: only the vote is dropped in flight and blocked after; 1->0 and an
  // untyped send (no type) pass.
  NetworkConfig config;
  VirtualNetwork network(config, 1, 4);
  const LinkOutcome vote = network.route(0, 1, 0, 0, MessageType::vote);
  const LinkOutcome proposal = network.route(0, 1, 0, 0, MessageType::proposal);
  network.set_cut(0, CutFault{.from = 0, .to = 1, .filter = {.type_mask = bit(MessageType::vote) | bit(MessageType::timeout)}});
  CHECK(network.dropped_in_flight(0, 1, vote.sequence, MessageType::vote));
  CHECK_FALSE(network.dropped_in_flight(0, 1, proposal.sequence, MessageType::proposal));
  CHECK(network.route(0, 1, 0, 0, MessageType::vote).lost);
  CHECK(network.route(0, 1, 0, 0, MessageType::timeout).lost);
  CHECK_FALSE(network.route(0, 1, 0, 0, MessageType::proposal).lost);
  CHECK_FALSE(network.route(1, 0, 0, 0, MessageType::vote).lost);
  CHECK_FALSE(network.route(0, 1, 0).lost);
  network.clear_cut(0);
  CHECK_FALSE(network.route(0, 1, 0, 0, MessageType::vote).lost);
}

constexpr std::string_view base_yaml = R"(name: typed-cut
description: Replica 1's proposals never arrive.
seed: 4
duration: 4s
replicas: 4
faulty: 1
crypto: fast
protocol: {view_timeout: 200ms, view_timeout_max: 800ms}
clients: {count: 2}
expect: {safety: holds, liveness: holds}
)";

TEST_CASE("cutting one replica's proposals fails the views it leads, and nothing else") {
  // Goal: a typed cut acts in a run on its types only. Method: cut
  // proposals from 1 to 0, 2 and 3 for the whole run; every failed view is
  // one replica 1 leads (view mod 4 == 1), proposals are dropped, and no
  // vote is.
  const std::string text = std::string(base_yaml) +
                           "faults:\n"
                           "  - {type: cut, from: 1, to: 0, at: 0s, types: [proposal]}\n"
                           "  - {type: cut, from: 1, to: 2, at: 0s, types: [proposal]}\n"
                           "  - {type: cut, from: 1, to: 3, at: 0s, types: [proposal]}\n";
  auto scenario = load_scenario_string(text, "test.yaml", {});
  REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
  Simulation simulation(*scenario, {.seed = 4});
  const RunReport report = simulation.run();
  CHECK(report.as_expected);
  CHECK(report.decided_height > 10);
  REQUIRE_FALSE(report.view_changes.empty());
  for (const ViewChangeRow& change : report.view_changes) CHECK(change.failed_view % 4 == 1);
  CHECK(report.messages[static_cast<std::size_t>(MessageType::proposal) - 1].dropped > 0);
  CHECK(report.messages[static_cast<std::size_t>(MessageType::vote) - 1].dropped == 0);
}

std::string load_error(std::string_view extra) {
  auto loaded = load_scenario_string(std::string(base_yaml) + std::string(extra), "test.yaml", {});
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

TEST_CASE("the loader reads a cut's types, writes them back, and rejects bad lists at their place") {
  // Goal: wire type names, no repeats, not empty, cuts only. Method: round
  // trip one cut; one bad list per case.
  auto scenario = load_scenario_string(std::string(base_yaml) + "faults: [{type: cut, from: 2, to: 0, at: 1s, "
                                                               "types: [timeout, vote]}]\n",
                                       "test.yaml", {});
  REQUIRE_MESSAGE(scenario.has_value(), scenario.error().message);
  const auto& cut = std::get<CutFault>(scenario->faults[0]);
  CHECK(cut.filter.type_mask == (bit(MessageType::vote) | bit(MessageType::timeout)));
  CHECK(fault_to_yaml(scenario->faults[0]) == "{type: cut, from: 2, to: 0, at: 1s, types: [vote, timeout]}");
  CHECK(load_error("faults: [{type: cut, from: 2, to: 0, at: 1s, types: [vote, ping]}]\n") ==
        "test.yaml:11:60: faults[0].types[1]: unknown message type \"ping\" (known: proposal, vote, timeout, "
        "block_request, block_response, client_request, client_reply, state_request, state_response, new_view)");
  CHECK(load_error("faults: [{type: cut, from: 2, to: 0, at: 1s, types: [vote, vote]}]\n") ==
        "test.yaml:11:60: faults[0].types[1]: message type vote is listed twice");
  CHECK(load_error("faults: [{type: cut, from: 2, to: 0, at: 1s, types: []}]\n") ==
        "test.yaml:11:53: faults[0].types: needs at least one message type");
  CHECK(load_error("faults: [{type: cut, from: 2, to: 0, at: 1s, types: vote}]\n") ==
        "test.yaml:11:53: faults[0].types: expected a list, got \"vote\"");
}

}  // namespace
}  // namespace bftsim::test_sim_net_typed_cut_test
