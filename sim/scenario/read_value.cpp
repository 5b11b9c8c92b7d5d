// Readers for one YAML value each (read_value.h).
#include "sim/scenario/read_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace bftsim::loader {

tl::unexpected<Error> fail(std::string_view where, std::string_view path, std::string_view description) {
  return make_error(ErrorCode::invalid_argument, located_message(where, path, description));
}

std::string join_names(Keys keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string describe_value(const YamlNode& node) {
  switch (node.kind) {
    case Kind::null: return "nothing";
    case Kind::map: return "a map";
    case Kind::sequence: return "a list";
    case Kind::scalar:
      if (node.quoted) return fmt::format("the quoted string \"{}\"", node.scalar);
      return fmt::format("\"{}\"", node.scalar);
  }
  return "?";
}

Status expect_kind(const YamlNode& node, std::string_view path, Kind kind) {
  if (node.kind == kind) return {};
  const char* wanted = kind == Kind::map ? "a map" : kind == Kind::sequence ? "a list" : "a value";
  return fail(node.where, path, fmt::format("expected {}, got {}", wanted, describe_value(node)));
}

Status check_keys(const YamlNode& map, std::string_view path, Keys known, std::string_view context) {
  for (const YamlEntry& entry : map.entries) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) continue;
    return fail(entry.key_where, key_path_join(path, entry.key),
                fmt::format("unknown key{} (known: {})", context, join_names(known)));
  }
  return {};
}

Result<const YamlNode*> require(const YamlNode& map, std::string_view path, std::string_view key) {
  if (const YamlNode* value = map.find(key)) return value;
  const std::string in = path.empty() ? std::string("the top-level map") : fmt::format("the map {}", path);
  return fail(map.where, key_path_join(path, key), fmt::format("missing required key (in {})", in));
}

std::string range_text(std::int64_t min, std::int64_t max) {
  if (max == int64_max) return fmt::format("must be >= {}", min);
  return fmt::format("must be between {} and {}", min, max);
}

Result<std::int64_t> read_integer(const YamlNode& node, std::string_view path, std::int64_t min, std::int64_t max) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    return fail(node.where, path, fmt::format("{}, got {}", range_text(min, max), text));
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  if (value < min || value > max) return fail(node.where, path, fmt::format("{}, got {}", range_text(min, max), value));
  return value;
}

Result<std::uint64_t> read_unsigned64(const YamlNode& node, std::string_view path) {
  if (node.kind == Kind::scalar && !node.quoted && !node.scalar.empty() && node.scalar.front() == '-')
    return fail(node.where, path, fmt::format("must be >= 0, got {}", node.scalar));
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    return fail(node.where, path, fmt::format("must be at most {}, got {}", std::numeric_limits<std::uint64_t>::max(), text));
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  return value;
}

Result<double> read_number(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected a number, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return fail(node.where, path, fmt::format("expected a number, got {}", describe_value(node)));
  return value;
}

Result<std::string> read_string(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a string, got {}", describe_value(node)));
  return node.scalar;
}

Result<std::string> read_one_line(const YamlNode& node, std::string_view path, bool allow_empty) {
  auto text = read_string(node, path);
  if (!text) return text;
  if (!allow_empty && text->empty()) return fail(node.where, path, "must not be empty");
  if (text->find_first_of("\r\n") != std::string::npos) return fail(node.where, path, "must be a single line");
  return text;
}

Result<Duration> read_duration(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a duration such as 200ms, got {}", describe_value(node)));
  auto duration = parse_duration(node.scalar);
  if (!duration)
    return fail(node.where, path, fmt::format("invalid duration \"{}\": {}", node.scalar, duration.error().message));
  return *duration;
}

Result<Duration> read_positive_duration(const YamlNode& node, std::string_view path) {
  auto duration = read_duration(node, path);
  if (duration && *duration == 0) return fail(node.where, path, "must be > 0");
  return duration;
}

Result<std::uint32_t> read_probability(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected a probability between 0 and 1, got {}", describe_value(node)));
  auto number = read_number(node, path);
  if (!number)
    return fail(node.where, path, fmt::format("expected a probability between 0 and 1, got {}", describe_value(node)));
  auto ppm = parse_probability_ppm(*number);
  if (!ppm) return fail(node.where, path, ppm.error().message);
  return *ppm;
}

Result<Rate> read_rate(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a rate such as 100/s, got {}", describe_value(node)));
  auto rate = parse_rate(node.scalar);
  if (!rate) return fail(node.where, path, fmt::format("invalid rate \"{}\": {}", node.scalar, rate.error().message));
  if (rate->events == 0) return fail(node.where, path, "rate must be > 0");
  return *rate;
}

}  // namespace bftsim::loader
