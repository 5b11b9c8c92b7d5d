// Exact parsers and formatters for durations, rates and probabilities.
#include "sim/units.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr std::uint32_t ppm_one = 1'000'000;
constexpr std::uint64_t duration_max = static_cast<std::uint64_t>(std::numeric_limits<Duration>::max());

// At most 18 decimals: with them, every product below fits in 128 bits.
constexpr std::uint32_t max_scale = 18;

struct Decimal {
  std::uint64_t digits = 0;  // the number without its decimal point
  std::uint32_t scale = 0;   // digits after the point: value = digits / 10^scale
};

u128 gcd(u128 a, u128 b) {
  while (b != 0) {
    const u128 r = a % b;
    a = b;
    b = r;
  }
  return a;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

u128 pow10(std::uint32_t exponent) {
  u128 out = 1;
  for (std::uint32_t i = 0; i < exponent; ++i) out *= 10;
  return out;
}

// Reads "digits[.digits]" from the front of `text` and removes it. Leading
// zeros are fine; a sign, an exponent or a bare point are not. Zeros after the
// point count only once a nonzero digit follows them, so "1.50000000000000000000s"
// does not overflow.
Result<Decimal> take_decimal(std::string_view& text) {
  Decimal out;
  std::size_t i = 0;
  bool seen_point = false;
  std::size_t before_point = 0;
  std::size_t after_point = 0;
  std::uint32_t pending_zeros = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!is_digit(c)) break;
    if (seen_point) {
      ++after_point;
      if (c == '0') {
        ++pending_zeros;
        continue;
      }
    } else {
      ++before_point;
    }
    const std::uint32_t shift = seen_point ? pending_zeros + 1 : 1;
    pending_zeros = 0;
    if (seen_point) out.scale += shift;
    if (out.scale > max_scale) return make_error(ErrorCode::invalid_argument, "too many decimal digits");
    const u128 next = static_cast<u128>(out.digits) * pow10(shift) + static_cast<u128>(c - '0');
    if (next > std::numeric_limits<std::uint64_t>::max())
      return make_error(ErrorCode::invalid_argument, "number is too large");
    out.digits = static_cast<std::uint64_t>(next);
  }
  if (before_point == 0) return make_error(ErrorCode::invalid_argument, "expected a number first");
  if (seen_point && after_point == 0)
    return make_error(ErrorCode::invalid_argument, "expected digits after the decimal point");
  text.remove_prefix(i);
  return out;
}

Result<Duration> unit_ns(std::string_view unit) {
  if (unit == "ns") return Duration{1};
  if (unit == "us") return ns_per_us;
  if (unit == "ms") return ns_per_ms;
  if (unit == "s") return ns_per_s;
  if (unit == "m") return 60 * ns_per_s;
  if (unit.empty()) return make_error(ErrorCode::invalid_argument, "missing unit (use ns, us, ms, s or m)");
  return make_error(ErrorCode::invalid_argument,
                    fmt::format("unknown unit \"{}\" (use ns, us, ms, s or m)", unit));
}

// value * unit exactly, or an error when it is not a whole number of ns.
Result<Duration> scale_exact(const Decimal& value, Duration unit) {
  const u128 numerator = static_cast<u128>(value.digits) * static_cast<u128>(unit);
  const u128 denominator = pow10(value.scale);
  if (numerator % denominator != 0)
    return make_error(ErrorCode::invalid_argument, "not a whole number of nanoseconds");
  const u128 ns = numerator / denominator;
  if (ns > duration_max) return make_error(ErrorCode::invalid_argument, "too large");
  return static_cast<Duration>(ns);
}

// "123" followed by up to `width` fractional digits, trailing zeros removed.
std::string format_fixed(std::uint64_t value, std::uint64_t unit, int width) {
  const std::uint64_t whole = value / unit;
  std::uint64_t fraction = value % unit;
  if (fraction == 0) return fmt::format("{}", whole);
  while (fraction % 10 == 0) {
    fraction /= 10;
    --width;
  }
  return fmt::format("{}.{:0{}}", whole, fraction, width);
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return make_error(ErrorCode::invalid_argument, "empty duration");
  if (text.front() == '-') return make_error(ErrorCode::invalid_argument, "negative durations are not allowed");
  std::string_view rest = text;
  auto number = take_decimal(rest);
  if (!number) return tl::unexpected(number.error());
  auto unit = unit_ns(rest);
  if (!unit) return tl::unexpected(unit.error());
  return scale_exact(*number, *unit);
}

std::string format_duration(Duration duration) {
  if (duration == 0) return "0s";
  const bool negative = duration < 0;
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(duration) : static_cast<std::uint64_t>(duration);
  struct Unit {
    std::uint64_t ns;
    int digits;
    const char* suffix;
  };
  static constexpr Unit units[] = {{1'000'000'000, 9, "s"}, {1'000'000, 6, "ms"}, {1'000, 3, "us"}, {1, 0, "ns"}};
  const Unit* unit = &units[0];
  while (magnitude < unit->ns) ++unit;  // stops at ns, since magnitude >= 1
  return fmt::format("{}{}{}", negative ? "-" : "", format_fixed(magnitude, unit->ns, unit->digits), unit->suffix);
}

Result<Rate> parse_rate(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return make_error(ErrorCode::invalid_argument, "expected a rate like 100/s");
  if (!text.empty() && text.front() == '-') return make_error(ErrorCode::invalid_argument, "negative rates are not allowed");
  std::string_view count_text = text.substr(0, slash);
  auto count = take_decimal(count_text);
  if (!count) return tl::unexpected(count.error());
  if (!count_text.empty()) return make_error(ErrorCode::invalid_argument, "expected a rate like 100/s");
  // "/s" means per one second; "/2s" per two seconds.
  std::string_view per_text = text.substr(slash + 1);
  // Built with fmt: GCC 12 at -O2 with sanitizers reports a false
  // -Wrestrict for std::string's operator+= here.
  const std::string per_owned =
      per_text.empty() || !is_digit(per_text.front()) ? fmt::format("1{}", per_text) : std::string(per_text);
  auto per = parse_duration(per_owned);
  if (!per) return tl::unexpected(per.error());
  if (*per == 0) return make_error(ErrorCode::invalid_argument, "rate period must be > 0");
  // digits / 10^scale events per `per`: move 10^scale into the period.
  u128 per_scaled = static_cast<u128>(*per) * pow10(count->scale);
  u128 events = count->digits;
  if (events == 0) return Rate{0, *per};
  // Cancel only what the decimal point added, so "100/s" stays 100 per 1s.
  const u128 divisor = gcd(events, pow10(count->scale));
  events /= divisor;
  per_scaled /= divisor;
  if (per_scaled > duration_max) return make_error(ErrorCode::invalid_argument, "rate has too many decimal digits");
  return Rate{static_cast<std::uint64_t>(events), static_cast<Duration>(per_scaled)};
}

std::string format_rate(const Rate& rate) {
  BFTSIM_ASSERT(rate.per > 0);
  // Events per second times 10^9, when that is a whole number.
  const u128 numerator = static_cast<u128>(rate.events) * ns_per_s * ns_per_s;
  const u128 per = static_cast<u128>(rate.per);
  if (numerator % per == 0) {
    const u128 nano_events = numerator / per;
    if (nano_events <= std::numeric_limits<std::uint64_t>::max())
      return format_fixed(static_cast<std::uint64_t>(nano_events), 1'000'000'000, 9) + "/s";
  }
  return fmt::format("{}/{}", rate.events, format_duration(rate.per));
}

Duration rate_interval(const Rate& rate) {
  BFTSIM_ASSERT(rate.events > 0);
  BFTSIM_ASSERT(rate.per > 0);
  return static_cast<Duration>(static_cast<std::uint64_t>(rate.per) / rate.events);
}

Result<std::uint32_t> parse_probability_ppm(double probability) {
  if (std::isnan(probability)) return make_error(ErrorCode::invalid_argument, "probability is not a number");
  if (probability < 0.0 || probability > 1.0)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("probability must be between 0 and 1, got {}", probability));
  const double scaled = probability * ppm_one;
  const double rounded = std::nearbyint(scaled);
  // Decimal inputs such as 0.2 land within ~1e-10 of a whole ppm; a larger
  // gap means the input is finer than the resolution.
  if (std::fabs(scaled - rounded) > 1e-6)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("probability {} is finer than 1 ppm (0.000001)", probability));
  return static_cast<std::uint32_t>(rounded);
}

}  // namespace bftsim
