// One simulation run: the scenario's replicas, clients, network and fault
// schedule driven by a single-threaded event loop in virtual time. Events are
// ordered by (time, insertion sequence); every random draw comes from a named
// stream of the run seed. The same scenario and seed give the same trace hash
// and the same report. A safety violation stops the run at its event.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/report/report.h"
#include "sim/report/trace_event.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

struct SimulationOptions {
  std::uint64_t seed = 1;
  TraceSink* trace = nullptr;  // when set: receives every step and what happened in it (not owned)
};

class Simulation {
 public:
  Simulation(const Scenario& scenario, SimulationOptions options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs to the scenario's duration or to the first safety violation.
  // Requires: called once.
  RunReport run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bftsim
