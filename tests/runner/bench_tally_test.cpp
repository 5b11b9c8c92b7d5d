// Tests BenchTally (runner/bench_tally.h), bft-client bench's clock and
// latencies, on made-up timelines: the duration ends at the last reply, not
// when the caller asks (after the progress tick and the teardown).
#include <doctest/doctest.h>

#include "runner/bench_tally.h"

namespace bftsim::runner::test_runner_bench_tally_test {
namespace {

using Clock = BenchTally::Clock;
using std::chrono::milliseconds;

}  // namespace

TEST_CASE("bench_tally: the clock stops at the last reply, however late it is read") {
  const Clock::time_point t0{};  // a made-up timeline from 0
  BenchTally tally(96, t0);
  // Three requests of 32 operations, the last reply at 2.5 s.
  tally.complete(32, true, t0, t0 + milliseconds(1000));
  tally.complete(32, true, t0 + milliseconds(1000), t0 + milliseconds(1800));
  CHECK_FALSE(tally.done());
  tally.complete(32, true, t0 + milliseconds(1800), t0 + milliseconds(2500));
  CHECK(tally.done());
  // Read after the next progress tick (3 s) and a slow teardown (7 s).
  CHECK(tally.seconds(t0 + milliseconds(3000)) == doctest::Approx(2.5));
  CHECK(tally.seconds(t0 + milliseconds(7000)) == doctest::Approx(2.5));
  CHECK(tally.completed() == 96);
  CHECK(tally.timeouts() == 0);
}

TEST_CASE("bench_tally: an unfinished run is measured to the moment it is read") {
  const Clock::time_point t0{};
  BenchTally tally(64, t0);
  tally.complete(32, true, t0, t0 + milliseconds(400));
  CHECK_FALSE(tally.done());
  CHECK(tally.seconds(t0 + milliseconds(10'000)) == doctest::Approx(10.0));
}

TEST_CASE("bench_tally: latencies per operation, timeouts counted, a late straggler does not move the end") {
  const Clock::time_point t0{};
  BenchTally tally(4, t0);
  tally.complete(1, true, t0, t0 + milliseconds(10));
  tally.complete(2, true, t0, t0 + milliseconds(20));  // a batch: two operations of 20 ms
  tally.complete(1, false, t0, t0 + milliseconds(900));
  CHECK(tally.timeouts() == 1);
  CHECK(tally.latency_percentile_ms(0) == doctest::Approx(10));
  CHECK(tally.latency_percentile_ms(50) == doctest::Approx(20));
  CHECK(tally.latency_percentile_ms(74) == doctest::Approx(20));
  CHECK(tally.latency_max_ms() == doctest::Approx(900));
  CHECK(tally.seconds(t0 + milliseconds(5000)) == doctest::Approx(0.9));
  // Completions past the count (none should come) leave the end where it was.
  tally.complete(1, true, t0, t0 + milliseconds(3000));
  CHECK(tally.seconds(t0 + milliseconds(5000)) == doctest::Approx(0.9));
}

}  // namespace bftsim::runner::test_runner_bench_tally_test
