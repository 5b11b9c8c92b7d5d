// The run's fault windows as rows of faults.csv: each scripted or random
// fault (a crash lasts until the replica's next restart), each Byzantine
// replica (the whole run) and network-wide loss (the whole run), so plots can
// shade when something was wrong. Pure: from the scenario and the schedule.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace bftsim {

struct FaultRow {
  std::string kind;    // crash, restart, partition, cut, link, clog, disk, clock, byzantine, loss
  std::string target;  // "2", "0->3", "0<->3", "0,1|2,3", "all"
  Instant start = 0;
  std::optional<Instant> end;  // none: never heals
  std::string detail;
};

std::vector<FaultRow> fault_rows(const Scenario& scenario, const std::vector<Fault>& schedule);

}  // namespace bftsim
