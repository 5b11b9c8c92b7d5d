// SimDisk: the simulated disk of one node, an in-memory FileSystem that keeps
// the durability contract of core/storage/file_system.h exactly and no more,
// and injects disk faults (crash with lost or torn writes, bit flips, slow
// syncs, a full disk). Deterministic: ordered containers only, and every draw
// comes from the Rng given at construction (Rng::stream(run_seed, "disk/<i>"),
// see disk_stream), split into the child streams "torn" and "corrupt".
// Single-threaded. Files it hands out must not outlive it.
//
// The model. A file is an inode with two byte strings: `durable` (what a crash
// leaves) and `current` (what reads see). sync() copies current to durable.
// Names are two sorted maps from path to inode, `current` and `durable`;
// sync_dir(d) copies the entries of d (added, replaced and removed ones) from
// current to durable. A crash sets every name map and inode back to durable,
// so a created but never dir-synced file is gone, a rename or remove that was
// not dir-synced reverts (the old name holds the old inode's synced bytes),
// and unsynced appends and truncations are lost. Names refer to inodes, so an
// open WritableFile keeps writing to its inode after a rename.
// Directories are simpler: create_dir makes them durable at once, and they
// cannot be removed or renamed (the LSM creates its directory once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/storage/file_system.h"
#include "core/types/ids.h"
#include "sim/rng.h"

namespace bftsim {

struct SimDiskOptions {
  // What every sync() and sync_dir() costs while the disk is not slow. Keep 0
  // (the default) so runs without disk faults see no extra delay.
  Duration sync_latency_base = 0;
};

// For reports. faults_injected counts bit flips, torn appends, appends
// refused by `full` and syncs slowed by `slow`.
struct SimDiskCounters {
  std::uint64_t syncs = 0;          // WritableFile::sync calls that returned ok
  std::uint64_t dir_syncs = 0;      // sync_dir calls that returned ok
  std::uint64_t bytes_written = 0;  // bytes of appends that returned ok
  std::uint64_t crashes = 0;
  std::uint64_t bit_flips = 0;
  std::uint64_t torn_appends = 0;
  std::uint64_t full_rejections = 0;
  std::uint64_t slow_syncs = 0;
  std::uint64_t faults_injected = 0;
  Duration sync_delay_total = 0;  // every latency ever added to take_delay()

  bool operator==(const SimDiskCounters&) const = default;
};

// One flipped byte, as corrupt and corrupt_random report it.
struct DiskCorruption {
  std::string path;
  std::uint64_t offset = 0;
  std::uint8_t mask = 0;  // the bits flipped (XORed) in that byte

  bool operator==(const DiskCorruption&) const = default;
};

class SimDisk : public FileSystem {
 public:
  struct Inode;

  // The stream a node's disk draws from: Rng::stream(run_seed, "disk/<replica>").
  static Rng disk_stream(std::uint64_t run_seed, ReplicaIndex replica);

  explicit SimDisk(Rng rng, SimDiskOptions options = {});
  ~SimDisk() override;
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  // ---- FileSystem -------------------------------------------------------
  // Errors: not_found for a missing file or parent directory; invalid_argument
  // for an empty path or one naming a directory where a file belongs;
  // io_error from a handle used after crash() or close(), and from append
  // while the disk is full.
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override;
  Result<std::uint64_t> file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir_path) override;
  Status create_dir(const std::string& dir) override;
  Status sync_dir(const std::string& dir) override;

  // ---- faults -----------------------------------------------------------
  // The power fails: every name and file goes back to its durable state and
  // every open handle fails from now on with io_error. While torn is on, the
  // last append of each file that was not synced (when nothing else but
  // appends happened to the file since its last sync) keeps its first k
  // bytes, k uniform in [0, size) from the "torn" stream, and the appends
  // before it in that file survive whole: the write-back got that far when
  // the power failed. Draws: one per torn append, files in sorted path order.
  void crash();

  // Flips the bits of `mask` in the durable byte at `offset` of `path` (and
  // in what reads see, when the file was not truncated since its last sync).
  // Errors: not_found; invalid_argument when offset is past the synced bytes
  // or mask is 0.
  Status corrupt(const std::string& path, std::uint64_t offset, std::uint8_t mask = 0x01);

  // Flips `bit_flip_count` random bits in durable data: each picks a file
  // among those with synced bytes (sorted by path), an offset in its synced
  // bytes and a bit, all uniform from the "corrupt" stream (3 draws per flip).
  // Empty when no file has synced bytes (and then nothing is drawn).
  std::vector<DiskCorruption> corrupt_random(std::uint32_t bit_flip_count = 1);

  void set_torn(bool on) { torn_ = on; }
  // While slow, every sync and sync_dir costs `sync_latency` instead of the
  // base latency. Requires: sync_latency > 0.
  void set_slow(Duration sync_latency);
  void clear_slow() { slow_latency_.reset(); }
  // While full, an append fails with io_error ("no space") when it would
  // bring the bytes of all named files past `capacity_bytes`; without a
  // capacity every append fails. Other calls are not affected.
  void set_full(std::optional<std::uint64_t> capacity_bytes);
  void clear_full() { full_ = false; }

  bool torn() const { return torn_; }
  std::optional<Duration> slow_latency() const { return slow_latency_; }
  bool full() const { return full_; }

  // The sync latency accumulated since the last call, then 0. The simulation
  // takes it after each event and delays the sends that follow.
  Duration take_delay();

  const SimDiskCounters& counters() const { return counters_; }
  // The bytes of all files in the current namespace (what `full` counts).
  std::uint64_t stored_bytes() const;

 private:
  friend class SimWritableFile;
  friend class SimReadableFile;
  using Names = std::map<std::string, std::shared_ptr<Inode>>;

  bool is_dir(const std::string& path) const { return dirs_.count(path) != 0; }
  Status check_file_path(const std::string& path) const;
  Status append_to(Inode& inode, std::span<const std::uint8_t> bytes);
  void charge_sync();
  bool handle_alive(std::uint64_t epoch) const { return epoch == epoch_; }

  Rng torn_rng_;
  Rng corrupt_rng_;
  SimDiskOptions options_;
  Names names_;          // what the namespace looks like now
  Names durable_names_;  // what a crash leaves
  std::set<std::string> dirs_;  // "" is the root; always durable
  std::uint64_t epoch_ = 0;     // crash count: handles of older epochs are dead
  bool torn_ = false;
  std::optional<Duration> slow_latency_;
  bool full_ = false;
  std::optional<std::uint64_t> capacity_bytes_;
  Duration pending_delay_ = 0;
  SimDiskCounters counters_;
};

// The directory part of a path: "a/b/c" -> "a/b", "c" -> "" (the root).
std::string parent_dir(const std::string& path);

}  // namespace bftsim
