// Grid axes, grid points, shards and the run numbering of a sweep (sweep_plan.h).
#include "sim/harness/sweep_plan.h"

#include <charconv>

#include <fmt/format.h>

namespace bftsim {

Result<GridAxis> parse_grid_axis(const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--grid {}: expected key.path=v1,v2,... e.g. network.loss=0,0.05,0.1", text));
  GridAxis axis{text.substr(0, equals), {}};
  std::string value;
  int depth = 0;
  for (std::size_t i = equals + 1; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c == ',' && depth == 0) {
      if (value.empty())
        return make_error(ErrorCode::invalid_argument, fmt::format("--grid {}: an empty value", text));
      axis.values.push_back(value);
      value.clear();
      continue;
    }
    value += c;
  }
  if (depth != 0) return make_error(ErrorCode::invalid_argument, fmt::format("--grid {}: unbalanced brackets", text));
  return axis;
}

std::vector<GridPoint> grid_points(const std::vector<GridAxis>& axes) {
  std::vector<GridPoint> points{GridPoint{}};
  for (const GridAxis& axis : axes) {
    std::vector<GridPoint> next;
    for (const GridPoint& point : points)
      for (const std::string& value : axis.values) {
        GridPoint extended = point;
        extended.sets.push_back(axis.key + "=" + value);
        extended.values.push_back(value);
        next.push_back(std::move(extended));
      }
    points = std::move(next);
  }
  return points;
}

Result<Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  Shard shard;
  const auto number = [](std::string_view part, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && end == part.data() + part.size() && !part.empty();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), shard.index) ||
      !number(std::string_view(text).substr(slash + 1), shard.count) || shard.index < 1 ||
      shard.index > shard.count)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--shard {}: expected K/M with 1 <= K <= M, e.g. 2/8", text));
  return shard;
}

std::vector<PlannedRun> plan_runs(std::uint64_t first_seed, std::uint64_t last_seed, std::size_t point_count,
                                  const Shard& shard) {
  std::vector<PlannedRun> runs;
  const std::uint64_t seed_count = last_seed - first_seed + 1;
  for (std::size_t point = 0; point < point_count; ++point)
    for (std::uint64_t i = 0; i < seed_count; ++i) {
      const std::uint64_t number = point * seed_count + i;
      if (number % shard.count == shard.index - 1) runs.push_back(PlannedRun{number, first_seed + i, point});
    }
  return runs;
}

}  // namespace bftsim
