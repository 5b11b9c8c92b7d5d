// Implementations of sim/distributions.h; the draw counts documented there are
// part of the contract, so any change here must keep them or say so.
#include "sim/distributions.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "core/types/assert.h"

namespace bftsim {

namespace {

// 1 - uniform_unit: in (0, 1], so its logarithm is finite.
double uniform_unit_open_zero(Rng& rng) { return 1.0 - uniform_unit(rng); }

double standard_normal(Rng& rng) {
  const double u1 = uniform_unit_open_zero(rng);
  const double u2 = uniform_unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace

std::uint64_t uniform_u64(Rng& rng, std::uint64_t bound) {
  BFTSIM_ASSERT(bound > 0);
  unsigned __int128 product = static_cast<unsigned __int128>(rng.next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    // 2^64 mod bound: the number of low values that would over-represent
    // some outputs. Computed only on this rare path to avoid the division.
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(rng.next_u64()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

std::int64_t uniform_range(Rng& rng, std::int64_t min, std::int64_t max) {
  BFTSIM_ASSERT(min <= max);
  // Unsigned arithmetic wraps where signed would overflow; the conversions
  // back to int64 are modular (well defined since C++20).
  const std::uint64_t span = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
  const std::uint64_t offset = span == std::numeric_limits<std::uint64_t>::max()
                                   ? rng.next_u64()
                                   : uniform_u64(rng, span + 1);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(min) + offset);
}

double uniform_unit(Rng& rng) {
  return static_cast<double>(rng.next_u64() >> 11) * 0x1.0p-53;
}

bool chance_ppm(Rng& rng, std::uint32_t ppm) {
  BFTSIM_ASSERT(ppm <= ppm_max);
  return uniform_u64(rng, ppm_max) < ppm;
}

double exponential(Rng& rng, double mean) {
  BFTSIM_ASSERT(mean > 0);
  return -mean * std::log(uniform_unit_open_zero(rng));
}

double normal(Rng& rng, double mean, double stddev) {
  BFTSIM_ASSERT(stddev >= 0);
  return mean + stddev * standard_normal(rng);
}

double lognormal(Rng& rng, double median, double sigma) {
  BFTSIM_ASSERT(median > 0);
  BFTSIM_ASSERT(sigma >= 0);
  return median * std::exp(sigma * standard_normal(rng));
}

double pareto(Rng& rng, double scale, double shape) {
  BFTSIM_ASSERT(scale > 0);
  BFTSIM_ASSERT(shape > 0);
  return scale * std::pow(uniform_unit_open_zero(rng), -1.0 / shape);
}

ZipfianGenerator::ZipfianGenerator(std::uint64_t item_count, double theta)
    : item_count_(item_count), theta_(theta) {
  BFTSIM_ASSERT(item_count >= 1);
  BFTSIM_ASSERT(theta > 0 && theta < 1);
  // Summed from the smallest term up, which loses less precision.
  double zeta_n = 0;
  for (std::uint64_t i = item_count; i >= 1; --i) zeta_n += std::pow(static_cast<double>(i), -theta);
  zeta_n_ = zeta_n;
  half_pow_theta_ = std::pow(0.5, theta);
  alpha_ = 1.0 / (1.0 - theta);
  const double zeta_2 = 1.0 + half_pow_theta_;
  // With one or two items next() returns before using eta, and the formula
  // would divide zero by zero for two.
  eta_ = item_count <= 2 ? 0.0
                         : (1.0 - std::pow(2.0 / static_cast<double>(item_count), 1.0 - theta)) /
                               (1.0 - zeta_2 / zeta_n_);
}

std::uint64_t ZipfianGenerator::next(Rng& rng) const {
  const double u = uniform_unit(rng);
  const double uz = u * zeta_n_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + half_pow_theta_) return 1;
  const double index =
      static_cast<double>(item_count_) * std::pow(eta_ * u - eta_ + 1.0, alpha_);
  // Rounding can push the top of the range to item_count itself.
  const auto item = static_cast<std::uint64_t>(index);
  return item < item_count_ ? item : item_count_ - 1;
}

Duration to_duration(double ns, Duration cap) {
  if (!(ns > 0.0)) return 0;
  if (ns >= static_cast<double>(cap)) return cap;
  return static_cast<Duration>(std::llround(ns));
}

}  // namespace bftsim
