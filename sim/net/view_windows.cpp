// View-keyed fault windows (view_windows.h).
#include "sim/net/view_windows.h"

namespace bftsim {

ViewWindows::ViewWindows(const std::vector<Fault>& schedule)
    : begun_(schedule.size(), false), ended_(schedule.size(), false) {
  for (const Fault& fault : schedule) {
    at_view_.push_back(fault_at_view(fault));
    until_view_.push_back(fault_until_view(fault));
  }
}

std::vector<ViewWindows::Transition> ViewWindows::on_view_entered(View view) {
  std::vector<Transition> out;
  if (view <= highest_) return out;
  highest_ = view;
  for (std::size_t f = 0; f < at_view_.size(); ++f) {
    if (!at_view_[f]) continue;
    if (!begun_[f] && *at_view_[f] <= view) {
      begun_[f] = true;
      out.push_back({f, true});
    }
    if (begun_[f] && !ended_[f] && until_view_[f] && *until_view_[f] <= view) {
      ended_[f] = true;
      out.push_back({f, false});
    }
  }
  return out;
}

}  // namespace bftsim
