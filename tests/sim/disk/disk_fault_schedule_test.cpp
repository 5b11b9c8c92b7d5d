// Tests for sim/disk/disk_fault_schedule.h and its place in fault_schedule:
// random disk faults depend only on the run seed and their node, are sorted,
// stay inside [start, stop), and come after the scripted and partition faults.
#include "sim/disk/disk_fault_schedule.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <variant>
#include <vector>

#include "sim/net/fault_schedule.h"

namespace bftsim::test_sim_disk_disk_fault_schedule_test {
namespace {

RandomDiskConfig config_for(std::vector<ReplicaIndex> replicas) {
  return RandomDiskConfig{.replicas = std::move(replicas),
                          .corrupt_rate = Rate{2, ns_per_s},
                          .bit_flip_count = 3,
                          .torn = true,
                          .start = 1 * ns_per_s,
                          .stop = 20 * ns_per_s};
}

std::vector<DiskFault> of_node(const std::vector<DiskFault>& faults, ReplicaIndex replica) {
  std::vector<DiskFault> out;
  for (const DiskFault& fault : faults)
    if (fault.replica == replica) out.push_back(fault);
  return out;
}

TEST_CASE("random disk faults depend only on the run seed and their node") {
  // Goal: determinism and per-node streams. Method: the same seed gives the
  // same schedule, another seed a different one; dropping node 0 leaves node
  // 2's corruptions unchanged, and nodes 0 and 2 get different times. Every
  // corruption is in [start, stop) with the configured bit count, and each
  // node gets one torn fault at start.
  const std::vector<DiskFault> first = random_disk_fault_schedule(config_for({0, 2}), 5);
  CHECK(first == random_disk_fault_schedule(config_for({0, 2}), 5));
  CHECK(first != random_disk_fault_schedule(config_for({0, 2}), 6));
  CHECK(of_node(first, 2) == random_disk_fault_schedule(config_for({2}), 5));
  const auto times = [](const std::vector<DiskFault>& faults) {
    std::vector<Instant> out;
    for (const DiskFault& fault : faults) out.push_back(fault.at);
    return out;
  };
  CHECK(times(of_node(first, 0)) != times(of_node(first, 2)));  // each node its own stream
  CHECK(std::is_sorted(first.begin(), first.end(),
                       [](const DiskFault& a, const DiskFault& b) { return a.at < b.at; }));
  std::size_t torn = 0;
  std::size_t corrupt = 0;
  for (const DiskFault& fault : first) {
    CHECK(fault.at >= 1 * ns_per_s);
    CHECK(fault.at < 20 * ns_per_s);
    CHECK(fault.until == std::nullopt);
    if (fault.kind == DiskFaultKind::torn) {
      ++torn;
      CHECK(fault.at == 1 * ns_per_s);
    } else {
      REQUIRE(fault.kind == DiskFaultKind::corrupt);
      CHECK(fault.bit_flip_count == 3);
      ++corrupt;
    }
  }
  CHECK(torn == 2);
  CHECK(corrupt > 40);  // about 2/s over 19s on two nodes: 76 expected
  CHECK(corrupt < 120);
}

TEST_CASE("fault_schedule appends the random disk faults last") {
  // Goal: the disk faults join the run's schedule after `faults` and the
  // random partitions, with ids that do not move the others. Method: load a
  // scenario with one crash and random partitions and disk faults.
  auto loaded = load_scenario_string(R"(name: disk-schedule
description: Scripted, then random partitions, then random disk faults.
duration: 10s
replicas: 4
faulty: 1
faults:
  - {type: crash, node: 1, at: 2s}
random_faults:
  partitions: {mean_interval: 2s, mean_duration: 500ms}
  disk: {nodes: [3], corrupt_rate: 1/s, torn: true}
expect: {safety: holds, liveness: holds}
)",
                                     "test.yaml", {});
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
  const std::vector<Fault> schedule = fault_schedule(*loaded, 9);
  const std::vector<DiskFault> disk = random_disk_fault_schedule(*loaded->random_faults.disk, 9);
  const std::vector<PartitionFault> partitions =
      random_partition_schedule(*loaded->random_faults.partitions, 9, loaded->replica_count);
  REQUIRE(schedule.size() == 1 + partitions.size() + disk.size());
  CHECK(std::holds_alternative<CrashFault>(schedule[0]));
  for (std::size_t i = 0; i < disk.size(); ++i) {
    const std::size_t index = 1 + partitions.size() + i;
    REQUIRE(std::holds_alternative<DiskFault>(schedule[index]));
    CHECK(std::get<DiskFault>(schedule[index]) == disk[i]);
  }
}

TEST_CASE("apply_disk_fault switches each disk fault kind on and off") {
  // Goal: the integration's one call per fault event does what each kind
  // says. Method: begin and end each kind on a SimDisk and read its state.
  SimDisk disk(SimDisk::disk_stream(3, 1));
  auto file = disk.open_writable("wal", OpenMode::truncate);
  REQUIRE(file.has_value());
  REQUIRE((*file)->append(std::vector<std::uint8_t>(32, 0)).has_value());
  REQUIRE((*file)->sync().has_value());

  const DiskFault corrupt{.replica = 1, .kind = DiskFaultKind::corrupt, .at = 0, .bit_flip_count = 4};
  CHECK(apply_disk_fault(disk, corrupt, true).size() == 4);
  CHECK(apply_disk_fault(disk, corrupt, false).empty());
  CHECK(disk.counters().bit_flips == 4);

  const DiskFault torn{.replica = 1, .kind = DiskFaultKind::torn, .at = 0};
  apply_disk_fault(disk, torn, true);
  CHECK(disk.torn());
  apply_disk_fault(disk, torn, false);
  CHECK_FALSE(disk.torn());

  const DiskFault slow{.replica = 1, .kind = DiskFaultKind::slow, .at = 0, .sync_latency = 20 * ns_per_ms};
  apply_disk_fault(disk, slow, true);
  CHECK(disk.slow_latency() == std::optional<Duration>(20 * ns_per_ms));
  apply_disk_fault(disk, slow, false);
  CHECK(disk.slow_latency() == std::nullopt);

  const DiskFault full{.replica = 1, .kind = DiskFaultKind::full, .at = 0, .capacity_bytes = 32};
  apply_disk_fault(disk, full, true);
  CHECK(disk.full());
  CHECK((*file)->append(std::vector<std::uint8_t>(1, 0)).error().code == ErrorCode::io_error);
  apply_disk_fault(disk, full, false);
  CHECK_FALSE(disk.full());
  CHECK((*file)->append(std::vector<std::uint8_t>(1, 0)).has_value());
}

}  // namespace
}  // namespace bftsim::test_sim_disk_disk_fault_schedule_test
