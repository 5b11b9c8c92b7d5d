// Tests for sim/report/view_change_cause.h and fault_rows.h: the cause rule's
// order, the cause each library scenario's view changes get, and the fault
// windows of faults.csv.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

#include "sim/net/fault_schedule.h"
#include "sim/report/fault_rows.h"
#include "sim/report/view_change_cause.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace test_sim_report_view_change_cause_test {

namespace {

bftsim::Scenario load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  const auto path = std::filesystem::path(BFTSIM_SOURCE_DIR) / "scenarios" / name;
  auto scenario = bftsim::load_scenario_file(path.string(), overrides);
  if (!scenario) FAIL(scenario.error().message);
  return *scenario;
}

// The causes of a run's view changes.
std::set<std::string> causes_of(const bftsim::Scenario& scenario) {
  bftsim::Simulation simulation(scenario, bftsim::SimulationOptions{scenario.seed, nullptr});
  const bftsim::RunReport report = simulation.run();
  std::set<std::string> causes;
  for (const auto& row : report.view_changes) causes.insert(std::string(bftsim::view_change_cause_name(row.cause)));
  return causes;
}

}  // namespace

TEST_CASE("a view change's cause: the most specific fact wins") {
  using bftsim::ByzantineBehavior;
  using bftsim::ViewChangeCause;
  bftsim::ViewChangeFacts facts;
  CHECK(classify_view_change(facts) == ViewChangeCause::unknown);
  facts.lossy = true;
  CHECK(classify_view_change(facts) == ViewChangeCause::message_loss);
  facts.leader_disk_slow = true;
  CHECK(classify_view_change(facts) == ViewChangeCause::slow_disk);
  facts.partition_active = true;
  CHECK(classify_view_change(facts) == ViewChangeCause::partition);
  facts.leader_behaviors = std::vector<ByzantineBehavior>{ByzantineBehavior::bad_signature};
  CHECK(classify_view_change(facts) == ViewChangeCause::leader_byzantine);
  facts.leader_behaviors = std::vector<ByzantineBehavior>{ByzantineBehavior::bad_signature, ByzantineBehavior::delay_proposals};
  CHECK(classify_view_change(facts) == ViewChangeCause::leader_silent_or_slow);
  facts.leader_behaviors->push_back(ByzantineBehavior::equivocate);
  CHECK(classify_view_change(facts) == ViewChangeCause::equivocation);
  facts.leader_crashed = true;
  CHECK(classify_view_change(facts) == ViewChangeCause::leader_crashed);
}

TEST_CASE("library scenarios: each view change names the fault the scenario injects") {
  // Goal: the cause column tells a crashed leader from a partition from loss.
  // Method: scenarios with one kind of fault each; every view change that the
  // fault provoked carries its name.
  CHECK(causes_of(load("leader-crash.yaml", {"crypto=fast"})) == std::set<std::string>{"leader_crashed"});
  CHECK(causes_of(load("lossy.yaml", {"crypto=fast"})) == std::set<std::string>{"message_loss"});
  CHECK(causes_of(load("partition-heal.yaml", {"crypto=fast"})) == std::set<std::string>{"partition"});
  const auto slow = causes_of(load("byz-n4-slow-leader.yaml", {"crypto=fast", "byzantine[0].behavior=silent"}));
  CHECK(slow == std::set<std::string>{"leader_silent_or_slow"});
}

TEST_CASE("fault rows: a crash lasts until the replica's restart; Byzantine replicas and loss span the run") {
  const auto scenario = load("crash-restart.yaml", {"network.loss=0.01"});
  const auto rows = bftsim::fault_rows(scenario, bftsim::fault_schedule(scenario, scenario.seed));
  REQUIRE(rows.size() >= 3);
  CHECK(rows[0].kind == "crash");
  CHECK(rows[1].kind == "restart");
  REQUIRE(rows[0].end.has_value());
  CHECK(*rows[0].end == rows[1].start);
  CHECK(rows.back().kind == "loss");
  CHECK(rows.back().target == "all");
  CHECK_FALSE(rows.back().end.has_value());
  CHECK(rows.back().detail == "loss=0.01");
}

}  // namespace test_sim_report_view_change_cause_test
