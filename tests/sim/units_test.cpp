// Tests for sim/units.h: duration, rate and probability parsers against
// hand-computed values, their rejections, and format/parse round trips.
#include "sim/units.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace bftsim::test_sim_units_test {
namespace {

template <typename T>
std::optional<T> value_of(const Result<T>& result) {
  if (result) return *result;
  return std::nullopt;
}

Duration duration_or_die(std::string_view text) {
  auto parsed = parse_duration(text);
  REQUIRE_MESSAGE(parsed.has_value(), text, ": ", parsed.error().message);
  return *parsed;
}

std::string duration_error(std::string_view text) {
  auto parsed = parse_duration(text);
  REQUIRE_MESSAGE(!parsed.has_value(), text, " parsed as ", *parsed);
  CHECK(parsed.error().code == ErrorCode::invalid_argument);
  return parsed.error().message;
}

TEST_CASE("parse_duration reads every unit and decimals exactly") {
  // Goal: each unit scales by the right power of ten. Method: a table of
  // inputs and their nanosecond values computed by hand.
  CHECK(duration_or_die("200ms") == 200'000'000);
  CHECK(duration_or_die("1.5s") == 1'500'000'000);
  CHECK(duration_or_die("750us") == 750'000);
  CHECK(duration_or_die("1ns") == 1);
  CHECK(duration_or_die("2m") == 120'000'000'000);
  CHECK(duration_or_die("0.25m") == 15'000'000'000);
  CHECK(duration_or_die("0s") == 0);
  CHECK(duration_or_die("0ns") == 0);
  CHECK(duration_or_die("0.5us") == 500);
  CHECK(duration_or_die("007ms") == 7'000'000);
  CHECK(duration_or_die("1.000000001s") == 1'000'000'001);
  CHECK(duration_or_die("1.50000000000000000000000000s") == 1'500'000'000);  // trailing zeros do not overflow
  CHECK(duration_or_die("9223372036854775807ns") == std::numeric_limits<Duration>::max());
  CHECK(duration_or_die("9223372036.854775807s") == std::numeric_limits<Duration>::max());
}

TEST_CASE("parse_duration rejects missing units, signs, garbage, overflow and fractions of a ns") {
  // Goal: nothing ambiguous or lossy gets through. Method: each bad input
  // must fail, and the message must name the reason.
  CHECK(duration_error("500").find("missing unit") != std::string::npos);
  CHECK(duration_error("1.5").find("missing unit") != std::string::npos);
  CHECK(duration_error("-1s").find("negative") != std::string::npos);
  CHECK(duration_error("0.5ns").find("whole number of nanoseconds") != std::string::npos);
  CHECK(duration_error("1.0000000001s").find("whole number of nanoseconds") != std::string::npos);
  CHECK(duration_error("9223372036854775808ns").find("too large") != std::string::npos);
  CHECK(duration_error("200000000m").find("too large") != std::string::npos);
  CHECK(duration_error("99999999999999999999999s").find("too large") != std::string::npos);
  CHECK(duration_error("10h").find("unknown unit \"h\"") != std::string::npos);
  for (std::string_view bad : {"", "ms", "s", "+1s", "1.s", ".5s", "1e3ms", "1 s", " 1s", "1s ", "1sec",
                               "abc", "1.2.3s", "1_000ms", "0x10ms", "1,5s", "inf s", "1S", "1Ms"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("format_duration picks the largest unit and stays exact") {
  // Goal: readable and lossless summaries. Method: hand-checked table, then
  // parse(format(d)) == d over values spread across every magnitude.
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(1) == "1ns");
  CHECK(format_duration(999) == "999ns");
  CHECK(format_duration(750'000) == "750us");
  CHECK(format_duration(200'000'000) == "200ms");
  CHECK(format_duration(1'500'000'000) == "1.5s");
  CHECK(format_duration(1'234'567) == "1.234567ms");
  CHECK(format_duration(90 * ns_per_s) == "90s");
  CHECK(format_duration(1'000'000'001) == "1.000000001s");
  CHECK(format_duration(-5 * ns_per_ms) == "-5ms");
  CHECK(format_duration(std::numeric_limits<Duration>::max()) == "9223372036.854775807s");
  CHECK(format_duration(std::numeric_limits<Duration>::min()) == "-9223372036.854775808s");

  std::uint64_t state = 12345;
  for (int i = 0; i < 5000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // a fixed LCG
    const int digits = static_cast<int>(state % 19);
    std::uint64_t bound = 1;
    for (int d = 0; d < digits; ++d) bound *= 10;
    const Duration value = static_cast<Duration>((state >> 11) % bound);
    const std::string text = format_duration(value);
    CAPTURE(text);
    CHECK(value_of(parse_duration(text)) == std::optional<Duration>(value));
  }
}

TEST_CASE("parse_rate keeps rates exact as events per period") {
  // Goal: rates with decimals or other periods lose nothing. Method: table of
  // inputs with their reduced (events, per) pairs.
  CHECK(value_of(parse_rate("100/s")) == std::optional<Rate>(Rate{100, ns_per_s}));
  CHECK(value_of(parse_rate("2.5/s")) == std::optional<Rate>(Rate{5, 2 * ns_per_s}));
  CHECK(value_of(parse_rate("3/ms")) == std::optional<Rate>(Rate{3, ns_per_ms}));
  CHECK(value_of(parse_rate("5/2s")) == std::optional<Rate>(Rate{5, 2 * ns_per_s}));
  CHECK(value_of(parse_rate("10/2s")) == std::optional<Rate>(Rate{10, 2 * ns_per_s}));
  CHECK(value_of(parse_rate("0.50/s")) == std::optional<Rate>(Rate{1, 2 * ns_per_s}));
  CHECK(value_of(parse_rate("1/m")) == std::optional<Rate>(Rate{1, 60 * ns_per_s}));
  CHECK(value_of(parse_rate("0.001/s")) == std::optional<Rate>(Rate{1, 1000 * ns_per_s}));
  CHECK(value_of(parse_rate("0/s")) == std::optional<Rate>(Rate{0, ns_per_s}));
  for (std::string_view bad : {"100", "100/", "100/x", "-1/s", "/s", "1/0s", "abc/s", "1 /s", "1/s/s", "1e2/s",
                               "1.5/0.5ns"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rate(bad).has_value());
  }
}

TEST_CASE("format_rate and rate_interval") {
  // Goal: rates print as written and give the right mean gap. Method: table,
  // then a parse/format round trip.
  CHECK(format_rate(Rate{100, ns_per_s}) == "100/s");
  CHECK(format_rate(Rate{5, 2 * ns_per_s}) == "2.5/s");
  CHECK(format_rate(Rate{3, ns_per_ms}) == "3000/s");
  CHECK(format_rate(Rate{1, 3 * ns_per_s}) == "1/3s");
  CHECK(rate_interval(Rate{100, ns_per_s}) == 10 * ns_per_ms);
  CHECK(rate_interval(Rate{1, 3 * ns_per_s}) == 3 * ns_per_s);
  CHECK(rate_interval(Rate{3, ns_per_s}) == 333'333'333);
  for (std::string_view text : {"100/s", "2.5/s", "1/3s", "7/11ms", "0.001/s", "1/m"}) {
    auto rate = parse_rate(text);
    REQUIRE(rate.has_value());
    CAPTURE(text);
    CHECK(value_of(parse_rate(format_rate(*rate))) == std::optional<Rate>(*rate));
  }
}

TEST_CASE("parse_probability_ppm rounds to ppm and rejects the rest") {
  // Goal: probabilities become exact integers; out-of-range and sub-ppm
  // values fail. Method: table of inputs.
  CHECK(value_of(parse_probability_ppm(0.0)) == std::optional<std::uint32_t>(0u));
  CHECK(value_of(parse_probability_ppm(1.0)) == std::optional<std::uint32_t>(1'000'000u));
  CHECK(value_of(parse_probability_ppm(0.2)) == std::optional<std::uint32_t>(200'000u));
  CHECK(value_of(parse_probability_ppm(0.3)) == std::optional<std::uint32_t>(300'000u));
  CHECK(value_of(parse_probability_ppm(0.000001)) == std::optional<std::uint32_t>(1u));
  CHECK(value_of(parse_probability_ppm(0.123456)) == std::optional<std::uint32_t>(123'456u));
  CHECK(parse_probability_ppm(1.5).error().message.find("between 0 and 1") != std::string::npos);
  CHECK_FALSE(parse_probability_ppm(-0.1).has_value());
  CHECK_FALSE(parse_probability_ppm(1.0000001).has_value());
  CHECK_FALSE(parse_probability_ppm(std::nan("")).has_value());
  CHECK_FALSE(parse_probability_ppm(std::numeric_limits<double>::infinity()).has_value());
  CHECK(parse_probability_ppm(1e-7).error().message.find("finer than 1 ppm") != std::string::npos);
  CHECK_FALSE(parse_probability_ppm(0.0000015).has_value());
}

}  // namespace
}  // namespace bftsim::test_sim_units_test
