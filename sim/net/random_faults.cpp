// The random fault families (random_faults.h).
#include "sim/net/random_faults.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <string>

#include "core/protocol/messages.h"
#include "core/types/assert.h"
#include "sim/distributions.h"

namespace bftsim {
namespace {

// The loader keeps each family's expected count at 10'000; reaching this
// needs a draw far out in the tail.
constexpr std::size_t window_count_max = 1'000'000;

// Calls draw(rng, at, until) for each window of `windows`: all of a window's
// timing draws come first, then draw()'s own, so their count is fixed.
template <typename Draw>
void for_each_window(const RandomWindows& windows, Rng& rng, Draw draw) {
  BFTSIM_ASSERT(windows.start < windows.stop);
  BFTSIM_ASSERT(windows.mean_interval > 0 && windows.mean_duration > 0);
  Instant previous = windows.start;
  for (std::size_t count = 0;; ++count) {
    BFTSIM_ASSERT(count < window_count_max);
    const double gap_ns = exponential(rng, static_cast<double>(windows.mean_interval));
    const double length_ns = exponential(rng, static_cast<double>(windows.mean_duration));
    const Duration room = windows.stop - previous;  // > 0
    const Duration gap = std::max<Duration>(1, to_duration(gap_ns, room));
    if (gap >= room) return;
    const Instant at = previous + gap;
    const Instant until = at + std::max<Duration>(1, to_duration(length_ns, windows.stop - at));
    draw(rng, at, until);
    previous = at;
  }
}

// A link drawn uniformly among the ordered pairs of distinct replicas. Draws: 2.
std::pair<ReplicaIndex, ReplicaIndex> draw_link(Rng& rng, std::uint32_t replica_count) {
  BFTSIM_ASSERT(replica_count >= 2);
  const auto from = static_cast<ReplicaIndex>(uniform_u64(rng, replica_count));
  auto to = static_cast<ReplicaIndex>(uniform_u64(rng, replica_count - 1));
  if (to >= from) ++to;
  return {from, to};
}

// A uniformly drawn non-empty subset of the set bits of `mask`. Draws: 1.
std::uint32_t draw_submask(Rng& rng, std::uint32_t mask) {
  std::vector<std::uint32_t> bits;
  for (std::uint32_t b = 0; b < 32; ++b)
    if ((mask & (1u << b)) != 0) bits.push_back(1u << b);
  BFTSIM_ASSERT(!bits.empty() && bits.size() < 32);
  const std::uint64_t pick = 1 + uniform_u64(rng, (std::uint64_t{1} << bits.size()) - 1);
  std::uint32_t out = 0;
  for (std::size_t i = 0; i < bits.size(); ++i)
    if ((pick & (std::uint64_t{1} << i)) != 0) out |= bits[i];
  return out;
}

}  // namespace

std::vector<Fault> random_crash_schedule(const RandomCrashesConfig& config, Rng& rng) {
  BFTSIM_ASSERT(config.start < config.stop);
  BFTSIM_ASSERT(config.mean_interval > 0 && config.mean_downtime > 0);
  BFTSIM_ASSERT(!config.replicas.empty() && config.down_count_max >= 1);
  std::vector<Fault> out;
  std::vector<std::optional<Instant>> restart_of(config.replicas.size());  // per entry of config.replicas
  Instant previous = config.start;
  for (std::size_t count = 0;; ++count) {
    BFTSIM_ASSERT(count < window_count_max);
    const double gap_ns = exponential(rng, static_cast<double>(config.mean_interval));
    const double downtime_ns = exponential(rng, static_cast<double>(config.mean_downtime));
    const double which = uniform_unit(rng);
    const Duration room = config.stop - previous;
    const Duration gap = std::max<Duration>(1, to_duration(gap_ns, room));
    if (gap >= room) break;
    const Instant at = previous + gap;
    previous = at;
    std::vector<std::size_t> up;
    for (std::size_t i = 0; i < restart_of.size(); ++i) {
      if (restart_of[i] && *restart_of[i] <= at) restart_of[i].reset();
      if (!restart_of[i]) up.push_back(i);
    }
    if (config.replicas.size() - up.size() >= config.down_count_max || up.empty()) continue;
    const std::size_t pick = up[std::min(up.size() - 1, static_cast<std::size_t>(which * static_cast<double>(up.size())))];
    const Instant restart = at + std::max<Duration>(1, to_duration(downtime_ns, config.stop - at));
    restart_of[pick] = restart;
    out.emplace_back(CrashFault{.replica = config.replicas[pick], .at = at});
    out.emplace_back(RestartFault{.replica = config.replicas[pick], .at = restart});
  }
  return out;
}

std::vector<CutFault> random_cut_schedule(const RandomWindows& windows, Rng& rng, std::uint32_t replica_count) {
  std::vector<CutFault> out;
  for_each_window(windows, rng, [&](Rng& r, Instant at, Instant until) {
    const auto [from, to] = draw_link(r, replica_count);
    out.push_back(CutFault{.from = from, .to = to, .at = at, .until = until});
  });
  return out;
}

std::vector<CutFault> random_drop_schedule(const RandomDropsConfig& config, Rng& rng, std::uint32_t replica_count) {
  BFTSIM_ASSERT(config.type_mask != 0);
  std::vector<CutFault> out;
  for_each_window(config.windows, rng, [&](Rng& r, Instant at, Instant until) {
    const auto [from, to] = draw_link(r, replica_count);
    const std::uint32_t types = draw_submask(r, config.type_mask);
    out.push_back(CutFault{.from = from, .to = to, .at = at, .until = until, .type_mask = types});
  });
  return out;
}

std::vector<ClogFault> random_clog_schedule(const RandomWindows& windows, Rng& rng, std::uint32_t replica_count) {
  std::vector<ClogFault> out;
  for_each_window(windows, rng, [&](Rng& r, Instant at, Instant until) {
    const auto [from, to] = draw_link(r, replica_count);
    out.push_back(ClogFault{.from = from, .to = to, .at = at, .until = until});
  });
  return out;
}

std::vector<LinkFault> random_duplicate_schedule(const RandomDuplicatesConfig& config, Rng& rng,
                                                 std::uint32_t replica_count) {
  BFTSIM_ASSERT(config.duplicate_ppm > 0 && config.duplicate_ppm <= ppm_max);
  std::vector<LinkFault> out;
  for_each_window(config.windows, rng, [&](Rng& r, Instant at, Instant until) {
    const auto [from, to] = draw_link(r, replica_count);
    out.push_back(LinkFault{.from = from, .to = to, .at = at, .until = until, .duplicate_ppm = config.duplicate_ppm});
  });
  return out;
}

std::vector<ClockFault> random_clock_schedule(const RandomClocksConfig& config, Rng& rng) {
  BFTSIM_ASSERT(!config.replicas.empty());
  BFTSIM_ASSERT(config.skew_max >= 0 && config.drift_ppm_max >= 0 && config.drift_ppm_max <= clock_drift_ppm_max);
  BFTSIM_ASSERT(config.skew_max > 0 || config.drift_ppm_max > 0);
  std::vector<ClockFault> out;
  for_each_window(config.windows, rng, [&](Rng& r, Instant at, Instant until) {
    const auto node = static_cast<std::size_t>(uniform_u64(r, config.replicas.size()));
    const Duration skew = uniform_range(r, -config.skew_max, config.skew_max);
    const auto drift = static_cast<std::int32_t>(uniform_range(r, -config.drift_ppm_max, config.drift_ppm_max));
    out.push_back(ClockFault{.replica = config.replicas[node],
                             .at = at,
                             .until = until,
                             .skew = skew == 0 && drift == 0 ? 1 : skew,
                             .drift_ppm = drift});
  });
  return out;
}

std::vector<ByzantineSpec> random_byzantine_choice(const RandomByzantineConfig& config, Rng& rng,
                                                   std::uint32_t replica_count,
                                                   const std::vector<ByzantineSpec>& listed) {
  BFTSIM_ASSERT(!config.behaviors.empty() && config.behaviors.size() < 32);
  BFTSIM_ASSERT(config.node_count_max >= 1);
  std::vector<ReplicaIndex> candidates;
  for (ReplicaIndex r = 0; r < replica_count; ++r)
    if (std::none_of(listed.begin(), listed.end(), [&](const ByzantineSpec& spec) { return spec.replica == r; }))
      candidates.push_back(r);
  if (candidates.empty()) return {};
  const std::size_t count_max = std::min<std::size_t>(config.node_count_max, candidates.size());
  const auto count = static_cast<std::size_t>(1 + uniform_u64(rng, count_max));
  shuffle(rng, std::span<ReplicaIndex>(candidates));
  const std::uint32_t all = (config.behaviors.size() == 32 ? 0 : (1u << config.behaviors.size())) - 1;
  std::vector<std::uint32_t> masks;
  for (std::size_t i = 0; i < candidates.size(); ++i) masks.push_back(draw_submask(rng, all));
  std::vector<ByzantineSpec> out;
  for (std::size_t i = 0; i < count; ++i) {
    ByzantineSpec spec{.replica = candidates[i], .behaviors = {}, .params = {}};
    for (std::size_t b = 0; b < config.behaviors.size(); ++b)
      if ((masks[i] & (1u << b)) != 0) spec.behaviors.push_back(config.behaviors[b]);
    out.push_back(std::move(spec));
  }
  std::sort(out.begin(), out.end(), [](const ByzantineSpec& a, const ByzantineSpec& b) { return a.replica < b.replica; });
  return out;
}

void append_random_families(const RandomFaultsConfig& config, std::uint64_t run_seed, std::uint32_t replica_count,
                            std::string_view prefix, std::vector<Fault>& out) {
  const auto stream = [&](std::string_view family) { return Rng::stream(run_seed, std::string(prefix) + std::string(family)); };
  if (const auto& crashes = config.crashes) {
    Rng rng = stream("crashes");
    for (Fault& fault : random_crash_schedule(*crashes, rng)) out.push_back(std::move(fault));
  }
  if (const auto& cuts = config.cuts) {
    Rng rng = stream("cuts");
    for (const CutFault& fault : random_cut_schedule(cuts->windows, rng, replica_count)) out.emplace_back(fault);
  }
  if (const auto& drops = config.drops) {
    Rng rng = stream("drops");
    for (const CutFault& fault : random_drop_schedule(*drops, rng, replica_count)) out.emplace_back(fault);
  }
  if (const auto& clogs = config.clogs) {
    Rng rng = stream("clogs");
    for (const ClogFault& fault : random_clog_schedule(clogs->windows, rng, replica_count)) out.emplace_back(fault);
  }
  if (const auto& duplicates = config.duplicates) {
    Rng rng = stream("duplicates");
    for (const LinkFault& fault : random_duplicate_schedule(*duplicates, rng, replica_count)) out.emplace_back(fault);
  }
  if (const auto& clocks = config.clocks) {
    Rng rng = stream("clocks");
    for (const ClockFault& fault : random_clock_schedule(*clocks, rng)) out.emplace_back(fault);
  }
}

}  // namespace bftsim
