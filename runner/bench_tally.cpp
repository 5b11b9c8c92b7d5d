// BenchTally (bench_tally.h).
#include "runner/bench_tally.h"

#include <algorithm>

namespace bftsim::runner {

void BenchTally::complete(std::uint64_t count, bool answered, Clock::time_point sent, Clock::time_point at) {
  completed_ += count;
  if (!answered) timeouts_ += count;
  const double ms = std::chrono::duration<double, std::milli>(at - sent).count();
  latencies_ms_.insert(latencies_ms_.end(), count, ms);
  sorted_ = false;
  if (done() && !finished_) finished_ = at;
}

double BenchTally::seconds(Clock::time_point now) const {
  return std::chrono::duration<double>(finished_.value_or(now) - started_).count();
}

double BenchTally::latency_percentile_ms(double p) {
  if (latencies_ms_.empty()) return 0;
  if (!sorted_) std::sort(latencies_ms_.begin(), latencies_ms_.end());
  sorted_ = true;
  const std::size_t index = std::min(latencies_ms_.size() - 1,
                                     static_cast<std::size_t>(p / 100.0 * static_cast<double>(latencies_ms_.size())));
  return latencies_ms_[index];
}

double BenchTally::latency_max_ms() { return latency_percentile_ms(100); }

}  // namespace bftsim::runner
