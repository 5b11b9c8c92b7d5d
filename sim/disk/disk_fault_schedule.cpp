// random_disk_fault_schedule and apply_disk_fault: see disk_fault_schedule.h.
#include "sim/disk/disk_fault_schedule.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/distributions.h"
#include "sim/rng.h"
#include "sim/units.h"

namespace bftsim {
namespace {

// The loader keeps the expected count at 10'000; reaching this needs a run
// of draws far out in the tail.
constexpr std::size_t random_disk_fault_count_max = 1'000'000;

}  // namespace

std::vector<DiskFault> random_disk_fault_schedule(const RandomDiskConfig& config, std::uint64_t run_seed) {
  BFTSIM_ASSERT(config.start < config.stop);
  std::vector<DiskFault> out;
  for (ReplicaIndex replica : config.replicas) {
    if (config.torn)
      out.push_back(DiskFault{.replica = replica, .kind = DiskFaultKind::torn, .at = config.start});
    if (!config.corrupt_rate) continue;
    BFTSIM_ASSERT(config.corrupt_rate->events > 0);
    const double mean_gap_ns =
        static_cast<double>(config.corrupt_rate->per) / static_cast<double>(config.corrupt_rate->events);
    Rng rng = Rng::stream(run_seed, fmt::format("faults/random_disk/{}", replica));
    Instant at = config.start;
    while (true) {
      const double gap_ns = exponential(rng, mean_gap_ns);
      const Duration room = config.stop - at;  // > 0
      if (!(gap_ns < static_cast<double>(room))) break;
      at += std::max<Duration>(1, static_cast<Duration>(std::llround(gap_ns)));
      if (at >= config.stop) break;
      BFTSIM_ASSERT(out.size() < random_disk_fault_count_max);
      out.push_back(DiskFault{.replica = replica,
                              .kind = DiskFaultKind::corrupt,
                              .at = at,
                              .bit_flip_count = config.bit_flip_count});
    }
  }
  // Stable: at equal times, torn before corrupt and nodes in config order.
  std::stable_sort(out.begin(), out.end(), [](const DiskFault& a, const DiskFault& b) { return a.at < b.at; });
  return out;
}

std::vector<DiskCorruption> apply_disk_fault(SimDisk& disk, const DiskFault& fault, bool begin) {
  switch (fault.kind) {
    case DiskFaultKind::corrupt:
      if (begin) return disk.corrupt_random(fault.bit_flip_count);
      return {};
    case DiskFaultKind::torn:
      disk.set_torn(begin);
      return {};
    case DiskFaultKind::slow:
      if (begin) {
        disk.set_slow(fault.sync_latency);
      } else {
        disk.clear_slow();
      }
      return {};
    case DiskFaultKind::full:
      if (begin) {
        disk.set_full(fault.capacity_bytes);
      } else {
        disk.clear_full();
      }
      return {};
  }
  BFTSIM_ASSERT(false && "unhandled disk fault kind");
  return {};
}

}  // namespace bftsim
