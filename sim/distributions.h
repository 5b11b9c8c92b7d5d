// Random distributions over an Rng, written here rather than taken from
// <random>, whose distributions differ between standard libraries (STYLE.md 6).
// Each function documents how many next_u64() draws it consumes; that count is
// fixed (so a change of parameter never shifts later draws of the stream),
// except for the rare rejection retry of uniform_u64 and what calls it.
// Integer functions are bit-exact everywhere. The floating-point ones call
// std::log/exp/pow/cos/sqrt, so they are exact for one binary and libm, and
// may differ in the last bit on another platform.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "core/types/ids.h"
#include "sim/rng.h"

namespace bftsim {

// Uniform in [0, bound), without modulo bias: Lemire's multiply-shift with
// rejection ("Fast random integer generation in an interval", 2019).
// Draws: 1, plus a retry with probability < bound / 2^64.
// Requires: bound > 0.
std::uint64_t uniform_u64(Rng& rng, std::uint64_t bound);

// Uniform in [min, max], both inclusive; the full int64 range is allowed.
// Draws: as uniform_u64 (exactly 1 for the full range).
// Requires: min <= max.
std::int64_t uniform_range(Rng& rng, std::int64_t min, std::int64_t max);

// Uniform in [0, 1): the top 53 bits of one draw times 2^-53. Draws: 1.
double uniform_unit(Rng& rng);

inline constexpr std::uint32_t ppm_max = 1'000'000;

// True with probability ppm / 1'000'000, by an exact integer comparison
// against uniform_u64(ppm_max). It draws even for 0 (never true) and
// 1'000'000 (always true), so a scenario that turns a probability on or off
// does not shift the stream. Draws: as uniform_u64.
// Requires: ppm <= ppm_max.
bool chance_ppm(Rng& rng, std::uint32_t ppm);

// Exponential with the given mean, by inversion: -mean * ln(1 - u).
// Draws: 1. Requires: mean > 0.
double exponential(Rng& rng, double mean);

// Normal by Box-Muller, using the cosine half only (no cached second value, so
// every call costs the same). Draws: 2. Requires: stddev >= 0.
double normal(Rng& rng, double mean, double stddev);

// Lognormal: median * exp(sigma * z) for a standard normal z, so `median` is
// the median and `sigma` the stddev of the logarithm. Draws: 2.
// Requires: median > 0, sigma >= 0.
double lognormal(Rng& rng, double median, double sigma);

// Pareto (type I) with minimum `scale` and tail index `shape`, by inversion:
// scale * (1 - u)^(-1/shape). The mean is shape*scale/(shape-1) for shape > 1;
// the median is scale * 2^(1/shape). Draws: 1.
// Requires: scale > 0, shape > 0.
double pareto(Rng& rng, double scale, double shape);

// Fisher-Yates shuffle, for callers who would otherwise reach for
// std::shuffle (whose draws differ between standard libraries).
// Draws: items.size() - 1 calls of uniform_u64 (none for size <= 1).
template <typename T>
void shuffle(Rng& rng, std::span<T> items) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_u64(rng, i));
    using std::swap;
    swap(items[i - 1], items[j]);
  }
}

// Zipfian over [0, item_count), item 0 the most popular: P(k) is proportional
// to 1 / (k+1)^theta. This is YCSB's ZipfianGenerator, after Gray et al.,
// "Quickly generating billion-record synthetic databases" (SIGMOD 1994): ranks
// 0 and 1 are exact and the rest follow the paper's closed-form approximation.
// The constructor sums zeta(item_count, theta) once, O(item_count)
// (about 10 ms for 10^6 items); next() is O(1). Immutable after construction.
class ZipfianGenerator {
 public:
  // Requires: item_count >= 1, 0 < theta < 1.
  ZipfianGenerator(std::uint64_t item_count, double theta);

  // One item index in [0, item_count). Draws: 1.
  std::uint64_t next(Rng& rng) const;

  std::uint64_t item_count() const { return item_count_; }
  double theta() const { return theta_; }

 private:
  std::uint64_t item_count_;
  double theta_;
  double zeta_n_;          // sum over i in 1..item_count of 1 / i^theta
  double half_pow_theta_;  // 0.5^theta: P(rank 1) / P(rank 0)
  double alpha_;           // 1 / (1 - theta)
  double eta_;             // Gray et al.'s eta; unused when item_count <= 2
};

// A drawn length in ns as a Duration: 0 for NaN or <= 0, rounded to whole ns,
// at most `cap` (heavy tails must not overflow time arithmetic).
Duration to_duration(double ns, Duration cap);

}  // namespace bftsim
