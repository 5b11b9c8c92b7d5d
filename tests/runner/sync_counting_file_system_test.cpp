// Tests of runner/sync_counting_file_system.h: it counts every file and
// directory sync that reaches the file system it wraps, and adds its sync
// delay (bft-node --storage-sync-delay) to each file sync, none to a
// directory sync. Method: a scratch directory on the POSIX file system; the
// delay is checked as a lower bound on the wall time of a sync.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <string>

#include "core/storage/file_names.h"
#include "core/storage/posix_file_system.h"
#include "runner/sync_counting_file_system.h"

namespace bftsim::runner::test_runner_sync_counting_file_system_test {

TEST_CASE("sync_counting_file_system: counts syncs and slows each file sync by its delay") {
  PosixFileSystem posix;
  const std::string dir = "/tmp/bftsim_sync_counting_" + std::to_string(::getpid());
  REQUIRE(posix.create_dir(dir).has_value());
  constexpr auto delay = std::chrono::milliseconds(30);
  SyncCountingFileSystem fs(posix, delay);
  CHECK(fs.sync_delay() == delay);
  auto file = fs.open_writable(join_path(dir, "a"), OpenMode::truncate);
  REQUIRE(file.has_value());
  const std::uint8_t byte = 7;
  REQUIRE((*file)->append(std::span<const std::uint8_t>(&byte, 1)).has_value());
  const auto start = std::chrono::steady_clock::now();
  REQUIRE((*file)->sync().has_value());
  REQUIRE((*file)->sync().has_value());
  CHECK(std::chrono::steady_clock::now() - start >= 2 * delay);
  REQUIRE(fs.sync_dir(dir).has_value());
  const SyncCounts counts = fs.counts();
  CHECK(counts.file_syncs == 2);
  CHECK(counts.dir_syncs == 1);
  // This thread made the syncs, so they count as the owner's too, with their delay.
  CHECK(counts.owner_file_syncs == 2);
  CHECK(counts.owner_file_sync_ns >= std::chrono::nanoseconds(2 * delay).count());
  file->reset();
  REQUIRE(posix.remove(join_path(dir, "a")).has_value());
  ::rmdir(dir.c_str());
}

}  // namespace bftsim::runner::test_runner_sync_counting_file_system_test
