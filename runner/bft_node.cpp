// bft-node: one replica of a cluster on real sockets and a real disk.
//   bft-node --config cluster.yaml --id N --data-dir DIR [--key FILE] [--status-interval 3s]
//            [--storage-flush background|inline] [--storage-sync thread|loop]
//            [--storage-sync-delay DURATION]
//   bft-node --config cluster.yaml --id N --status      ask a running node (INFO over its client port)
//   bft-node keygen --out FILE                          write a secret key, print its public key
// Exit codes: 0 clean shutdown (SIGTERM/SIGINT) or status answered; 1 a
// runtime failure (a port in use, storage failure, status not answered);
// 2 bad input (usage, cluster file, key file).
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/signal_set.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "runner/cluster_config.h"
#include "runner/key_file.h"
#include "runner/node_server.h"

namespace {

using namespace bftsim;
using namespace bftsim::runner;

constexpr const char* usage = R"(usage:
  bft-node --config FILE --id N --data-dir DIR [--key FILE] [--status-interval DURATION]
           [--storage-flush background|inline] [--storage-sync thread|loop]
           [--storage-sync-delay DURATION]
      run replica N of the cluster FILE, keeping its state in DIR (created if
      missing; a restart recovers from it). The secret key is read from FILE
      (default DIR/node.key); its public key must be replica N's in the cluster
      file. A status line goes to stderr every DURATION (default 3s, 0s: none).
      --storage-flush: where the LSM writes full memtables to tables and
      compacts them: on a background thread (default), or inline, inside the
      event-loop handler whose write filled the memtable (the way before; for
      comparison: each flush then stalls the loop).
      --storage-sync: where the log's fdatasync runs: on a thread of its own
      (default; the loop goes on, and the messages sent after a vote's
      safety state wait for it), or in the loop handler that persisted (the
      way before; for comparison).
      --storage-sync-delay: sleep this long (e.g. 2ms) before every file
      sync, as a slower disk would take (default 0s; for experiments).
      SIGTERM or SIGINT syncs the state and exits 0. With BFT_TRACE=PREFIX in
      the environment it writes a trace of its stages and long loop handlers
      to PREFIX.node-N (runner/stage_trace.h, read by bench/trace_tail.py).
  bft-node --config FILE --id N --status
      print the INFO of running replica N (asked on its client port); exit 0,
      or 1 when it does not answer within 3 s.
  bft-node keygen --out FILE
      write a new secret key to FILE (0600, never overwritten) and print its
      public key (hex) for the cluster file.
  bft-node --help
exit codes: 0 ok, 1 runtime failure, 2 bad input.
)";

int bad_input(const std::string& message) {
  fmt::print(stderr, "bft-node: {}\n", message);
  return 2;
}

int keygen(const std::vector<std::string>& args) {
  if (args.size() != 3 || args[1] != "--out") return bad_input("usage: bft-node keygen --out FILE");
  const Ed25519Seed seed = random_ed25519_seed();
  if (auto status = write_key_file(args[2], seed); !status) {
    fmt::print(stderr, "bft-node: {}\n", status.error().message);
    return 1;
  }
  fmt::print("{}\n", to_hex(ed25519_public_key(seed).bytes));
  return 0;
}

// INFO over RESP on the node's client port, with a 3 s deadline.
int status(const ClusterConfig& cluster, ReplicaIndex id) {
  const ReplicaAddress& address = cluster.replicas[id];
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::steady_timer deadline(io);
  std::string received;
  bool answered = false;
  std::string error = "no answer within 3 s";
  std::array<char, 4096> buffer{};
  asio::ip::tcp::resolver resolver(io);
  asio::error_code ec;
  auto endpoints = resolver.resolve(address.host, std::to_string(address.client_port), ec);
  if (ec) return bad_input(fmt::format("cannot resolve {}: {}", address.host, ec.message()));
  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(buffer), [&](const asio::error_code& read_error, std::size_t size) {
      if (read_error) {
        error = read_error.message();
        deadline.cancel();
          return;
      }
      received.append(buffer.data(), size);
      // "$<len>\r\n<body>\r\n"
      const std::size_t header_end = received.find("\r\n");
      if (received.starts_with("$") && header_end != std::string::npos) {
        const std::size_t length = std::stoul(received.substr(1, header_end - 1));
        if (received.size() >= header_end + 2 + length + 2) {
          answered = true;
          received = received.substr(header_end + 2, length);
          socket.close();
          deadline.cancel();
          return;
        }
      }
      read_more();
    });
  };
  asio::async_connect(socket, endpoints, [&](const asio::error_code& connect_error, const auto&) {
    if (connect_error) {
      error = connect_error.message();
      deadline.cancel();
          return;
    }
    static const std::string command = "*1\r\n$4\r\nINFO\r\n";
    asio::write(socket, asio::buffer(command), ec);
    read_more();
  });
  deadline.expires_after(std::chrono::seconds(3));
  deadline.async_wait([&](const asio::error_code&) {
    asio::error_code ignored;
    socket.close(ignored);
  });
  io.run();
  if (!answered) {
    fmt::print(stderr, "bft-node: replica {} at {}:{} did not answer: {}\n", id, address.host, address.client_port,
               error);
    return 1;
  }
  for (char& c : received)
    if (c == '\r') c = ' ';
  fmt::print("{}", received);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return bad_input(std::string("missing arguments\n") + usage);
  if (args[0] == "--help" || args[0] == "-h") {
    fmt::print("{}", usage);
    return 0;
  }
  if (args[0] == "keygen") return keygen(args);

  std::string config_path, data_dir, key_path, id_text;
  std::string status_interval = "3s";
  std::string storage_flush = "background";
  std::string storage_sync = "thread";
  std::string sync_delay_text = "0s";
  bool want_status = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--config") ok = value(config_path);
    else if (arg == "--id") ok = value(id_text);
    else if (arg == "--data-dir") ok = value(data_dir);
    else if (arg == "--key") ok = value(key_path);
    else if (arg == "--status-interval") ok = value(status_interval);
    else if (arg == "--storage-flush") ok = value(storage_flush);
    else if (arg == "--storage-sync") ok = value(storage_sync);
    else if (arg == "--storage-sync-delay") ok = value(sync_delay_text);
    else if (arg == "--status") want_status = true;
    else return bad_input(fmt::format("unknown argument '{}' (see bft-node --help)", arg));
    if (!ok) return bad_input(fmt::format("{} needs a value", arg));
  }
  if (config_path.empty()) return bad_input("--config FILE is required");
  if (storage_flush != "background" && storage_flush != "inline")
    return bad_input(fmt::format("--storage-flush {}: must be background or inline", storage_flush));
  if (storage_sync != "thread" && storage_sync != "loop")
    return bad_input(fmt::format("--storage-sync {}: must be thread or loop", storage_sync));
  auto sync_delay = sync_delay_text == "0s" || sync_delay_text == "0" ? Result<std::int64_t>(0)
                                                                     : parse_duration_ns(sync_delay_text);
  if (!sync_delay) return bad_input(fmt::format("--storage-sync-delay: {}", sync_delay.error().message));
  if (id_text.empty()) return bad_input("--id N is required");
  auto cluster = load_cluster_config(config_path);
  if (!cluster) return bad_input(cluster.error().message);
  if (id_text.find_first_not_of("0123456789") != std::string::npos || id_text.size() > 6 ||
      std::stoul(id_text) >= cluster->replica_count())
    return bad_input(fmt::format("--id {}: not a replica of {} (ids 0 .. {})", id_text, config_path,
                                 cluster->replica_count() - 1));
  const auto id = static_cast<ReplicaIndex>(std::stoul(id_text));
  if (want_status) return status(*cluster, id);

  if (data_dir.empty()) return bad_input("--data-dir DIR is required");
  if (key_path.empty()) key_path = data_dir + "/node.key";
  auto seed = read_key_file(key_path);
  if (!seed) return bad_input(seed.error().message);
  if (ed25519_public_key(*seed) != cluster->replicas[id].public_key)
    return bad_input(fmt::format("{}: its public key {} is not replica {}'s in {} ({})", key_path,
                                 to_hex(ed25519_public_key(*seed).bytes), id, config_path,
                                 to_hex(cluster->replicas[id].public_key.bytes)));
  auto interval = status_interval == "0s" || status_interval == "0" ? Result<std::int64_t>(0)
                                                                     : parse_duration_ns(status_interval);
  if (!interval) return bad_input(fmt::format("--status-interval: {}", interval.error().message));

  asio::io_context io(1);
  NodeServerOptions options{data_dir, std::chrono::milliseconds(*interval / 1'000'000)};
  options.storage_background_work = storage_flush == "background";
  options.sync_on_thread = storage_sync == "thread";
  options.sync_delay = std::chrono::nanoseconds(*sync_delay);
  NodeServer server(io, *cluster, id, *seed, std::move(options));
  if (auto started = server.start(); !started) {
    fmt::print(stderr, "bft-node {}: {}\n", id, started.error().message);
    return 1;
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const asio::error_code& error, int signal) {
    if (!error) server.stop(signal == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  return server.failure() ? 1 : 0;
}
