// Readers of the scenario's settings sections: protocol, storage, network,
// clients and expect (sections.h).
#include "sim/scenario/sections.h"

#include <cmath>

#include "core/codec/limits.h"
#include "sim/scenario/read_value.h"

namespace bftsim::loader {
namespace {

Status read_mix(const YamlNode& map, std::string_view path, OperationMix& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, mix_keys));
  out = OperationMix{.put = 0, .get = 0, .del = 0, .txn = 0, .incr = 0, .append = 0};
  const auto weight = integer_in(0, 1'000'000);
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "put", out.put, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "get", out.get, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "del", out.del, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "txn", out.txn, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "incr", out.incr, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "append", out.append, weight));
  if (out.put + out.get + out.del + out.txn + out.incr + out.append == 0) return fail(map.where, path, "at least one weight must be > 0");
  return {};
}

}  // namespace

Status read_protocol(const YamlNode& map, std::string_view path, std::uint32_t replica_count, ProtocolConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, protocol_keys));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "chain_id", out.chain_id, [](const YamlNode& node, std::string_view p) -> Result<std::string> {
    auto text = read_string(node, p);
    if (text && (text->empty() || text->size() > 64))
      return fail(node.where, p, fmt::format("must be 1 to 64 bytes long, got {}", text->size()));
    return text;
  }));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "batch_size", out.batch_size, integer_in(1, 4096)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "view_timeout", out.view_timeout, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "timeout_multiplier", out.timeout_multiplier,
                                    [](const YamlNode& node, std::string_view p) -> Result<double> {
                                      auto value = read_number(node, p);
                                      if (value && *value < 1.0)
                                        return fail(node.where, p, fmt::format("must be >= 1.0, got {}", *value));
                                      return value;
                                    }));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "view_timeout_max", out.view_timeout_max, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "vote_to", out.vote_to_all, enum_of(NameTable<bool>(vote_to_names), "vote target")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "unsafe_skip_lock", out.unsafe_skip_lock, enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "block_retention", out.block_retention, integer_in(16, 1'000'000)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "backoff_reset", out.backoff_reset,
                                    enum_of(NameTable<BackoffReset>(backoff_reset_names), "backoff reset")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "leader_election", out.leader_election,
                                    enum_of(NameTable<LeaderElection>(leader_election_names), "leader election")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "reputation_window", out.reputation_window, integer_in(1, 1024)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "new_view_to_leader", out.new_view_to_leader,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "fetch_missed_proposal", out.fetch_missed_proposal,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "fetch_retry", out.fetch_retry,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "propose_before_sync", out.propose_before_sync,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "commit_rule", out.commit_rule,
                                    enum_of(NameTable<CommitRule>(commit_rule_names), "commit rule")));
  if (const YamlNode* leaders = map.find("leaders")) {
    const std::string leaders_path = key_path_join(path, "leaders");
    BFTSIM_SCENARIO_TRY(expect_kind(*leaders, leaders_path, Kind::sequence));
    if (leaders->items.empty() || leaders->items.size() > leader_schedule_size_max)
      return fail(leaders->where, leaders_path,
                  fmt::format("needs 1 to {} leaders (one per view from view 1), got {}", leader_schedule_size_max,
                              leaders->items.size()));
    out.leaders.clear();
    for (std::size_t i = 0; i < leaders->items.size(); ++i) {
      const std::string item_path = key_path_index(leaders_path, i);
      auto leader = read_integer(leaders->items[i], item_path, 0, int64_max);
      if (!leader) return tl::unexpected(std::move(leader.error()));
      if (*leader >= static_cast<std::int64_t>(replica_count))
        return fail(leaders->items[i].where, item_path,
                    fmt::format("leader {} of view {} is out of range (replicas: {}, so 0..{})", *leader, i + 1,
                                replica_count, replica_count - 1));
      out.leaders.push_back(static_cast<ReplicaIndex>(*leader));
    }
  }
  if (out.view_timeout_max < out.view_timeout) {
    const std::string detail = fmt::format("view_timeout_max {} is below view_timeout {}",
                                           format_duration(out.view_timeout_max), format_duration(out.view_timeout));
    if (const YamlNode* node = map.find("view_timeout_max"))
      return fail(node->where, key_path_join(path, "view_timeout_max"), detail);
    const YamlNode* node = map.find("view_timeout");
    BFTSIM_ASSERT(node != nullptr);  // the defaults satisfy the constraint
    return fail(node->where, key_path_join(path, "view_timeout"), detail + " (the default)");
  }
  // Reputation reads reputation_window blocks below its anchor; peers must
  // still hold them (core/consensus/leader_election.h).
  if (out.reputation_window >= out.block_retention) {
    const std::string detail = fmt::format("reputation_window {} must be below block_retention {}",
                                           out.reputation_window, out.block_retention);
    if (const YamlNode* node = map.find("reputation_window"))
      return fail(node->where, key_path_join(path, "reputation_window"), detail);
    const YamlNode* node = map.find("block_retention");
    BFTSIM_ASSERT(node != nullptr);  // the defaults satisfy the constraint
    return fail(node->where, key_path_join(path, "block_retention"), detail + " (the default window)");
  }
  return {};
}

Status read_storage(const YamlNode& map, std::string_view path, StorageConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, storage_keys));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "engine", out.engine,
                                    enum_of(NameTable<StorageEngine>(storage_engine_names), "storage engine")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "unsafe_skip_sync", out.unsafe_skip_sync,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  if (out.engine == StorageEngine::memory && out.unsafe_skip_sync)
    return fail(map.find("unsafe_skip_sync")->where, key_path_join(path, "unsafe_skip_sync"),
                "the memory engine has no disk to skip a sync on (use engine: lsm)");
  return {};
}

Status read_latency(const YamlNode& map, std::string_view path, LatencyDistribution& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  DistributionKind kind = DistributionKind::uniform;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "distribution", kind,
                                    enum_of(NameTable<DistributionKind>(distribution_names), "distribution")));
  out = LatencyDistribution{.kind = kind, .value = 0, .min = 0, .max = 0};
  const std::string context = fmt::format(" for distribution {}", distribution_name(kind));
  switch (kind) {
    case DistributionKind::constant:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, constant_keys, context));
      return read_required(map, path, "value", out.value, read_duration);
    case DistributionKind::uniform:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, uniform_keys, context));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "min", out.min, read_duration));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "max", out.max, read_duration));
      if (out.max < out.min)
        return fail(map.find("max")->where, key_path_join(path, "max"),
                    fmt::format("max {} is below min {}", format_duration(out.max), format_duration(out.min)));
      return {};
    case DistributionKind::exponential:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, exponential_keys, context));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "mean", out.mean, read_positive_duration));
      return read_optional(map, path, "min", out.min, read_duration);
    case DistributionKind::normal:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, normal_keys, context));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "mean", out.mean, read_duration));
      return read_required(map, path, "stddev", out.stddev, read_duration);
    case DistributionKind::lognormal:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, lognormal_keys, context));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "median", out.median, read_positive_duration));
      return read_required(map, path, "sigma", out.sigma, [](const YamlNode& node, std::string_view p) -> Result<double> {
        auto value = read_number(node, p);
        if (value && !(*value > 0.0)) return fail(node.where, p, fmt::format("must be > 0, got {}", *value));
        return value;
      });
    case DistributionKind::pareto:
      BFTSIM_SCENARIO_TRY(check_keys(map, path, pareto_keys, context));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "scale", out.scale, read_positive_duration));
      return read_required(map, path, "shape", out.shape, [](const YamlNode& node, std::string_view p) -> Result<double> {
        auto value = read_number(node, p);
        if (value && !(*value > 0.0)) return fail(node.where, p, fmt::format("must be > 0, got {}", *value));
        return value;
      });
  }
  return {};
}

Status read_network(const YamlNode& map, std::string_view path, NetworkConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, network_keys));
  if (const YamlNode* latency = map.find("latency"))
    BFTSIM_SCENARIO_TRY(read_latency(*latency, key_path_join(path, "latency"), out.latency));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "loss", out.loss_ppm, read_probability));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "duplicate", out.duplicate_ppm, read_probability));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "reorder", out.reorder_ppm, read_probability));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "reorder_delay", out.reorder_delay, read_duration));
  return read_optional(map, path, "bandwidth", out.bandwidth, read_rate);
}

Status read_clients(const YamlNode& map, std::string_view path, ClientsConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, clients_keys));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "count", out.client_count, integer_in(0, 1000)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "mode", out.mode, enum_of(NameTable<ClientMode>(client_mode_names), "client mode")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "outstanding", out.outstanding_max, integer_in(1, 1'000'000)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "rate", out.rate, read_rate));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "request_timeout", out.request_timeout, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "max_ops", out.op_count_max, integer_in(0, int64_max)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", out.start, read_duration));
  if (const YamlNode* mix = map.find("mix")) BFTSIM_SCENARIO_TRY(read_mix(*mix, key_path_join(path, "mix"), out.mix));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "keys", out.key_count, integer_in(1, int64_max)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "key_distribution", out.key_distribution,
                                    enum_of(NameTable<KeyDistribution>(key_distribution_names), "key distribution")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "zipf_theta", out.zipf_theta,
                                    [](const YamlNode& node, std::string_view p) -> Result<double> {
                                      auto value = read_number(node, p);
                                      if (value && !(*value > 0.0 && *value < 1.0))
                                        return fail(node.where, p, fmt::format("must be > 0 and < 1, got {}", *value));
                                      return value;
                                    }));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "value_size", out.value_size_bytes, integer_in(0, 65536)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "batch", out.batch_ops, integer_in(1, batch_ops_max)));
  // A batch must fit the codec's batch_size_bytes_max: each operation takes
  // at most one value plus its keys, type bytes and lengths (under 128 bytes:
  // a txn, the largest, has four 8-byte keys).
  const std::uint64_t batch_bytes = std::uint64_t{out.batch_ops} * (out.value_size_bytes + 128ull);
  if (out.batch_ops > 1 && batch_bytes > batch_size_bytes_max) {
    const YamlNode* batch = map.find("batch");
    return fail(batch != nullptr ? batch->where : map.where, key_path_join(path, "batch"),
                fmt::format("{} operations of value_size {} may take {} bytes, over batch_size_bytes_max ({})",
                            out.batch_ops, out.value_size_bytes, batch_bytes, batch_size_bytes_max));
  }
  return {};
}


Status read_expect(const YamlNode& map, std::string_view path, Expectations& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, expect_keys));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "safety", out.safety,
                                    enum_of(NameTable<SafetyExpectation>(safety_names), "safety expectation")));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "liveness", out.liveness,
                                    enum_of(NameTable<LivenessExpectation>(liveness_names), "liveness expectation")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "min_commits", out.commit_height_min, integer_in(0, int64_max)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "within", out.within, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "cut_off", out.cut_off, enum_of(NameTable<bool>(bool_names), "boolean")));
  if (const YamlNode* check = map.find("check")) {
    const std::string check_path = key_path_join(path, "check");
    auto name = read_enum(*check, check_path, NameTable<std::string_view>(safety_check_names), "safety check");
    if (!name) return tl::unexpected(std::move(name.error()));
    if (out.safety != SafetyExpectation::violated)
      return fail(check->where, check_path, "names the check a violation must fire, so it needs safety: violated");
    out.check = std::string(*name);
  }
  return {};
}

}  // namespace bftsim::loader
