// bft-client: talks to a bft-node cluster and trusts an answer only when
// faulty+1 replicas return the same result at the same height.
//   bft-client --config cluster.yaml [--timeout 10s] [--key FILE] put KEY VALUE | get KEY | del KEY
//   bft-client --config cluster.yaml txn [--if KEY=VALUE]... [--if-absent KEY]... [--put KEY=VALUE]... [--del KEY]...
//   bft-client --config cluster.yaml bench [--ops N] [--value-size B] [--clients C] [--keys K] [--get-percent P] [--batch B]
// Each request is signed with the client's Ed25519 key (from --key, or a new
// one per run). Exit codes: 0 ok, 1 key not found, 2 bad input, 3 nothing
// written (a txn's guard failed, incr of a non-integer, append too long),
// 4 no faulty+1 matching replies in time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>

#include "core/codec/limits.h"
#include "core/kv/state_machine.h"
#include "core/protocol/client_auth.h"
#include "runner/bench_tally.h"
#include "runner/cluster_client.h"
#include "runner/cluster_config.h"
#include "runner/key_file.h"
#include "runner/stage_trace.h"

namespace {

using namespace bftsim;
using namespace bftsim::runner;

constexpr int exit_ok = 0;
constexpr int exit_not_found = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_guard_failed = 3;
constexpr int exit_no_answer = 4;

// bench's default --batch: operations per signed request (README, "Speed of
// the runner", has the measurement behind it).
constexpr std::uint32_t bench_batch_default = 32;

constexpr const char* usage = R"(usage: bft-client --config FILE [--timeout DURATION] [--key FILE] COMMAND
commands:
  put KEY VALUE        write VALUE under KEY
  get KEY              print KEY's value
  del KEY              delete KEY
  incr KEY [DELTA]     add DELTA (default 1) to KEY's integer value, print the sum
  append KEY VALUE     append VALUE to KEY's value, print the new length
  txn [--if KEY=VALUE]... [--if-absent KEY]... [--put KEY=VALUE]... [--del KEY]...
                       apply the puts and deletes atomically, only if every guard holds
  bench [--ops N] [--value-size BYTES] [--clients C] [--keys K] [--get-percent P] [--batch B]
                       C closed-loop clients run N operations in all (default 10000,
                       64-byte values, 32 clients, 10000 keys, 0% gets), each client
                       sending B operations per request under one signature (default
                       BENCH_BATCH_DEFAULT, at most BATCH_OPS_MAX; 1: one operation per request);
                       a progress line each second, then throughput and latency
                       percentiles (an operation's latency is its request's); with
                       BFT_TRACE=PREFIX in the environment, a trace of each request
                       in PREFIX.client (runner/stage_trace.h)
A result is accepted only when faulty+1 replicas return it at the same height,
so up to faulty lying replicas cannot fool the client. Requests are signed with
the key in --key FILE (see bft-node keygen) or a new key for each run.
--timeout (default 10s): how long to wait for faulty+1 matching replies.
exit codes: 0 ok, 1 key not found, 2 bad input, 3 nothing written (a txn's
guard failed, incr of a non-integer, append past the size limit), 4 no
faulty+1 matching replies within the timeout.
)";

int bad_input(const std::string& message) {
  fmt::print(stderr, "bft-client: {}\n", message);
  return exit_bad_input;
}

struct LogicalClient {
  explicit LogicalClient(const Ed25519Seed& key) : seed(key) {}
  Ed25519Seed seed;
  RequestNumber next_number = 1;
};

ClientRequest make_request(LogicalClient& client, Operation op, const std::string& chain_id) {
  ClientRequest request;
  request.number = client.next_number++;
  request.op = std::move(op);
  sign_client_request(request, client.seed, chain_id);
  return request;
}

std::string no_answer_message(const ClusterConfig& cluster, const RequestOutcome& outcome,
                              std::chrono::milliseconds timeout) {
  return fmt::format("no {} matching replies within {} ms ({} replies from {} replicas{})", cluster.faulty + 1,
                     timeout.count(), outcome.replies_seen, cluster.replica_count(),
                     outcome.disagreement ? ", and they disagree" : "");
}

// One operation, waited for.
int run_one(const ClusterConfig& cluster, const ClusterClientOptions& options, LogicalClient& client, Operation op) {
  asio::io_context io;
  ClusterClient connection(io, cluster, options);
  connection.connect();
  RequestOutcome outcome;
  const OpType type = op.type;
  const std::string key = op.key;
  connection.submit(make_request(client, std::move(op), cluster.chain_id), [&](const RequestOutcome& result) {
    outcome = result;
    connection.close();
  });
  io.run();
  if (!outcome.reply) {
    fmt::print(stderr, "bft-client: {}\n", no_answer_message(cluster, outcome, options.timeout));
    return exit_no_answer;
  }
  const ClientReply& reply = *outcome.reply;
  switch (reply.result.status) {
    case ResultStatus::not_found:
      fmt::print(stderr, "bft-client: key '{}' not found (height {})\n", key, reply.height);
      return exit_not_found;
    case ResultStatus::condition_failed:
      fmt::print(stderr, "bft-client: txn guard failed: nothing written (height {})\n", reply.height);
      return exit_guard_failed;
    case ResultStatus::ok:
      break;
    case ResultStatus::not_integer:
      fmt::print(stderr, "bft-client: '{}' does not hold a 64-bit integer, or the sum overflows: nothing written (height {})\n", key, reply.height);
      return exit_guard_failed;
    case ResultStatus::too_large:
      fmt::print(stderr, "bft-client: the value of '{}' would exceed {} bytes: nothing written (height {})\n", key, value_size_bytes_max, reply.height);
      return exit_guard_failed;
  }
  if (type == OpType::get)
    fmt::print("{}\n", reply.result.value.value_or(""));
  else if (reply.result.value)
    fmt::print("{}\n", *reply.result.value);
  else
    fmt::print("OK (height {})\n", reply.height);
  return exit_ok;
}

std::optional<std::pair<std::string, std::string>> split_pair(const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) return std::nullopt;
  return std::pair{text.substr(0, equals), text.substr(equals + 1)};
}

Result<Operation> parse_txn(const std::vector<std::string>& args, std::size_t first) {
  Operation txn{OpType::txn, {}, {}, {}, {}};
  for (std::size_t i = first; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return make_error(ErrorCode::invalid_argument, fmt::format("{} needs a value", args[i]));
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--if" || flag == "--put") {
      auto pair = split_pair(value);
      if (!pair) return make_error(ErrorCode::invalid_argument, fmt::format("{} {}: expected KEY=VALUE", flag, value));
      if (flag == "--if")
        txn.conditions.push_back(TxnCondition{pair->first, pair->second});
      else
        txn.writes.push_back(TxnWrite{false, pair->first, pair->second});
    } else if (flag == "--if-absent") {
      txn.conditions.push_back(TxnCondition{value, std::nullopt});
    } else if (flag == "--del") {
      txn.writes.push_back(TxnWrite{true, value, {}});
    } else {
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("unknown txn flag '{}' (known: --if, --if-absent, --put, --del)", flag));
    }
  }
  if (txn.conditions.size() > txn_entries_max || txn.writes.size() > txn_entries_max)
    return make_error(ErrorCode::invalid_argument, fmt::format("at most {} guards and {} writes", txn_entries_max, txn_entries_max));
  return txn;
}

struct BenchOptions {
  std::uint64_t ops = 10'000;
  std::size_t value_size = 64;
  std::uint32_t clients = 32;
  std::uint64_t keys = 10'000;
  std::uint32_t get_percent = 0;
  std::uint32_t batch = bench_batch_default;
};

int run_bench(const ClusterConfig& cluster, const ClusterClientOptions& options, const BenchOptions& bench) {
  asio::io_context io;
  ClusterClient connection(io, cluster, options);
  connection.connect();
  std::vector<LogicalClient> clients;
  for (std::uint32_t i = 0; i < bench.clients; ++i) clients.emplace_back(random_ed25519_seed());
  const std::string value(bench.value_size, 'v');
  std::uint64_t issued = 0, gets = 0, puts = 0;
  std::uint64_t sequence = 0;
  BenchTally tally(bench.ops, std::chrono::steady_clock::now());
  asio::steady_timer progress(io);
  const std::unique_ptr<StageTrace> trace = StageTrace::from_environment("client");
  auto next_op = [&] {
    const std::uint64_t draw = sequence++ * 2654435761u;
    const std::string key = fmt::format("key:{:06}", draw % bench.keys);
    const bool is_get = (draw >> 7) % 100 < bench.get_percent;
    (is_get ? gets : puts) += 1;
    return is_get ? Operation{OpType::get, key, {}, {}, {}} : Operation{OpType::put, key, value, {}, {}};
  };
  std::function<void(std::size_t)> issue = [&](std::size_t index) {
    if (issued >= bench.ops) return;
    const std::uint64_t count = std::min<std::uint64_t>(bench.batch, bench.ops - issued);
    issued += count;
    Operation op;
    if (bench.batch == 1) {
      op = next_op();
    } else {
      // Even a last batch of one stays a batch, so every request is of one kind.
      op.type = OpType::batch;
      for (std::uint64_t k = 0; k < count; ++k) op.ops.push_back(next_op());
    }
    const auto sent = std::chrono::steady_clock::now();
    ClientRequest request = make_request(clients[index], std::move(op), cluster.chain_id);
    const ClientId client = request.client;
    const RequestNumber number = request.number;
    if (trace) trace->line("s {} {} {}", client, number, trace_clock_ns());
    connection.submit(std::move(request),
                      [&, index, sent, count, client, number](const RequestOutcome& outcome) {
                        if (trace) trace->line("a {} {} {}", client, number, trace_clock_ns());
                        tally.complete(count, outcome.reply.has_value(), sent, std::chrono::steady_clock::now());
                        if (tally.done()) {
                          progress.cancel();
                          return connection.close();
                        }
                        issue(index);
                      });
  };
  for (std::size_t i = 0; i < clients.size(); ++i) issue(i);
  std::uint64_t last_completed = 0;
  std::function<void()> report = [&] {
    progress.expires_after(std::chrono::seconds(1));
    progress.async_wait([&](const asio::error_code& error) {
      if (error || tally.done()) return;
      fmt::print(stderr, "bench: {}/{} ops, {} ops/s, {} in flight, {}/{} replicas connected\n", tally.completed(),
                 bench.ops, tally.completed() - last_completed, connection.pending_count(),
                 connection.connected_count(), cluster.replica_count());
      last_completed = tally.completed();
      report();
    });
  };
  report();
  io.run();
  progress.cancel();
  const double seconds = tally.seconds(std::chrono::steady_clock::now());
  fmt::print("bench: {} ops ({} put, {} get) by {} clients, {}-byte values, {} per request, in {:.2f} s: {:.0f} ops/s; "
             "latency ms p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}; {} timeouts\n",
             tally.completed(), puts, gets, bench.clients, bench.value_size, bench.batch, seconds,
             static_cast<double>(tally.completed()) / seconds, tally.latency_percentile_ms(50),
             tally.latency_percentile_ms(90), tally.latency_percentile_ms(99), tally.latency_percentile_ms(99.9),
             tally.latency_max_ms(),
             tally.timeouts());
  return tally.timeouts() == 0 ? exit_ok : exit_no_answer;
}

Result<std::uint64_t> parse_count(const std::string& flag, const std::string& text, std::uint64_t min, std::uint64_t max) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(text) < min || std::stoull(text) > max)
    return make_error(ErrorCode::invalid_argument, fmt::format("{} {}: expected an integer in {} .. {}", flag, text, min, max));
  return std::stoull(text);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::string text = usage;
    auto substitute = [&text](const std::string& name, std::uint32_t value) {
      text.replace(text.find(name), name.size(), std::to_string(value));
    };
    substitute("BENCH_BATCH_DEFAULT", bench_batch_default);
    substitute("BATCH_OPS_MAX", batch_ops_max);
    fmt::print("{}", text);
    return exit_ok;
  }
  std::string config_path, key_path, timeout_text = "10s";
  std::size_t i = 0;
  for (; i < args.size() && args[i].starts_with("--"); i += 2) {
    if (i + 1 >= args.size()) return bad_input(fmt::format("{} needs a value", args[i]));
    if (args[i] == "--config") config_path = args[i + 1];
    else if (args[i] == "--key") key_path = args[i + 1];
    else if (args[i] == "--timeout") timeout_text = args[i + 1];
    else return bad_input(fmt::format("unknown option '{}' (see bft-client --help)", args[i]));
  }
  if (config_path.empty()) return bad_input("--config FILE is required (see bft-client --help)");
  if (i >= args.size()) return bad_input("missing command: put, get, del, txn or bench (see bft-client --help)");
  auto cluster = load_cluster_config(config_path);
  if (!cluster) return bad_input(cluster.error().message);
  auto timeout = parse_duration_ns(timeout_text);
  if (!timeout || *timeout <= 0) return bad_input(fmt::format("--timeout {}: not a positive duration", timeout_text));
  ClusterClientOptions options;
  options.timeout = std::chrono::milliseconds(std::max<std::int64_t>(1, *timeout / 1'000'000));
  options.retry_interval = std::min(options.retry_interval, options.timeout);

  std::optional<LogicalClient> client;
  if (!key_path.empty()) {
    auto seed = read_key_file(key_path);
    if (!seed) return bad_input(seed.error().message);
    client.emplace(*seed);
    // A reused key must not reuse request numbers: start above the wall clock's microseconds.
    client->next_number = static_cast<RequestNumber>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  } else {
    client.emplace(random_ed25519_seed());
  }

  const std::string command = args[i];
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  auto check_key = [](const std::string& key) { return !key.empty() && key.size() <= key_size_bytes_max; };
  if (command == "put") {
    if (rest.size() != 2) return bad_input("usage: put KEY VALUE");
    if (!check_key(rest[0]) || rest[1].size() > value_size_bytes_max)
      return bad_input(fmt::format("keys are 1 .. {} bytes, values at most {}", key_size_bytes_max, value_size_bytes_max));
    return run_one(*cluster, options, *client, Operation{OpType::put, rest[0], rest[1], {}, {}});
  }
  if (command == "get" || command == "del") {
    if (rest.size() != 1) return bad_input(fmt::format("usage: {} KEY", command));
    if (!check_key(rest[0])) return bad_input(fmt::format("keys are 1 .. {} bytes", key_size_bytes_max));
    return run_one(*cluster, options, *client,
                   Operation{command == "get" ? OpType::get : OpType::del, rest[0], {}, {}, {}});
  }
  if (command == "incr" || command == "append") {
    const bool incr = command == "incr";
    if (incr ? (rest.empty() || rest.size() > 2) : rest.size() != 2)
      return bad_input(incr ? "usage: incr KEY [DELTA]" : "usage: append KEY VALUE");
    if (!check_key(rest[0])) return bad_input(fmt::format("keys are 1 .. {} bytes", key_size_bytes_max));
    std::string operand = rest.size() == 2 ? rest[1] : "1";
    if (incr && !parse_int64(operand)) return bad_input(fmt::format("incr {}: '{}' is not a 64-bit integer", rest[0], operand));
    return run_one(*cluster, options, *client, Operation{incr ? OpType::incr : OpType::append, rest[0], operand, {}, {}});
  }
  if (command == "txn") {
    auto txn = parse_txn(rest, 0);
    if (!txn) return bad_input(txn.error().message);
    return run_one(*cluster, options, *client, std::move(*txn));
  }
  if (command == "bench") {
    BenchOptions bench;
    for (std::size_t j = 0; j < rest.size(); j += 2) {
      if (j + 1 >= rest.size()) return bad_input(fmt::format("{} needs a value", rest[j]));
      const std::string& flag = rest[j];
      Result<std::uint64_t> value = tl::unexpected(Error{ErrorCode::invalid_argument, ""});
      if (flag == "--ops") value = parse_count(flag, rest[j + 1], 1, 100'000'000);
      else if (flag == "--value-size") value = parse_count(flag, rest[j + 1], 0, value_size_bytes_max);
      else if (flag == "--clients") value = parse_count(flag, rest[j + 1], 1, 4096);
      else if (flag == "--keys") value = parse_count(flag, rest[j + 1], 1, 100'000'000);
      else if (flag == "--get-percent") value = parse_count(flag, rest[j + 1], 0, 100);
      else if (flag == "--batch") value = parse_count(flag, rest[j + 1], 1, batch_ops_max);
      else return bad_input(fmt::format("unknown bench flag '{}' (known: --ops, --value-size, --clients, --keys, --get-percent, --batch)", flag));
      if (!value) return bad_input(value.error().message);
      if (flag == "--ops") bench.ops = *value;
      else if (flag == "--value-size") bench.value_size = *value;
      else if (flag == "--clients") bench.clients = static_cast<std::uint32_t>(*value);
      else if (flag == "--keys") bench.keys = *value;
      else if (flag == "--batch") bench.batch = static_cast<std::uint32_t>(*value);
      else bench.get_percent = static_cast<std::uint32_t>(*value);
    }
    return run_bench(*cluster, options, bench);
  }
  return bad_input(fmt::format("unknown command '{}' (known: put, get, del, txn, bench)", command));
}
