// Tests that bft-node lets nothing leave before the writes it depends on are
// durable (runner/node_server.h):
//   - a reply reaches a client only once the commit it reports is synced,
//     or a kill -9 of every replica followed by a power loss could take
//     back an acknowledged write;
//   - while a WAL sync is under way (on the sync thread), the messages the
//     Node sends after the Persist it covers are held: a vote never leaves
//     before the safety state that records it is durable.
// Method: four NodeServers on one io_context (one thread), linked over
// loopback, each keeping its data on the POSIX file system in a fresh
// directory, seen through a wrapper that records, per file, the bytes
// appended and how far the last completed sync reached, and can hold the
// WAL syncs at a gate.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>

#include "core/crypto/keys.h"
#include "core/storage/posix_file_system.h"
#include "tests/runner/loopback.h"
#include "runner/node_server.h"

namespace bftsim::runner::test_runner_durable_reply_test {
namespace {

using testing::HeldPort;
using testing::seed_of;

// Every writable file's appended and synced extent, and where each watched
// string was last appended; a gate that holds WAL syncs. Its files append
// on the loop's thread and sync on the sync thread, so it locks.
class DiskWatch {
 public:
  explicit DiskWatch(std::vector<std::string> watched) : watched_(std::move(watched)) {}

  void appended(const void* file, std::span<const std::uint8_t> bytes) {
    std::lock_guard lock(mutex_);
    Extent& extent = files_[file];
    extent.appended += bytes.size();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    for (const std::string& key : watched_)
      if (text.find(key) != std::string_view::npos) last_append_[key] = {file, extent.appended};
  }
  std::uint64_t appended_so_far(const void* file) {
    std::lock_guard lock(mutex_);
    return files_[file].appended;
  }
  // A sync that began when `through` bytes were appended has completed.
  void synced(const void* file, std::uint64_t through) {
    std::lock_guard lock(mutex_);
    Extent& extent = files_[file];
    extent.synced = std::max(extent.synced, through);
    ++sync_count_;
  }
  // Whether the last append holding `key` is synced (false if none was seen).
  bool key_durable(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = last_append_.find(key);
    if (found == last_append_.end()) return false;
    return files_[found->second.first].synced >= found->second.second;
  }
  std::uint64_t sync_count() {
    std::lock_guard lock(mutex_);
    return sync_count_;
  }

  // The gate: while closed, a WAL sync blocks (at most one holds there).
  void close_gate() {
    std::lock_guard lock(mutex_);
    gate_closed_ = true;
  }
  void open_gate() {
    {
      std::lock_guard lock(mutex_);
      gate_closed_ = false;
    }
    gate_.notify_all();
  }
  bool sync_held() const { return sync_held_.load(); }
  // Each WAL sync takes at least this long: a wider window for commits
  // to land while one runs.
  void slow_syncs(std::chrono::milliseconds delay) { sync_delay_ms_ = static_cast<int>(delay.count()); }
  void pass_gate() {
    if (const int delay = sync_delay_ms_.load(); delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    std::unique_lock lock(mutex_);
    if (!gate_closed_) return;
    sync_held_ = true;
    gate_.wait(lock, [this] { return !gate_closed_; });
    sync_held_ = false;
  }

 private:
  struct Extent {
    std::uint64_t appended = 0;
    std::uint64_t synced = 0;
  };
  std::mutex mutex_;
  std::condition_variable gate_;
  bool gate_closed_ = false;
  std::atomic<bool> sync_held_{false};
  std::atomic<int> sync_delay_ms_{0};
  std::vector<std::string> watched_;
  std::map<const void*, Extent> files_;
  std::map<std::string, std::pair<const void*, std::uint64_t>> last_append_;
  std::uint64_t sync_count_ = 0;
};

class WatchedFile final : public WritableFile {
 public:
  WatchedFile(std::unique_ptr<WritableFile> inner, DiskWatch& watch, bool gated)
      : inner_(std::move(inner)), watch_(watch), gated_(gated) {}
  Status append(std::span<const std::uint8_t> bytes) override {
    auto status = inner_->append(bytes);
    if (status) watch_.appended(this, bytes);
    return status;
  }
  Status sync() override {
    const std::uint64_t through = watch_.appended_so_far(this);
    if (gated_) watch_.pass_gate();
    auto status = inner_->sync();
    if (status) watch_.synced(this, through);
    return status;
  }
  Status close() override { return inner_->close(); }
  std::uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  DiskWatch& watch_;
  bool gated_;
};

// The POSIX file system, with every writable file watched and the logs gated.
class WatchedFileSystem final : public FileSystem {
 public:
  explicit WatchedFileSystem(std::vector<std::string> watched) : watch(std::move(watched)) {}
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override {
    auto file = posix_.open_writable(path, mode);
    if (!file) return tl::make_unexpected(file.error());
    const bool log = path.size() > 4 && path.ends_with(".log");
    return std::unique_ptr<WritableFile>(std::make_unique<WatchedFile>(std::move(*file), watch, log));
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return posix_.open_readable(path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override { return posix_.file_size(path); }
  bool exists(const std::string& path) override { return posix_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override { return posix_.rename(from, to); }
  Status remove(const std::string& path) override { return posix_.remove(path); }
  Result<std::vector<std::string>> list(const std::string& dir) override { return posix_.list(dir); }
  Status create_dir(const std::string& dir) override { return posix_.create_dir(dir); }
  Status sync_dir(const std::string& dir) override { return posix_.sync_dir(dir); }

  DiskWatch watch;

 private:
  PosixFileSystem posix_;
};

// Fixed width, so no key is part of another.
std::string key_of(int i) { return fmt::format("durable-key-{:04}", i); }

std::vector<std::string> keys(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(key_of(i));
  return out;
}

// A 4-replica cluster on loopback, each replica's disk watched.
struct WatchedCluster {
  static constexpr std::uint8_t replica_count = 4;

  WatchedCluster(const std::string& name, int key_count, bool sync_on_thread)
      : dir(std::filesystem::temp_directory_path() /
            ("bftsim-" + name + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
    ClusterConfig cluster;
    cluster.chain_id = "test";
    cluster.faulty = 1;
    cluster.protocol.view_timeout = 500'000'000;
    // Every port bound before any server starts and handed to its server: no race.
    for (std::uint8_t id = 0; id < replica_count; ++id)
      cluster.replicas.push_back(ReplicaAddress{id, "127.0.0.1", peer_ports[id].port(), client_ports[id].port(),
                                                ed25519_public_key(seed_of(id + 1))});
    for (std::uint8_t id = 0; id < replica_count; ++id) {
      file_systems.push_back(std::make_unique<WatchedFileSystem>(keys(key_count)));
      NodeServerOptions options;
      options.data_dir = (dir / std::to_string(id)).string();
      options.status_interval = std::chrono::milliseconds(0);
      options.file_system = file_systems.back().get();
      options.peer_listen_socket = peer_ports[id].listen_and_release();
      options.client_listen_socket = client_ports[id].listen_and_release();
      options.sync_on_thread = sync_on_thread;
      servers.push_back(std::make_unique<NodeServer>(io, cluster, id, seed_of(id + 1), options));
      REQUIRE(servers.back()->start());
    }
  }
  ~WatchedCluster() {
    for (auto& file_system : file_systems) file_system->watch.open_gate();
    for (auto& server : servers) server->stop("test over");
    io.run_for(std::chrono::milliseconds(100));
    servers.clear();
    std::filesystem::remove_all(dir);
  }

  // Puts keys [first, first + count) through `server`'s RESP door path
  // (answered by that replica alone); `answered(key, result)` at each answer.
  void put(std::uint8_t server, int first, int count, std::function<void(const std::string&, const OpResult&)> answered) {
    for (int i = first; i < first + count; ++i) {
      Operation op{OpType::put, key_of(i), "v" + std::to_string(i), {}, {}};
      servers[server]->submit_operation(op, [key = key_of(i), answered](const OpResult& result) {
        answered(key, result);
      });
    }
  }

  // Runs the loop until `done()` or `limit` passes.
  void run_until(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
  }

  std::uint64_t info_number(std::uint8_t server, const std::string& key) {
    const std::string info = servers[server]->info_text();
    const std::string label = key + ":";
    const auto at = info.find(label);
    REQUIRE(at != std::string::npos);
    return std::stoull(info.substr(at + label.size()));
  }

  std::filesystem::path dir;
  std::array<HeldPort, replica_count> peer_ports;
  std::array<HeldPort, replica_count> client_ports;
  asio::io_context io;
  std::vector<std::unique_ptr<WatchedFileSystem>> file_systems;
  std::vector<std::unique_ptr<NodeServer>> servers;
};

}  // namespace

TEST_CASE("node_server: a reply leaves only once its commit is synced") {
  // The same under both places a sync may run (bft-node --storage-sync).
  for (const bool sync_on_thread : {true, false}) {
    CAPTURE(sync_on_thread);
    constexpr int write_count = 30;
    WatchedCluster cluster("durable-reply", write_count, sync_on_thread);
    DiskWatch& watch = cluster.file_systems[0]->watch;
    watch.slow_syncs(std::chrono::milliseconds(5));
    int answered = 0;
    int answered_ok = 0;
    int answered_before_durable = 0;  // must stay 0
    cluster.put(0, 0, write_count, [&](const std::string& key, const OpResult& result) {
      ++answered;
      if (result.status == ResultStatus::ok) ++answered_ok;
      // The commit's record holds the key: it, and anything after it that
      // holds the key, must be synced by now.
      if (!watch.key_durable(key)) ++answered_before_durable;
    });
    cluster.run_until([&] { return answered == write_count; }, std::chrono::seconds(30));

    CHECK(answered == write_count);
    CHECK(answered_ok == write_count);
    CHECK(watch.sync_count() > 0);
    CHECK(answered_before_durable == 0);
    // INFO counts the file syncs the watcher saw (SyncCountingFileSystem).
    CHECK(cluster.info_number(0, "storage_file_syncs") == watch.sync_count());
    CHECK(cluster.servers[0]->info_text().find(sync_on_thread ? "storage_sync:thread\r\n" : "storage_sync:loop\r\n") !=
          std::string::npos);
  }
}

TEST_CASE("node_server: while a log sync is held, the node sends nothing the Node did after its Persist") {
  constexpr int write_count = 40;
  WatchedCluster cluster("held-sync", write_count, true);
  DiskWatch& gated = cluster.file_systems[0]->watch;
  int answered = 0;
  auto count = [&](const std::string&, const OpResult& result) {
    if (result.status == ResultStatus::ok) ++answered;
  };
  // A live cluster first.
  cluster.put(1, 0, 10, count);
  cluster.run_until([&] { return answered == 10; }, std::chrono::seconds(20));
  REQUIRE(answered == 10);
  const std::uint64_t node0_height = cluster.info_number(0, "committed_height");

  // Replica 0's next log sync blocks. The others (3 = 2f + 1) go on.
  gated.close_gate();
  cluster.put(1, 10, 10, count);
  cluster.run_until([&] { return gated.sync_held(); }, std::chrono::seconds(20));
  REQUIRE(gated.sync_held());
  // More writes while it is held: replica 0 hears their proposals and votes.
  const std::uint64_t sent_while_held = cluster.info_number(0, "peer_frames_sent");
  cluster.put(1, 20, 10, count);
  cluster.run_until([&] { return answered == 30; }, std::chrono::seconds(20));
  CHECK(answered == 30);
  // But every frame since the held sync was requested waits for it.
  CHECK(gated.sync_held());
  CHECK(cluster.info_number(0, "peer_frames_sent") == sent_while_held);
  CHECK(cluster.info_number(0, "held_frames") > 0);
  CHECK(cluster.info_number(1, "committed_height") > node0_height);

  // The sync completes: the held frames go out (none is left held once the
  // cluster is quiet), and replica 0 takes part again.
  gated.open_gate();
  cluster.put(1, 30, 10, count);
  cluster.run_until(
      [&] {
        return answered == write_count && cluster.info_number(0, "held_frames") == 0 &&
               cluster.info_number(0, "committed_height") >= cluster.info_number(1, "committed_height");
      },
      std::chrono::seconds(20));
  CHECK(answered == write_count);
  CHECK(cluster.info_number(0, "held_frames") == 0);
  CHECK(cluster.info_number(0, "peer_frames_sent") > sent_while_held);
  CHECK(cluster.info_number(0, "committed_height") >= cluster.info_number(1, "committed_height"));
}

}  // namespace bftsim::runner::test_runner_durable_reply_test
