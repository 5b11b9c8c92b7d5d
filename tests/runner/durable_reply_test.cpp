// Tests that bft-node answers a client only once the commit it reports is
// durable (runner/node_server.h): a reply must never reach a client while
// bytes of that commit sit unsynced, or a kill -9 of every replica followed
// by a power loss could take back an acknowledged write.
// Method: four NodeServers on one io_context (one thread), linked over
// loopback, each keeping its data on the POSIX file system in a fresh
// directory, seen through a wrapper that counts the bytes appended to each
// file and not yet synced. Writes go in through node 0's RESP door path
// (submit_operation, answered by node 0 alone); at each answer the test
// reads node 0's count, which must be zero. A node that replied at
// execution (before the next synced persist) is caught by the first answer:
// the commit's record is still unsynced then.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "core/crypto/keys.h"
#include "core/storage/posix_file_system.h"
#include "tests/runner/loopback.h"
#include "runner/node_server.h"

namespace bftsim::runner::test_runner_durable_reply_test {
namespace {

using testing::HeldPort;
using testing::seed_of;

// Bytes appended and not yet synced, over every file opened for writing.
class UnsyncedBytes {
 public:
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const auto& [file, bytes] : unsynced_) sum += bytes;
    return sum;
  }
  void appended(const void* file, std::uint64_t bytes) { unsynced_[file] += bytes; }
  void synced(const void* file) { unsynced_[file] = 0; }
  void closed(const void* file) { unsynced_.erase(file); }
  std::uint64_t sync_count = 0;

 private:
  std::map<const void*, std::uint64_t> unsynced_;
};

class WatchedFile final : public WritableFile {
 public:
  WatchedFile(std::unique_ptr<WritableFile> inner, UnsyncedBytes& watch) : inner_(std::move(inner)), watch_(watch) {}
  ~WatchedFile() override { watch_.closed(this); }
  Status append(std::span<const std::uint8_t> bytes) override {
    auto status = inner_->append(bytes);
    if (status) watch_.appended(this, bytes.size());
    return status;
  }
  Status sync() override {
    auto status = inner_->sync();
    if (status) {
      watch_.synced(this);
      ++watch_.sync_count;
    }
    return status;
  }
  Status close() override { return inner_->close(); }
  std::uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  UnsyncedBytes& watch_;
};

// The POSIX file system, with every writable file watched.
class WatchedFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override {
    auto file = posix_.open_writable(path, mode);
    if (!file) return tl::make_unexpected(file.error());
    return std::unique_ptr<WritableFile>(std::make_unique<WatchedFile>(std::move(*file), watch));
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

  UnsyncedBytes watch;

 private:
  PosixFileSystem posix_;
};

}  // namespace

TEST_CASE("node_server: a reply leaves only once its commit is synced") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("bftsim-durable-reply-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  constexpr std::uint8_t replica_count = 4;
  ClusterConfig cluster;
  cluster.chain_id = "test";
  cluster.faulty = 1;
  cluster.protocol.view_timeout = 500'000'000;
  // Every port bound before any server starts and handed to its server: no race.
  std::array<HeldPort, replica_count> peer_ports;
  std::array<HeldPort, replica_count> client_ports;
  for (std::uint8_t id = 0; id < replica_count; ++id)
    cluster.replicas.push_back(ReplicaAddress{id, "127.0.0.1", peer_ports[id].port(), client_ports[id].port(),
                                              ed25519_public_key(seed_of(id + 1))});

  asio::io_context io;
  std::vector<std::unique_ptr<WatchedFileSystem>> file_systems;
  std::vector<std::unique_ptr<NodeServer>> servers;
  for (std::uint8_t id = 0; id < replica_count; ++id) {
    file_systems.push_back(std::make_unique<WatchedFileSystem>());
    NodeServerOptions options;
    options.data_dir = (dir / std::to_string(id)).string();
    options.status_interval = std::chrono::milliseconds(0);
    options.file_system = file_systems.back().get();
    options.peer_listen_socket = peer_ports[id].listen_and_release();
    options.client_listen_socket = client_ports[id].listen_and_release();
    servers.push_back(std::make_unique<NodeServer>(io, cluster, id, seed_of(id + 1), options));
    REQUIRE(servers.back()->start());
  }
  const UnsyncedBytes& watch = file_systems[0]->watch;

  constexpr int write_count = 30;
  int answered = 0;
  int answered_ok = 0;
  std::uint64_t unsynced_at_answers = 0;  // summed over every answer: must stay 0
  for (int i = 0; i < write_count; ++i) {
    Operation put{OpType::put, "k" + std::to_string(i), "v" + std::to_string(i), {}, {}};
    servers[0]->submit_operation(put, [&](const OpResult& result) {
      ++answered;
      if (result.status == ResultStatus::ok) ++answered_ok;
      unsynced_at_answers += watch.total();
      if (answered == write_count)
        for (auto& server : servers) server->stop("test done");
    });
  }
  io.run_for(std::chrono::seconds(30));
  for (auto& server : servers) server->stop("test over");
  io.run_for(std::chrono::milliseconds(100));

  CHECK(answered == write_count);
  CHECK(answered_ok == write_count);
  CHECK(watch.sync_count > 0);
  CHECK(unsynced_at_answers == 0);
  // INFO counts the file syncs the watcher saw (SyncCountingFileSystem).
  const std::string info = servers[0]->info_text();
  CHECK(info.find("storage_file_syncs:" + std::to_string(watch.sync_count) + "\r\n") != std::string::npos);
  servers.clear();
  std::filesystem::remove_all(dir);
}

}  // namespace bftsim::runner::test_runner_durable_reply_test
