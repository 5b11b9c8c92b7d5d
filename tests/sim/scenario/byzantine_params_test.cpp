// Tests of the adversary parameters of a `byzantine` entry
// (sim/scenario/byzantine_params.cpp) and of `expect.check`: each loads
// into the Scenario, each bad value or misplaced parameter is an error naming
// file:line:col and the key, and scenario_to_yaml writes them back.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_writer.h"

namespace bftsim::test_sim_scenario_byzantine_params_test {
namespace {

constexpr std::string_view base_yaml = R"(name: adversary
description: One adversary.
duration: 10s
replicas: 4
faulty: 1
expect:
  safety: holds
  liveness: unchecked
)";

// base_yaml with one byzantine entry (line 10 of the file).
std::string with_entry(std::string_view entry) { return std::string(base_yaml) + "byzantine:\n  - " + std::string(entry) + "\n"; }

Scenario load_ok(const std::string& text) {
  auto loaded = load_scenario_string(text, "adv.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  return *loaded;
}

std::string load_error(const std::string& text) {
  auto loaded = load_scenario_string(text, "adv.yaml", {});
  REQUIRE_MESSAGE(!loaded.has_value(), "loaded, but an error was expected");
  return loaded.error().message;
}

TEST_CASE("byzantine parameters load into the entry, with defaults when left out") {
  // Goal: each parameter reaches ByzantineParams. Method: load entries with and without them.
  const ByzantineParams defaults;
  CHECK(load_ok(with_entry("{node: 3, behavior: fork}")).byzantine[0].params == defaults);
  CHECK(defaults.fork_depth == 3);
  CHECK(load_ok(with_entry("{node: 3, behavior: fork, depth: 1}")).byzantine[0].params.fork_depth == 1);
  CHECK(load_ok(with_entry("{node: 3, behavior: fork, depth: lock}")).byzantine[0].params.fork_depth == fork_depth_lock);
  CHECK(load_ok(with_entry("{node: 3, behavior: bad_sync, mode: unlinked}")).byzantine[0].params.sync_lie ==
        SyncLie::unlinked);
  CHECK(load_ok(with_entry("{node: 3, behavior: [equivocate, impersonate], vote_for: other_block}"))
            .byzantine[0]
            .params.impersonate_other_block);
  const Scenario targeted = load_ok(with_entry("{node: 3, behavior: [withhold_votes, withhold_timeouts], targets: [2, 0]}"));
  CHECK(targeted.byzantine[0].params.targets == std::vector<ReplicaIndex>{0, 2});
  CHECK(load_ok(with_entry("{node: 3, behavior: equivocate, split: all}")).byzantine[0].params.equivocate_to_all);
  CHECK(!load_ok(with_entry("{node: 3, behavior: equivocate, split: halves}")).byzantine[0].params.equivocate_to_all);
  CHECK(load_ok(with_entry("{node: 3, behavior: bad_parent, parent: grandparent}")).byzantine[0].params.bad_parent_grandparent);
  CHECK(load_ok(with_entry("{node: 3, behavior: short_qc, pad: junk}")).byzantine[0].params.qc_pad == QcPad::junk);
  CHECK(load_ok(with_entry("{node: 3, behavior: forge_cert, cert: tc_high_qc}")).byzantine[0].params.cert ==
        CertForgery::tc_high_qc);
  CHECK(load_ok(with_entry("{node: 3, behavior: forge_cert}")).byzantine[0].params.cert == CertForgery::qc_signature);
  CHECK(load_ok(with_entry("{node: 3, behavior: bad_state, offer: wrong_pairs}")).byzantine[0].params.state_lie ==
        StateLie::wrong_pairs);
  CHECK(load_ok(with_entry("{node: 3, behavior: bad_state}")).byzantine[0].params.state_lie == StateLie::made_up);
  CHECK(load_error(with_entry("{node: 3, behavior: silent, cert: tc_short}")) ==
        "adv.yaml:10:39: byzantine[0].cert: only forge_cert takes cert, and this entry's behavior is silent");
  // Every new behaviour has a name the loader knows.
  for (std::string_view name :
       {"propose_out_of_turn", "bad_sync", "amnesia", "withhold_timeouts", "tail_fork", "short_qc", "forge_cert"})
    CHECK(load_ok(with_entry("{node: 1, behavior: " + std::string(name) + "}")).byzantine[0].behaviors.size() == 1);
}

TEST_CASE("a byzantine parameter no behaviour of the entry takes, or a bad value, is an error at its key") {
  // Goal: parameters never silently do nothing. Method: misplaced and bad
  // parameters; each error names file:line:col and byzantine[0].<key>.
  CHECK(load_error(with_entry("{node: 3, behavior: silent, depth: 2}")) ==
        "adv.yaml:10:40: byzantine[0].depth: only fork takes depth, and this entry's behavior is silent");
  CHECK(load_error(with_entry("{node: 3, behavior: [fork, junk], mode: fabricated}")) ==
        "adv.yaml:10:45: byzantine[0].mode: only bad_sync takes mode, and this entry's behavior is fork, junk");
  CHECK(load_error(with_entry("{node: 3, behavior: fork, vote_for: other_block}")) ==
        "adv.yaml:10:41: byzantine[0].vote_for: only impersonate takes vote_for, and this entry's behavior is fork");
  CHECK(load_error(with_entry("{node: 3, behavior: silent, targets: [1]}")) ==
        "adv.yaml:10:42: byzantine[0].targets: only withhold_votes, withhold_proposals, withhold_timeouts take "
        "targets, and this entry's behavior is silent");
  CHECK(load_error(with_entry("{node: 3, behavior: fork, split: all}")).rfind(
            "adv.yaml:10:38: byzantine[0].split: only equivocate takes split", 0) == 0);
  CHECK(load_error(with_entry("{node: 3, behavior: bad_parent, parent: uncle}")).rfind(
            "adv.yaml:10:45: byzantine[0].parent: unknown parent \"uncle\" (known: unknown, grandparent)", 0) == 0);
  CHECK(load_error(with_entry("{node: 3, behavior: fork, depth: 4}")) ==
        "adv.yaml:10:38: byzantine[0].depth: expected 1..3 (QCs below the highest), lock or hidden, got \"4\"");
  CHECK(load_error(with_entry("{node: 3, behavior: fork, depth: \"2\"}")).rfind(
            "adv.yaml:10:38: byzantine[0].depth: expected 1..3", 0) == 0);
  CHECK(load_error(with_entry("{node: 3, behavior: bad_sync, offer: wrong_pairs}")) ==
        "adv.yaml:10:42: byzantine[0].offer: only bad_state takes offer, and this entry's behavior is bad_sync");
  CHECK(load_error(with_entry("{node: 3, behavior: bad_state, offer: lies}")) ==
        "adv.yaml:10:43: byzantine[0].offer: unknown bad_state offer \"lies\" (known: made_up, wrong_pairs)");
  CHECK(load_error(with_entry("{node: 3, behavior: bad_sync, mode: lies}")) ==
        "adv.yaml:10:41: byzantine[0].mode: unknown bad_sync mode \"lies\" (known: fabricated, unlinked, forged_justify)");
  CHECK(load_error(with_entry("{node: 3, behavior: impersonate, vote_for: mine}")).rfind(
            "adv.yaml:10:48: byzantine[0].vote_for: unknown vote_for \"mine\"", 0) == 0);
  CHECK(load_error(with_entry("{node: 3, behavior: withhold_votes, targets: [1, 3]}")) ==
        "adv.yaml:10:54: byzantine[0].targets[1]: replica 3 is this entry's own node");
  CHECK(load_error(with_entry("{node: 3, behavior: withhold_votes, targets: [1, 1]}")) ==
        "adv.yaml:10:54: byzantine[0].targets[1]: replica 1 is listed twice");
  CHECK(load_error(with_entry("{node: 3, behavior: withhold_votes, targets: [4]}")).rfind(
            "adv.yaml:10:51: byzantine[0].targets[0]: ", 0) == 0);
  CHECK(load_error(with_entry("{node: 3, behavior: withhold_votes, targets: []}")) ==
        "adv.yaml:10:50: byzantine[0].targets: needs at least one replica (leave it out to mean all)");
  CHECK(load_error(with_entry("{node: 3, behavior: fork, deep: 2}")).rfind(
            "adv.yaml:10:31: byzantine[0].deep: unknown key (known: node, behavior, depth, mode, vote_for, targets, split, parent, pad, cert, offer)", 0) == 0);
}

TEST_CASE("expect.check names a safety checker, and only with safety: violated") {
  // Goal: the check a violation must fire loads, and bad uses are errors. Method: load variants.
  const std::string violated = R"(name: v
description: d
duration: 1s
replicas: 4
faulty: 1
expect:
  safety: violated
  liveness: unchecked
)";
  CHECK(load_ok(violated).expect.check.empty());
  CHECK(load_ok(violated + "  check: agreement\n").expect.check == "agreement");
  CHECK(load_ok(violated + "  check: double_vote\n").expect.check == "double_vote");
  CHECK(load_error(violated + "  check: liveness\n") ==
        "adv.yaml:9:10: expect.check: unknown safety check \"liveness\" (known: agreement, chain, state_agreement, "
        "integrity, double_vote, linearizability, recovery, certificate, timeout_vote)");
  CHECK(load_error(std::string(base_yaml) + "  check: chain\n") ==
        "adv.yaml:9:10: expect.check: names the check a violation must fire, so it needs safety: violated");
}

TEST_CASE("scenario_to_yaml writes the parameters and expect.check back") {
  // Goal: bisect's minimal.yaml keeps the adversary and the expected check.
  // Method: load, write, load again; equal. A parameter whose behaviour is
  // gone (as after shrinking) is not written.
  const std::string text = std::string(R"(name: w
description: d
duration: 1s
replicas: 7
faulty: 2
expect:
  safety: violated
  liveness: unchecked
  check: chain
byzantine:
  - {node: 5, behavior: [fork, withhold_votes], depth: lock, targets: [0, 1]}
  - {node: 6, behavior: [bad_sync, impersonate, equivocate, bad_parent, short_qc], mode: forged_justify, vote_for: other_block, split: all, parent: grandparent, pad: duplicate}
)");
  const Scenario first = load_ok(text);
  const std::string written = scenario_to_yaml(first, "");
  CAPTURE(written);
  CHECK(written.find("  - {node: 5, behavior: [fork, withhold_votes], depth: lock, targets: [0, 1]}\n") !=
        std::string::npos);
  CHECK(written.find("check: chain") != std::string::npos);
  CHECK(load_ok(written) == first);
  Scenario shrunk = first;
  shrunk.byzantine[0].behaviors = {ByzantineBehavior::withhold_votes};
  const std::string shrunk_text = scenario_to_yaml(shrunk, "");
  CHECK(shrunk_text.find("depth") == std::string::npos);
  CHECK(load_ok(shrunk_text).byzantine[0].params.targets == std::vector<ReplicaIndex>{0, 1});
}

}  // namespace
}  // namespace bftsim::test_sim_scenario_byzantine_params_test
