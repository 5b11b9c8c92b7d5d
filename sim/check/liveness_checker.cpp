#include "sim/check/liveness_checker.h"

#include <fmt/format.h>

#include "sim/units.h"

namespace bftsim {

void LivenessChecker::on_progress(Instant at) {
  if (at > gst_) {
    const Instant from = std::max(last_progress_, gst_);
    if (at - from > longest_stall_) {
      longest_stall_ = at - from;
      longest_stall_end_ = at;
    }
  }
  last_progress_ = at;
}

void LivenessChecker::extend_gst(Instant at) {
  if (has_faults_ && at <= gst_) return;
  gst_ = at;
  has_faults_ = true;
  longest_stall_ = 0;
  longest_stall_end_ = 0;
}

std::optional<Violation> LivenessChecker::finish(Instant end, std::uint64_t event_index) {
  Duration longest = longest_stall_;
  Instant longest_end = longest_stall_end_;
  if (end > gst_) {
    const Instant from = std::max(last_progress_, gst_);
    if (end - from > longest) {
      longest = end - from;
      longest_end = end;
    }
  }
  if (longest <= within_) return std::nullopt;
  const std::string since = has_faults_ ? fmt::format("after the last fault ended at {}", format_duration(gst_))
                                        : std::string("counted from the start (the run has no faults)");
  return Violation{"liveness", event_index, longest_end,
                   fmt::format("no honest replica committed a new block for {} (from {} to {}) {}; the bound is {}",
                               format_duration(longest), format_duration(longest_end - longest),
                               format_duration(longest_end), since, format_duration(within_)),
                   {}, {}};
}

}  // namespace bftsim
