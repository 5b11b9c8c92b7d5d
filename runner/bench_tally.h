// BenchTally: bft-client bench's account of a run: operations completed,
// timeouts, each operation's latency, and the run's duration. The clock
// stops at the last reply: the duration is from the start to the moment the
// last operation completed, however late the caller asks (the progress
// timer and the connections' teardown come after it), so the rate is
// operations over the time they took. A run that did not complete (asked
// before the last reply) is measured to the moment of asking. Time points
// are passed in, never read here, so a test can drive it on a made-up
// timeline (tests/runner/bench_tally_test.cpp). Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace bftsim::runner {

class BenchTally {
 public:
  using Clock = std::chrono::steady_clock;
  BenchTally(std::uint64_t ops, Clock::time_point started) : ops_(ops), started_(started) {}

  // A request of `count` operations sent at `sent` completed at `at`
  // (answered, or timed out when !answered).
  void complete(std::uint64_t count, bool answered, Clock::time_point sent, Clock::time_point at);
  bool done() const { return completed_ >= ops_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t timeouts() const { return timeouts_; }
  // Seconds from the start to the last reply when done, else to `now`.
  double seconds(Clock::time_point now) const;
  // The p-th percentile (0..100) of the operations' latencies in ms.
  double latency_percentile_ms(double p);
  double latency_max_ms();

 private:
  std::uint64_t ops_;
  Clock::time_point started_;
  std::optional<Clock::time_point> finished_;
  std::uint64_t completed_ = 0;
  std::uint64_t timeouts_ = 0;
  std::vector<double> latencies_ms_;
  bool sorted_ = true;
};

}  // namespace bftsim::runner
