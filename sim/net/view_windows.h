// The view-keyed windows of a run's fault schedule (`at_view`,
// `until_view`): the highest view any honest replica has entered, and which
// faults begin or end as it grows. Plain bookkeeping; the simulation applies
// each transition inside the event in which the view was reached.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/scenario/scenario.h"

namespace bftsim {

class ViewWindows {
 public:
  struct Transition {
    std::size_t fault_id = 0;
    bool begin = true;
  };

  explicit ViewWindows(const std::vector<Fault>& schedule);

  // An honest replica entered `view`. When that is higher than any before:
  // the faults it begins and ends, by fault id (one whose whole window it
  // jumps over begins, then ends). Else none.
  std::vector<Transition> on_view_entered(View view);

  View highest() const { return highest_; }
  bool begun(std::size_t fault_id) const { return begun_[fault_id]; }

 private:
  std::vector<std::optional<View>> at_view_;     // by fault id; none: a time-keyed fault
  std::vector<std::optional<View>> until_view_;
  std::vector<bool> begun_;
  std::vector<bool> ended_;
  View highest_ = 0;
};

}  // namespace bftsim
