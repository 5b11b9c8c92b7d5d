// Text forms of the quantities a scenario states: durations ("200ms", "1.5s"),
// rates ("100/s", "2.5/ms") and probabilities (0..1, kept as integer parts per
// million). Every parse is exact integer arithmetic, so the same text always
// gives the same value; no float reaches the simulation's random decisions.
// Error messages are bare descriptions; the scenario loader adds the location.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/types/ids.h"
#include "core/types/result.h"

namespace bftsim {

// A decimal number and a unit, with nothing between: "750us", "1.5s", "2m".
// Units: ns, us, ms, s, m (minutes). Rejects a missing or unknown unit, a sign,
// exponents, overflow past int64 nanoseconds, and a value that is not a whole
// number of nanoseconds ("0.5ns", "1.0000000001s").
Result<Duration> parse_duration(std::string_view text);

// The shortest exact form in the largest unit (s, ms, us, ns) not above the
// value: 200'000'000 -> "200ms", 1'500'000'000 -> "1.5s", 0 -> "0s". Negative
// values get a leading '-'. parse_duration(format_duration(d)) == d for d >= 0.
std::string format_duration(Duration duration);

// `events` per `per` nanoseconds. parse_rate keeps the written period and
// cancels only the factors of ten a decimal point adds ("2.5/s" is 5 per 2s),
// so compare rates by value (events * other.per), not with ==, when the
// spelling may differ ("10/2s" and "5/s" are different Rate values).
struct Rate {
  std::uint64_t events = 0;
  Duration per = ns_per_s;

  bool operator==(const Rate&) const = default;
};

// "<number>/<unit>" or "<number>/<duration>": "100/s", "2.5/s", "3/ms",
// "5/2s". The number may have decimals; the result is exact ("2.5/s" becomes
// 5 events per 2s). Zero is allowed here ("0/s"); callers that need a positive
// rate check events > 0.
Result<Rate> parse_rate(std::string_view text);

// "100/s" when the rate is a whole or exact decimal number per second,
// otherwise "<events>/<per>" ("1/3s"). parse_rate(format_rate(r)) == r.
std::string format_rate(const Rate& rate);

// Mean gap between events, rounded down to a whole nanosecond.
// Requires: rate.events > 0.
Duration rate_interval(const Rate& rate);

// A probability in [0, 1] as parts per million, rounded to the nearest ppm.
// Rejects NaN, values outside [0, 1], and nonzero values finer than 1 ppm
// that would otherwise round to a different event (e.g. 1e-7 -> 0).
Result<std::uint32_t> parse_probability_ppm(double probability);

}  // namespace bftsim
