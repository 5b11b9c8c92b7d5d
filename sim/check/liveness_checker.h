// LivenessChecker ("liveness"): after the last fault ends (GST), or from the
// start of a run without faults, honest commits never stall longer than the
// scenario's bound. Checked at the end of the run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "sim/check/checker.h"

namespace bftsim {

class LivenessChecker final : public Checker {
 public:
  // `gst`: when the last fault ended, or none when the run has no faults (then
  // stalls count from the start); `within`: the longest allowed stall after it.
  LivenessChecker(std::optional<Instant> gst, Duration within)
      : gst_(gst.value_or(0)), has_faults_(gst.has_value()), within_(within) {}

  // A new height was first committed by an honest replica.
  void on_progress(Instant at);
  // A fault began or ended at `at` (now): GST moves there if it is later. The
  // stalls seen so far all ended before it, so they no longer count.
  void extend_gst(Instant at);
  // Checks the stall up to `end` (the end of the run).
  std::optional<Violation> finish(Instant end, std::uint64_t event_index) override;
  Instant gst() const { return gst_; }

 private:
  Instant gst_;
  bool has_faults_;  // only for the message: a run without faults has no "last fault"
  Duration within_;
  Instant last_progress_ = 0;
  Duration longest_stall_ = 0;  // after gst
  Instant longest_stall_end_ = 0;
};

}  // namespace bftsim
