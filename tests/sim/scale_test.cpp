// n = 1000 (f = 333), the largest cluster issue 12 asks the simulator to run:
// the demo workload with fast crypto and votes to the next leader loads and
// runs a few simulated milliseconds, and the replicas do talk: the first
// leader's proposal reaches all 999 others, their votes form a QC of 667
// signatures at the next leader (past the old cap of 256), and its proposal
// carries that QC to all 999.
// How fast is bench/scale.sh's business, not a test's.
#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/protocol/messages.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace bftsim::test_sim_scale_test {
namespace {

const MessageCounters& counters(const RunReport& report, MessageType type) {
  return report.messages[static_cast<std::size_t>(type) - 1];
}

TEST_CASE("n = 1000 loads and runs a few simulated milliseconds") {
  auto scenario = load_scenario_file(std::string(BFTSIM_SOURCE_DIR) + "/scenarios/demo.yaml",
                                     {"replicas=1000", "faulty=333", "crypto=fast", "protocol.vote_to=next_leader",
                                      "duration=8ms", "expect.liveness=unchecked", "expect.min_commits=0"});
  REQUIRE(scenario);
  CHECK(scenario->replica_count == 1000);
  Simulation simulation(*scenario, SimulationOptions{.seed = 1});
  const RunReport report = simulation.run();
  CHECK(report.replica_count == 1000);
  CHECK(report.safety == Verdict::holds);
  CHECK(report.as_expected);
  CHECK(report.end_time == scenario->duration);
  // Every proposal goes to the 999 others; the first is delivered to all of them.
  const MessageCounters& proposals = counters(report, MessageType::proposal);
  CHECK(proposals.sent % 999 == 0);
  CHECK(proposals.delivered >= 999);
  // Votes go to the next leader only; a quorum (667) of them reached it and
  // it proposed again, with the QC: 667 signatures of 64 bytes in each copy.
  const MessageCounters& votes = counters(report, MessageType::vote);
  CHECK(votes.delivered >= 667);
  CHECK(proposals.sent >= 2 * 999);
  CHECK(proposals.bytes_sent > 999ULL * 667 * 64);
}

}  // namespace
}  // namespace bftsim::test_sim_scale_test
