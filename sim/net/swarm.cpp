// The per-seed plan of a swarm (swarm.h).
#include "sim/net/swarm.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/protocol/messages.h"
#include "core/types/assert.h"
#include "sim/distributions.h"

namespace bftsim {
namespace {

// lo * (hi / lo)^u for u in [0, 1): log-uniform in [lo, hi).
Duration log_uniform(double u, Duration lo, Duration hi) {
  BFTSIM_ASSERT(lo >= 1 && lo <= hi);
  const double value = static_cast<double>(lo) * std::exp(u * std::log(static_cast<double>(hi) / static_cast<double>(lo)));
  return std::max<Duration>(lo, to_duration(value, hi));
}

constexpr std::uint32_t type_bit(MessageType type) { return 1u << (static_cast<std::uint32_t>(type) - 1); }

}  // namespace

RandomFaultsConfig swarm_plan(const SwarmConfig& config, const Scenario& scenario, std::uint32_t byzantine_room,
                              std::uint64_t run_seed) {
  BFTSIM_ASSERT(config.start < config.stop);
  BFTSIM_ASSERT(config.family_mask != 0);
  Rng rng = Rng::stream(run_seed, "faults/swarm");
  const Duration span = config.stop - config.start;
  const Duration tiny = std::max<Duration>(1, span / 100);
  const std::uint32_t at_once = std::max<std::uint32_t>(1, scenario.faulty_count);
  std::vector<ReplicaIndex> everyone(scenario.replica_count);
  for (ReplicaIndex r = 0; r < scenario.replica_count; ++r) everyone[r] = r;

  RandomFaultsConfig plan;
  std::vector<SwarmFamily> possible;
  const auto applies = [&](SwarmFamily family) {
    if ((config.family_mask & (1u << static_cast<std::uint32_t>(family))) == 0) return false;
    switch (family) {
      case SwarmFamily::byzantine: return byzantine_room > 0 && !config.behaviors.empty();
      case SwarmFamily::crashes:
      case SwarmFamily::clocks:
      case SwarmFamily::torn: return true;
      default: return scenario.replica_count >= 2;
    }
  };
  // Turns `family` on with the settings drawn into u[0..3].
  const auto turn_on = [&](SwarmFamily family, const std::array<double, 4>& u) {
    const RandomWindows windows{.mean_interval = log_uniform(u[0], std::max<Duration>(1, span / 16), std::max<Duration>(1, span / 2)),
                                .mean_duration = log_uniform(u[1], tiny, std::max(tiny, span / 10)),
                                .start = config.start,
                                .stop = config.stop};
    switch (family) {
      case SwarmFamily::partitions:
        plan.partitions = RandomPartitionsConfig{.mean_interval = windows.mean_interval,
                                                 .mean_duration = windows.mean_duration,
                                                 .start = config.start,
                                                 .stop = config.stop,
                                                 .isolated_count_max = std::min(at_once, scenario.replica_count - 1)};
        return;
      case SwarmFamily::crashes:
        plan.crashes = RandomCrashesConfig{.mean_interval = windows.mean_interval,
                                           .mean_downtime = windows.mean_duration,
                                           .start = config.start,
                                           .stop = config.stop,
                                           .replicas = everyone,
                                           .down_count_max = at_once};
        return;
      case SwarmFamily::cuts: plan.cuts = RandomLinkWindowsConfig{windows}; return;
      case SwarmFamily::drops:
        plan.drops = RandomDropsConfig{
            windows, type_bit(MessageType::proposal) | type_bit(MessageType::vote) | type_bit(MessageType::timeout)};
        return;
      case SwarmFamily::clogs: plan.clogs = RandomLinkWindowsConfig{windows}; return;
      case SwarmFamily::duplicates:
        plan.duplicates = RandomDuplicatesConfig{
            windows, static_cast<std::uint32_t>(100'000 + std::min(u[2], 1.0) * 900'000)};
        return;
      case SwarmFamily::clocks:
        plan.clocks = RandomClocksConfig{.windows = windows,
                                         .replicas = everyone,
                                         .skew_max = log_uniform(u[2], ns_per_ms, ns_per_s),
                                         .drift_ppm_max = static_cast<std::int32_t>(log_uniform(u[3], 1'000, clock_drift_ppm_max))};
        return;
      case SwarmFamily::byzantine:
        plan.byzantine = RandomByzantineConfig{.behaviors = config.behaviors, .node_count_max = byzantine_room};
        return;
      case SwarmFamily::torn:
        plan.disk = RandomDiskConfig{.replicas = everyone, .torn = true, .start = config.start, .stop = config.stop};
        return;
    }
  };
  std::vector<std::array<double, 4>> settings(swarm_family_count);
  std::vector<bool> on(swarm_family_count, false);
  for (std::size_t f = 0; f < swarm_family_count; ++f) {
    const auto family = static_cast<SwarmFamily>(f);
    const bool coin = chance_ppm(rng, ppm_max / 2);
    for (double& u : settings[f]) u = uniform_unit(rng);
    if (!applies(family)) continue;
    possible.push_back(family);
    on[f] = coin;
  }
  if (possible.empty()) return plan;
  const SwarmFamily fallback = possible[uniform_u64(rng, possible.size())];
  if (std::none_of(on.begin(), on.end(), [](bool b) { return b; })) on[static_cast<std::size_t>(fallback)] = true;
  for (std::size_t f = 0; f < swarm_family_count; ++f)
    if (on[f]) turn_on(static_cast<SwarmFamily>(f), settings[f]);
  return plan;
}

}  // namespace bftsim
