// EventRateGuard: the simulator's cut-off for an event storm. A run whose
// events multiply faster than simulated time advances (a request storm
// between two replicas, a zero-delay message loop) would otherwise never
// reach its end. The guard counts events in consecutive windows of
// event_rate_window simulated time; once one window holds more than
// event_rate_max * window / 1 s events, the run stops with a verdict
// (RunReport::cut_off). So a run does at most event_rate_max events per
// simulated second plus one window's worth: bounded work for any scenario.
// Deterministic: it reads only simulated time. Owned by Simulation::Impl.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/types/assert.h"
#include "core/types/ids.h"

namespace bftsim {

inline constexpr Duration event_rate_window = 10 * ns_per_ms;

class EventRateGuard {
 public:
  // Requires: events_per_second_max > 0.
  explicit EventRateGuard(std::uint64_t events_per_second_max)
      : window_events_max_(std::max<std::uint64_t>(
            1, events_per_second_max / static_cast<std::uint64_t>(ns_per_s / event_rate_window))) {
    BFTSIM_ASSERT(events_per_second_max > 0);
  }

  // Counts one event at simulated time `now` (never earlier than the last);
  // true when its window now holds more events than the bound allows.
  bool exceeded_after(Instant now) {
    BFTSIM_ASSERT(now >= window_start_);
    const Instant window = now - now % event_rate_window;
    if (window != window_start_) {
      window_start_ = window;
      window_events_ = 0;
    }
    return ++window_events_ > window_events_max_;
  }

  Instant window_start() const { return window_start_; }
  std::uint64_t window_events() const { return window_events_; }
  std::uint64_t window_events_max() const { return window_events_max_; }

 private:
  std::uint64_t window_events_max_;
  Instant window_start_ = 0;
  std::uint64_t window_events_ = 0;
};

}  // namespace bftsim
