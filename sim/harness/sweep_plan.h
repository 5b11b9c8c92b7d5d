// What a sweep runs: the seeds, the grid points (the cartesian product of
// `--grid key=v1,v2,...` axes, first axis slowest) and, with `--shard K/M`,
// every M-th run from the K-th. Runs are numbered grid point by grid point,
// seed by seed within a point; the numbering is the same with and without a
// shard, so shards of one sweep hold disjoint runs that together make it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types/result.h"

namespace bftsim {

struct GridAxis {
  std::string key;                  // a scenario key path, as --set takes it
  std::vector<std::string> values;  // as written; each becomes `--set key=value`
};

// "network.loss=0,0.05,0.1". Commas inside {...} or [...] do not split, so a
// value may be a YAML flow map. Errors name the argument.
Result<GridAxis> parse_grid_axis(const std::string& text);

struct GridPoint {
  std::vector<std::string> sets;    // "key=value", one per axis
  std::vector<std::string> values;  // the values alone, one per axis (sweep.csv's extra columns)
};

// The cartesian product; one point with no sets when there are no axes.
std::vector<GridPoint> grid_points(const std::vector<GridAxis>& axes);

struct Shard {
  std::uint64_t index = 1;  // K, 1..count
  std::uint64_t count = 1;  // M
};

// "K/M" with 1 <= K <= M.
Result<Shard> parse_shard(const std::string& text);

struct PlannedRun {
  std::uint64_t number = 0;  // 0-based, over the whole unsharded sweep
  std::uint64_t seed = 0;
  std::size_t point = 0;     // index into grid_points
};

std::vector<PlannedRun> plan_runs(std::uint64_t first_seed, std::uint64_t last_seed, std::size_t point_count,
                                  const Shard& shard);

}  // namespace bftsim
