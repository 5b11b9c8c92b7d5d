// The Twins scenario space (twins_space.h).
#include "sim/harness/twins_space.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "core/consensus/quorum.h"
#include "core/types/assert.h"
#include "sim/distributions.h"
#include "sim/rng.h"

namespace bftsim {
namespace {

// Relabels groups in order of first appearance: the restricted-growth form.
std::vector<std::uint8_t> normalized(const std::vector<std::uint8_t>& groups) {
  std::vector<std::uint8_t> out(groups.size());
  std::vector<int> label(groups.size() + 1, -1);
  std::uint8_t next = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (label[groups[i]] < 0) label[groups[i]] = next++;
    out[i] = static_cast<std::uint8_t>(label[groups[i]]);
  }
  return out;
}

// Every restricted-growth string of `length` with values below `group_max`,
// in lexicographic order.
void restricted_growth(std::vector<std::uint8_t>& current, std::size_t length, std::uint8_t group_max,
                       std::uint8_t used, std::vector<std::vector<std::uint8_t>>& out) {
  if (current.size() == length) {
    out.push_back(current);
    return;
  }
  for (std::uint8_t g = 0; g <= used && g < group_max; ++g) {
    current.push_back(g);
    restricted_growth(current, length, group_max, std::max<std::uint8_t>(used, static_cast<std::uint8_t>(g + 1)), out);
    current.pop_back();
  }
}

unsigned __int128 saturating_multiply(unsigned __int128 a, unsigned __int128 b, bool& overflow) {
  if (a != 0 && b > ~static_cast<unsigned __int128>(0) / a) overflow = true;
  return a * b;
}

}  // namespace

Result<TwinsSpace> TwinsSpace::create(const TwinsSpaceConfig& config) {
  if (config.replica_count < 4 || config.replica_count > 7)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("twins supports 4 to 7 replicas, got {}", config.replica_count));
  if (config.twin_count < 1 || config.twin_count > 2)
    return make_error(ErrorCode::invalid_argument, fmt::format("--twins must be 1 or 2, got {}", config.twin_count));
  if (config.group_count_max < 1 || config.group_count_max > 3)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--partitions must be 1 to 3 groups, got {}", config.group_count_max));
  if (config.replica_count < 3 * config.faulty_count + 1 || config.faulty_count < 1)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("twins needs 1 <= faulty and replicas >= 3 * faulty + 1, got replicas {} faulty {}",
                                  config.replica_count, config.faulty_count));
  TwinsSpace space(config);
  space.build();
  return space;
}

void TwinsSpace::build() {
  const std::uint32_t honest = honest_count();
  const std::uint32_t quorum = quorum_size(config_.replica_count, config_.faulty_count);
  std::vector<std::vector<std::uint8_t>> all;
  std::vector<std::uint8_t> current;
  restricted_growth(current, instance_count(), static_cast<std::uint8_t>(config_.group_count_max), 0, all);
  for (auto& groups : all) {
    if (config_.quorum_group_required) {
      // Distinct replicas per group: a twin's two instances count once.
      bool has_quorum = false;
      for (std::uint8_t g = 0; g < config_.group_count_max; ++g) {
        std::uint32_t replicas = 0;
        for (std::uint32_t i = 0; i < honest; ++i) replicas += groups[i] == g;
        for (std::uint32_t j = 0; j < config_.twin_count; ++j)
          replicas += groups[honest + 2 * j] == g || groups[honest + 2 * j + 1] == g;
        has_quorum = has_quorum || replicas >= quorum;
      }
      if (!has_quorum) continue;
    }
    partitions_.push_back(std::move(groups));
  }
  // Every renaming of the honest replicas and of the twins, with every choice
  // of swapped instances.
  std::vector<ReplicaIndex> honest_map(honest);
  std::iota(honest_map.begin(), honest_map.end(), ReplicaIndex{0});
  do {
    std::vector<std::uint32_t> twin_map(config_.twin_count);
    std::iota(twin_map.begin(), twin_map.end(), 0u);
    do {
      for (std::uint32_t swaps = 0; swaps < (1u << config_.twin_count); ++swaps) {
        const bool identity = swaps == 0 && std::is_sorted(honest_map.begin(), honest_map.end()) &&
                              std::is_sorted(twin_map.begin(), twin_map.end());
        if (identity) continue;
        std::vector<ChoiceCode> images(choice_count());
        for (ChoiceCode code = 0; code < choice_count(); ++code) images[code] = apply(honest_map, twin_map, swaps, code);
        images_.push_back(std::move(images));
      }
    } while (std::next_permutation(twin_map.begin(), twin_map.end()));
  } while (std::next_permutation(honest_map.begin(), honest_map.end()));
}

ChoiceCode TwinsSpace::apply(const std::vector<ReplicaIndex>& honest_map, const std::vector<std::uint32_t>& twin_map,
                             std::uint32_t swaps, ChoiceCode code) const {
  const std::uint32_t honest = honest_count();
  const ReplicaIndex old_leader = leader(code);
  const ReplicaIndex new_leader = old_leader < honest ? honest_map[old_leader] : honest + twin_map[old_leader - honest];
  const std::vector<std::uint8_t>& old_groups = partition(code);
  std::vector<std::uint8_t> moved(old_groups.size());
  for (std::uint32_t i = 0; i < honest; ++i) moved[honest_map[i]] = old_groups[i];
  for (std::uint32_t j = 0; j < config_.twin_count; ++j) {
    const std::uint32_t swap = (swaps >> j) & 1u;
    moved[honest + 2 * twin_map[j] + swap] = old_groups[honest + 2 * j];
    moved[honest + 2 * twin_map[j] + (1 - swap)] = old_groups[honest + 2 * j + 1];
  }
  const auto it = std::lower_bound(partitions_.begin(), partitions_.end(), normalized(moved));
  BFTSIM_ASSERT(it != partitions_.end() && *it == normalized(moved));  // the family is closed under renaming
  return static_cast<ChoiceCode>(new_leader * partitions_.size() + static_cast<std::size_t>(it - partitions_.begin()));
}

bool TwinsSpace::is_canonical(const std::vector<ChoiceCode>& views) const {
  for (const auto& images : images_)
    for (const ChoiceCode code : views) {
      if (images[code] != code) {
        if (images[code] < code) return false;
        break;
      }
    }
  return true;
}

std::vector<ChoiceCode> TwinsSpace::canonical(const std::vector<ChoiceCode>& views) const {
  std::vector<ChoiceCode> best = views;
  std::vector<ChoiceCode> renamed(views.size());
  for (const auto& images : images_) {
    for (std::size_t v = 0; v < views.size(); ++v) renamed[v] = images[views[v]];
    if (renamed < best) best = renamed;
  }
  return best;
}

std::optional<unsigned __int128> TwinsSpace::canonical_count(std::uint32_t view_count) const {
  bool overflow = false;
  const auto power = [&](unsigned __int128 base) {
    unsigned __int128 result = 1;
    for (std::uint32_t v = 0; v < view_count; ++v) result = saturating_multiply(result, base, overflow);
    return result;
  };
  unsigned __int128 sum = power(choice_count());  // the identity fixes every sequence
  for (const auto& images : images_) {
    unsigned __int128 fixed = 0;
    for (ChoiceCode code = 0; code < images.size(); ++code) fixed += images[code] == code;
    const unsigned __int128 term = power(fixed);
    if (sum + term < sum) overflow = true;
    sum += term;
  }
  if (overflow) return std::nullopt;
  BFTSIM_ASSERT(sum % symmetry_count() == 0);  // Burnside: the orbit count is a whole number
  return sum / symmetry_count();
}

std::vector<std::vector<ChoiceCode>> TwinsSpace::enumerate(std::uint32_t view_count, std::uint64_t limit) const {
  std::vector<std::vector<ChoiceCode>> out;
  std::vector<ChoiceCode> prefix;
  // `tied`: the symmetries whose image of the prefix equals it; only they can
  // still make a longer prefix smaller.
  const auto search = [&](auto&& self, const std::vector<std::uint32_t>& tied) -> void {
    if (out.size() >= limit) return;
    if (prefix.size() == view_count) {
      out.push_back(prefix);
      return;
    }
    std::vector<std::uint32_t> still_tied;
    for (ChoiceCode code = 0; code < choice_count() && out.size() < limit; ++code) {
      still_tied.clear();
      bool smaller = false;
      for (const std::uint32_t g : tied) {
        const ChoiceCode image = images_[g][code];
        if (image < code) {
          smaller = true;
          break;
        }
        if (image == code) still_tied.push_back(g);
      }
      if (smaller) continue;
      prefix.push_back(code);
      self(self, still_tied);
      prefix.pop_back();
    }
  };
  std::vector<std::uint32_t> all(images_.size());
  std::iota(all.begin(), all.end(), 0u);
  search(search, all);
  return out;
}

std::vector<ChoiceCode> TwinsSpace::sample(std::uint32_t view_count, std::uint64_t seed, std::uint64_t index) const {
  Rng rng = Rng::stream(seed, fmt::format("twins/sample/{}", index));
  std::vector<ChoiceCode> views(view_count);
  const std::size_t partitions = partitions_.size();
  for (std::uint32_t v = 0; v < view_count; ++v) {
    // Three draws per view, whatever they decide.
    const bool keep_partition = v > 0 && uniform_u64(rng, 2) == 0;
    const bool keep_leader = v > 0 && uniform_u64(rng, 2) == 0;
    const ChoiceCode fresh = static_cast<ChoiceCode>(uniform_u64(rng, choice_count()));
    const std::size_t leader = keep_leader ? views[v - 1] / partitions : fresh / partitions;
    const std::size_t partition = keep_partition ? views[v - 1] % partitions : fresh % partitions;
    views[v] = static_cast<ChoiceCode>(leader * partitions + partition);
  }
  return canonical(views);
}

std::string TwinsSpace::instance_name(std::uint32_t instance) const {
  const std::uint32_t honest = honest_count();
  if (instance < honest) return fmt::format("{}", instance);
  return fmt::format("{}{}", honest + (instance - honest) / 2, (instance - honest) % 2 == 0 ? 'a' : 'b');
}

std::string TwinsSpace::partition_text(ChoiceCode code) const {
  const std::vector<std::uint8_t>& groups = partition(code);
  std::string out;
  const std::uint8_t group_count = *std::max_element(groups.begin(), groups.end()) + 1;
  for (std::uint8_t g = 0; g < group_count; ++g) {
    if (g > 0) out += '|';
    std::string group;
    for (std::uint32_t i = 0; i < groups.size(); ++i)
      if (groups[i] == g) group += (group.empty() ? "" : " ") + instance_name(i);
    out += group;
  }
  return out;
}

PartitionFault TwinsSpace::partition_fault(ChoiceCode code, View view) const {
  const std::vector<std::uint8_t>& groups = partition(code);
  const std::uint32_t honest = honest_count();
  const std::uint8_t group_count = *std::max_element(groups.begin(), groups.end()) + 1;
  PartitionFault fault;
  fault.groups.resize(group_count);
  for (std::uint32_t i = 0; i < honest; ++i) fault.groups[groups[i]].push_back(i);
  for (std::uint32_t j = 0; j < config_.twin_count; ++j)
    fault.twins.push_back(TwinPlacement{honest + j, {groups[honest + 2 * j], groups[honest + 2 * j + 1]}});
  fault.filter.views = std::make_pair(view, view);
  return fault;
}

std::string leaders_text(const TwinsSpace& space, const std::vector<ChoiceCode>& views) {
  std::string out;
  for (const ChoiceCode code : views) out += fmt::format("{}{}", out.empty() ? "" : " ", space.leader(code));
  return out;
}

std::string partitions_text(const TwinsSpace& space, const std::vector<ChoiceCode>& views) {
  std::string out;
  for (const ChoiceCode code : views) out += (out.empty() ? "" : ";") + space.partition_text(code);
  return out;
}

}  // namespace bftsim
