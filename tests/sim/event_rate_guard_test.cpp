// Tests of EventRateGuard (sim/event_rate_guard.h): a window of 10 ms of
// simulated time holds at most event_rate_max / 100 events; the next one
// passes the bound; a new window starts the count again. Method: events fed
// by hand at chosen times.
#include "sim/event_rate_guard.h"

#include <doctest/doctest.h>

namespace bftsim::test_sim_event_rate_guard_test {
namespace {

TEST_CASE("event rate guard: the event past a window's share of the rate passes the bound") {
  EventRateGuard guard(1'000);  // 10 events per 10 ms
  CHECK(guard.window_events_max() == 10);
  for (int i = 0; i < 10; ++i) CHECK_FALSE(guard.exceeded_after(5 * ns_per_ms));
  CHECK(guard.exceeded_after(event_rate_window - 1));  // the 11th in [0, 10 ms)
  CHECK(guard.window_start() == 0);
  CHECK(guard.window_events() == 11);
}

TEST_CASE("event rate guard: each window counts afresh, so a steady rate at the bound runs on") {
  EventRateGuard guard(1'000);
  for (Instant window = 0; window < 100; ++window)
    for (int i = 0; i < 10; ++i) CHECK_FALSE(guard.exceeded_after(window * event_rate_window + i));
  CHECK(guard.window_start() == 99 * event_rate_window);
  // A gap of many windows, then a burst at one instant.
  for (int i = 0; i < 10; ++i) CHECK_FALSE(guard.exceeded_after(5 * ns_per_s));
  CHECK(guard.exceeded_after(5 * ns_per_s));
  CHECK(guard.window_start() == 5 * ns_per_s);
}

TEST_CASE("event rate guard: a bound below one event per window still allows one") {
  EventRateGuard guard(100);  // 1 per window
  CHECK_FALSE(guard.exceeded_after(0));
  CHECK(guard.exceeded_after(1));
}

}  // namespace
}  // namespace bftsim::test_sim_event_rate_guard_test
