// The strict scenario loader: YAML tree -> --set overrides -> validated
// Scenario. Each section has one reader; each reader first rejects unknown
// keys, then reads its keys in schema order, so the first error is reported.
#include "sim/scenario/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/scenario/scenario_tree.h"

namespace bftsim {
namespace {

using Kind = YamlNode::Kind;
using Keys = std::span<const std::string_view>;

template <typename E>
using NameTable = std::span<const std::pair<std::string_view, E>>;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// ---- the schema's key lists --------------------------------------------

constexpr std::string_view top_keys[] = {"name",     "description", "seed",    "duration",
                                         "replicas", "faulty",      "crypto",  "protocol",
                                         "network",  "clients",     "faults",  "expect",
                                         "byzantine", "allow_more_faulty", "random_faults", "storage"};
constexpr std::string_view protocol_keys[] = {"chain_id", "batch_size", "view_timeout", "timeout_multiplier",
                                              "view_timeout_max", "vote_to", "unsafe_skip_lock", "block_retention"};
constexpr std::string_view storage_keys[] = {"unsafe_skip_sync"};
constexpr std::string_view byzantine_keys[] = {"node", "behavior"};
constexpr std::string_view network_keys[] = {"latency", "loss", "duplicate", "reorder", "reorder_delay"};
constexpr std::string_view latency_keys_all[] = {"distribution", "value",  "min",   "max",   "mean",
                                                 "stddev",       "median", "sigma", "scale", "shape"};
constexpr std::string_view clients_keys[] = {"count",   "mode",  "outstanding", "rate",
                                             "request_timeout", "max_ops", "start", "mix",
                                             "keys",    "key_distribution", "zipf_theta", "value_size"};
constexpr std::string_view mix_keys[] = {"put", "get", "del", "txn"};
constexpr std::string_view fault_keys_all[] = {"type", "node",    "at",   "until",   "groups",   "from",
                                               "to",   "both",    "loss", "latency", "duplicate", "fault",
                                               "count", "capacity_bytes"};
constexpr std::string_view expect_keys[] = {"safety", "liveness", "min_commits", "within"};

constexpr std::string_view constant_keys[] = {"distribution", "value"};
constexpr std::string_view uniform_keys[] = {"distribution", "min", "max"};
constexpr std::string_view exponential_keys[] = {"distribution", "mean", "min"};
constexpr std::string_view normal_keys[] = {"distribution", "mean", "stddev"};
constexpr std::string_view lognormal_keys[] = {"distribution", "median", "sigma"};
constexpr std::string_view pareto_keys[] = {"distribution", "scale", "shape"};

constexpr std::string_view crash_keys[] = {"type", "node", "at"};
constexpr std::string_view partition_keys[] = {"type", "groups", "at", "until"};
constexpr std::string_view cut_keys[] = {"type", "from", "to", "at", "until"};
constexpr std::string_view link_keys[] = {"type", "from", "to", "both", "at", "until", "loss", "latency", "duplicate"};
constexpr std::string_view clog_keys[] = {"type", "from", "to", "both", "at", "until"};
constexpr std::string_view disk_corrupt_keys[] = {"type", "node", "at", "fault", "count"};
constexpr std::string_view disk_torn_keys[] = {"type", "node", "at", "until", "fault"};
constexpr std::string_view disk_slow_keys[] = {"type", "node", "at", "until", "fault", "latency"};
constexpr std::string_view disk_full_keys[] = {"type", "node", "at", "until", "fault", "capacity_bytes"};
constexpr std::string_view random_faults_keys[] = {"partitions", "disk"};
constexpr std::string_view random_disk_keys[] = {"nodes", "corrupt_rate", "corrupt_count", "torn", "start", "stop"};
constexpr std::int64_t bit_flip_count_max = 1024;
constexpr std::string_view random_partitions_keys[] = {"mean_interval", "mean_duration", "start", "stop",
                                                       "max_isolated"};
// Bounds the generated schedule: (stop - start) / (mean_interval + mean_duration).
constexpr double random_partition_expected_count_max = 10'000;
// Bounds random_faults.disk: (stop - start) * corrupt_rate * nodes.
constexpr double random_disk_expected_count_max = 10'000;

// The maps of the schema by key pattern ("faults[]" is any fault entry); a
// --set may create entries only inside these. Other patterns are not maps.
std::optional<Keys> schema_map_keys(std::string_view pattern) {
  if (pattern.empty()) return Keys(top_keys);
  if (pattern == "protocol") return Keys(protocol_keys);
  if (pattern == "storage") return Keys(storage_keys);
  if (pattern == "network") return Keys(network_keys);
  if (pattern == "network.latency") return Keys(latency_keys_all);
  if (pattern == "clients") return Keys(clients_keys);
  if (pattern == "clients.mix") return Keys(mix_keys);
  if (pattern == "faults[]") return Keys(fault_keys_all);
  if (pattern == "faults[].latency") return Keys(latency_keys_all);
  if (pattern == "random_faults") return Keys(random_faults_keys);
  if (pattern == "random_faults.partitions") return Keys(random_partitions_keys);
  if (pattern == "random_faults.disk") return Keys(random_disk_keys);
  if (pattern == "expect") return Keys(expect_keys);
  if (pattern == "byzantine[]") return Keys(byzantine_keys);
  return std::nullopt;
}

constexpr std::pair<std::string_view, bool> vote_to_names[] = {{"all", true}, {"next_leader", false}};
constexpr std::pair<std::string_view, bool> bool_names[] = {{"true", true}, {"false", false}};
constexpr std::pair<std::string_view, CryptoKind> crypto_names[] = {{"ed25519", CryptoKind::ed25519},
                                                                    {"fast", CryptoKind::fast}};
constexpr std::pair<std::string_view, DistributionKind> distribution_names[] = {
    {"constant", DistributionKind::constant},       {"uniform", DistributionKind::uniform},
    {"exponential", DistributionKind::exponential}, {"normal", DistributionKind::normal},
    {"lognormal", DistributionKind::lognormal},     {"pareto", DistributionKind::pareto}};
constexpr std::pair<std::string_view, ClientMode> client_mode_names[] = {{"closed", ClientMode::closed},
                                                                         {"open", ClientMode::open}};
constexpr std::pair<std::string_view, KeyDistribution> key_distribution_names[] = {
    {"uniform", KeyDistribution::uniform}, {"zipfian", KeyDistribution::zipfian}};
constexpr std::pair<std::string_view, SafetyExpectation> safety_names[] = {
    {"holds", SafetyExpectation::holds}, {"violated", SafetyExpectation::violated}};
constexpr std::pair<std::string_view, LivenessExpectation> liveness_names[] = {
    {"holds", LivenessExpectation::holds},
    {"violated", LivenessExpectation::violated},
    {"unchecked", LivenessExpectation::unchecked}};

enum class FaultType : std::uint8_t { crash, restart, partition, cut, link, clog, disk };
constexpr std::pair<std::string_view, FaultType> fault_type_names[] = {{"crash", FaultType::crash},
                                                                       {"restart", FaultType::restart},
                                                                       {"partition", FaultType::partition},
                                                                       {"cut", FaultType::cut},
                                                                       {"link", FaultType::link},
                                                                       {"clog", FaultType::clog},
                                                                       {"disk", FaultType::disk}};
constexpr std::pair<std::string_view, DiskFaultKind> disk_fault_kind_names[] = {{"corrupt", DiskFaultKind::corrupt},
                                                                                {"torn", DiskFaultKind::torn},
                                                                                {"slow", DiskFaultKind::slow},
                                                                                {"full", DiskFaultKind::full}};

template <typename E>
std::string_view name_of(NameTable<E> table, E value) {
  for (const auto& [name, entry] : table)
    if (entry == value) return name;
  BFTSIM_ASSERT(false && "enum value missing from its name table");
  return {};
}

// ---- generic readers -------------------------------------------------------

tl::unexpected<Error> fail(std::string_view where, std::string_view path, std::string_view description) {
  return make_error(ErrorCode::invalid_argument, located_message(where, path, description));
}

std::string join_names(Keys keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string describe_value(const YamlNode& node) {
  switch (node.kind) {
    case Kind::null: return "nothing";
    case Kind::map: return "a map";
    case Kind::sequence: return "a list";
    case Kind::scalar:
      if (node.quoted) return fmt::format("the quoted string \"{}\"", node.scalar);
      return fmt::format("\"{}\"", node.scalar);
  }
  return "?";
}

Status expect_kind(const YamlNode& node, std::string_view path, Kind kind) {
  if (node.kind == kind) return {};
  const char* wanted = kind == Kind::map ? "a map" : kind == Kind::sequence ? "a list" : "a value";
  return fail(node.where, path, fmt::format("expected {}, got {}", wanted, describe_value(node)));
}

// Every key of `map` must be in `known`; `context` qualifies the message.
Status check_keys(const YamlNode& map, std::string_view path, Keys known, std::string_view context = "") {
  for (const YamlEntry& entry : map.entries) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) continue;
    return fail(entry.key_where, key_path_join(path, entry.key),
                fmt::format("unknown key{} (known: {})", context, join_names(known)));
  }
  return {};
}

Result<const YamlNode*> require(const YamlNode& map, std::string_view path, std::string_view key) {
  if (const YamlNode* value = map.find(key)) return value;
  const std::string in = path.empty() ? std::string("the top-level map") : fmt::format("the map {}", path);
  return fail(map.where, key_path_join(path, key), fmt::format("missing required key (in {})", in));
}

std::string range_text(std::int64_t min, std::int64_t max) {
  if (max == int64_max) return fmt::format("must be >= {}", min);
  return fmt::format("must be between {} and {}", min, max);
}

Result<std::int64_t> read_integer(const YamlNode& node, std::string_view path, std::int64_t min, std::int64_t max) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    return fail(node.where, path, fmt::format("{}, got {}", range_text(min, max), text));
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  if (value < min || value > max) return fail(node.where, path, fmt::format("{}, got {}", range_text(min, max), value));
  return value;
}

Result<std::uint64_t> read_unsigned64(const YamlNode& node, std::string_view path) {
  if (node.kind == Kind::scalar && !node.quoted && !node.scalar.empty() && node.scalar.front() == '-')
    return fail(node.where, path, fmt::format("must be >= 0, got {}", node.scalar));
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    return fail(node.where, path, fmt::format("must be at most {}, got {}", std::numeric_limits<std::uint64_t>::max(), text));
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(node.where, path, fmt::format("expected an integer, got {}", describe_value(node)));
  return value;
}

Result<double> read_number(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected a number, got {}", describe_value(node)));
  const std::string& text = node.scalar;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return fail(node.where, path, fmt::format("expected a number, got {}", describe_value(node)));
  return value;
}

Result<std::string> read_string(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a string, got {}", describe_value(node)));
  return node.scalar;
}

Result<std::string> read_one_line(const YamlNode& node, std::string_view path, bool allow_empty) {
  auto text = read_string(node, path);
  if (!text) return text;
  if (!allow_empty && text->empty()) return fail(node.where, path, "must not be empty");
  if (text->find_first_of("\r\n") != std::string::npos) return fail(node.where, path, "must be a single line");
  return text;
}

Result<Duration> read_duration(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a duration such as 200ms, got {}", describe_value(node)));
  auto duration = parse_duration(node.scalar);
  if (!duration)
    return fail(node.where, path, fmt::format("invalid duration \"{}\": {}", node.scalar, duration.error().message));
  return *duration;
}

Result<Duration> read_positive_duration(const YamlNode& node, std::string_view path) {
  auto duration = read_duration(node, path);
  if (duration && *duration == 0) return fail(node.where, path, "must be > 0");
  return duration;
}

Result<std::uint32_t> read_probability(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar || node.quoted)
    return fail(node.where, path, fmt::format("expected a probability between 0 and 1, got {}", describe_value(node)));
  auto number = read_number(node, path);
  if (!number)
    return fail(node.where, path, fmt::format("expected a probability between 0 and 1, got {}", describe_value(node)));
  auto ppm = parse_probability_ppm(*number);
  if (!ppm) return fail(node.where, path, ppm.error().message);
  return *ppm;
}

Result<Rate> read_rate(const YamlNode& node, std::string_view path) {
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected a rate such as 100/s, got {}", describe_value(node)));
  auto rate = parse_rate(node.scalar);
  if (!rate) return fail(node.where, path, fmt::format("invalid rate \"{}\": {}", node.scalar, rate.error().message));
  if (rate->events == 0) return fail(node.where, path, "rate must be > 0");
  return *rate;
}

template <typename E>
Result<E> read_enum(const YamlNode& node, std::string_view path, NameTable<E> names, std::string_view noun) {
  std::vector<std::string_view> known;
  for (const auto& [name, value] : names) known.push_back(name);
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected one of {}, got {}", join_names(known), describe_value(node)));
  for (const auto& [name, value] : names)
    if (name == node.scalar) return value;
  return fail(node.where, path, fmt::format("unknown {} \"{}\" (known: {})", noun, node.scalar, join_names(known)));
}

// Reads map[key] into `out` with `read` when the key is present.
template <typename T, typename Read>
Status read_optional(const YamlNode& map, std::string_view path, std::string_view key, T& out, Read read) {
  const YamlNode* node = map.find(key);
  if (node == nullptr) return {};
  auto value = read(*node, key_path_join(path, key));
  if (!value) return tl::unexpected(std::move(value.error()));
  out = static_cast<T>(*value);
  return {};
}

// As read_optional, for a key that must be there.
template <typename T, typename Read>
Status read_required(const YamlNode& map, std::string_view path, std::string_view key, T& out, Read read) {
  auto node = require(map, path, key);
  if (!node) return tl::unexpected(std::move(node.error()));
  auto value = read(**node, key_path_join(path, key));
  if (!value) return tl::unexpected(std::move(value.error()));
  out = static_cast<T>(*value);
  return {};
}

auto integer_in(std::int64_t min, std::int64_t max) {
  return [=](const YamlNode& node, std::string_view path) { return read_integer(node, path, min, max); };
}

template <typename E>
auto enum_of(NameTable<E> names, std::string_view noun) {
  return [=](const YamlNode& node, std::string_view path) { return read_enum(node, path, names, noun); };
}

#define BFTSIM_SCENARIO_TRY(expr)                                     \
  do {                                                                \
    if (auto status_ = (expr); !status_)                              \
      return tl::unexpected(std::move(status_.error()));              \
  } while (false)

// ---- sections --------------------------------------------------------------

Status read_protocol(const YamlNode& map, std::string_view path, ProtocolConfig& out) {
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
  if (out.view_timeout_max < out.view_timeout) {
    const std::string detail = fmt::format("view_timeout_max {} is below view_timeout {}",
                                           format_duration(out.view_timeout_max), format_duration(out.view_timeout));
    if (const YamlNode* node = map.find("view_timeout_max"))
      return fail(node->where, key_path_join(path, "view_timeout_max"), detail);
    const YamlNode* node = map.find("view_timeout");
    BFTSIM_ASSERT(node != nullptr);  // the defaults satisfy the constraint
    return fail(node->where, key_path_join(path, "view_timeout"), detail + " (the default)");
  }
  return {};
}

Status read_storage(const YamlNode& map, std::string_view path, StorageConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, storage_keys));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "unsafe_skip_sync", out.unsafe_skip_sync,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
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
  return read_optional(map, path, "reorder_delay", out.reorder_delay, read_duration);
}

Status read_mix(const YamlNode& map, std::string_view path, OperationMix& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, mix_keys));
  out = OperationMix{.put = 0, .get = 0, .del = 0, .txn = 0};
  const auto weight = integer_in(0, 1'000'000);
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "put", out.put, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "get", out.get, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "del", out.del, weight));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "txn", out.txn, weight));
  if (out.put + out.get + out.del + out.txn == 0) return fail(map.where, path, "at least one weight must be > 0");
  return {};
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
  return read_optional(map, path, "value_size", out.value_size_bytes, integer_in(0, 65536));
}

auto replica_index_reader(std::uint32_t replica_count) {
  return [=](const YamlNode& node, std::string_view path) -> Result<ReplicaIndex> {
    auto value = read_integer(node, path, 0, int64_max);
    if (!value) return tl::unexpected(std::move(value.error()));
    if (*value >= static_cast<std::int64_t>(replica_count))
      return fail(node.where, path,
                  fmt::format("node {} is out of range (replicas: {}, so 0..{})", *value, replica_count,
                              replica_count - 1));
    return static_cast<ReplicaIndex>(*value);
  };
}

// `byzantine: [{node: i, behavior: name | [names]}]`, one entry per replica.
Status read_byzantine(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                      std::vector<ByzantineSpec>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  const auto read_index = replica_index_reader(replica_count);
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const YamlNode& map = list.items[i];
    const std::string entry_path = key_path_index(std::string(path), i);
    BFTSIM_SCENARIO_TRY(expect_kind(map, entry_path, Kind::map));
    BFTSIM_SCENARIO_TRY(check_keys(map, entry_path, byzantine_keys));
    ByzantineSpec spec;
    BFTSIM_SCENARIO_TRY(read_required(map, entry_path, "node", spec.replica, read_index));
    for (const ByzantineSpec& earlier : out)
      if (earlier.replica == spec.replica)
        return fail(map.find("node")->where, key_path_join(entry_path, "node"),
                    fmt::format("replica {} is already listed as Byzantine", spec.replica));
    auto behavior = require(map, entry_path, "behavior");
    if (!behavior) return tl::unexpected(std::move(behavior.error()));
    const std::string behavior_path = key_path_join(entry_path, "behavior");
    std::vector<const YamlNode*> names;
    if ((*behavior)->kind == Kind::sequence) {
      for (const YamlNode& item : (*behavior)->items) names.push_back(&item);
      if (names.empty()) return fail((*behavior)->where, behavior_path, "needs at least one behavior");
    } else {
      names.push_back(*behavior);
    }
    for (const YamlNode* name_node : names) {
      auto name = read_string(*name_node, behavior_path);
      if (!name) return tl::unexpected(std::move(name.error()));
      auto parsed = parse_byzantine_behavior(*name);
      if (!parsed) {
        std::string known;
        for (std::size_t b = 0; b < byzantine_behavior_count; ++b)
          known += (b ? ", " : "") + std::string(byzantine_behavior_name(static_cast<ByzantineBehavior>(b)));
        return fail(name_node->where, behavior_path, fmt::format("{} (known: {})", parsed.error().message, known));
      }
      spec.behaviors.push_back(*parsed);
    }
    out.push_back(std::move(spec));
  }
  return {};
}

// Reads `at` and the optional `until`, which must come after it.
Status read_interval(const YamlNode& map, std::string_view path, Duration& at, std::optional<Duration>& until) {
  BFTSIM_SCENARIO_TRY(read_required(map, path, "at", at, read_duration));
  const YamlNode* node = map.find("until");
  if (node == nullptr) return {};
  const std::string until_path = key_path_join(path, "until");
  auto value = read_duration(*node, until_path);
  if (!value) return tl::unexpected(std::move(value.error()));
  if (*value <= at)
    return fail(node->where, until_path,
                fmt::format("until {} must be after at {}", format_duration(*value), format_duration(at)));
  until = *value;
  return {};
}

Result<std::vector<std::vector<ReplicaIndex>>> read_groups(const YamlNode& list, std::string_view path,
                                                          std::uint32_t replica_count) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  if (list.items.empty()) return fail(list.where, path, "needs at least one group");
  std::vector<std::vector<ReplicaIndex>> groups;
  std::vector<std::string> group_of(replica_count);  // path of the group a node is in
  const auto read_index = replica_index_reader(replica_count);
  for (std::size_t g = 0; g < list.items.size(); ++g) {
    const YamlNode& group = list.items[g];
    const std::string group_path = key_path_index(path, g);
    BFTSIM_SCENARIO_TRY(expect_kind(group, group_path, Kind::sequence));
    if (group.items.empty()) return fail(group.where, group_path, "a group needs at least one node");
    groups.emplace_back();
    for (std::size_t i = 0; i < group.items.size(); ++i) {
      const std::string node_path = key_path_index(group_path, i);
      auto index = read_index(group.items[i], node_path);
      if (!index) return tl::unexpected(std::move(index.error()));
      if (!group_of[*index].empty())
        return fail(group.items[i].where, node_path,
                    fmt::format("node {} is already in {}; partition groups must not overlap", *index,
                                group_of[*index]));
      group_of[*index] = group_path;
      groups.back().push_back(*index);
    }
  }
  return groups;
}

// Reads `from`, `to` (distinct replicas) and the optional `both` of a link
// or clog fault.
Status read_link_ends(const YamlNode& map, std::string_view path, std::uint32_t replica_count,
                      ReplicaIndex& from, ReplicaIndex& to, bool& both) {
  const auto read_index = replica_index_reader(replica_count);
  BFTSIM_SCENARIO_TRY(read_required(map, path, "from", from, read_index));
  BFTSIM_SCENARIO_TRY(read_required(map, path, "to", to, read_index));
  if (from == to)
    return fail(map.find("to")->where, key_path_join(path, "to"), fmt::format("from and to are the same node ({})", to));
  return read_optional(map, path, "both", both, enum_of(NameTable<bool>(bool_names), "boolean"));
}

// `{type: disk, node, fault, at, ...}`: the keys allowed depend on `fault`.
Result<Fault> read_disk_fault(const YamlNode& map, std::string_view path, std::uint32_t replica_count) {
  DiskFault fault;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "fault", fault.kind,
                                    enum_of(NameTable<DiskFaultKind>(disk_fault_kind_names), "disk fault")));
  const std::string context = fmt::format(" for a disk {} fault", disk_fault_kind_name(fault.kind));
  switch (fault.kind) {
    case DiskFaultKind::corrupt: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_corrupt_keys, context)); break;
    case DiskFaultKind::torn: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_torn_keys, context)); break;
    case DiskFaultKind::slow: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_slow_keys, context)); break;
    case DiskFaultKind::full: BFTSIM_SCENARIO_TRY(check_keys(map, path, disk_full_keys, context)); break;
  }
  BFTSIM_SCENARIO_TRY(read_required(map, path, "node", fault.replica, replica_index_reader(replica_count)));
  BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
  switch (fault.kind) {
    case DiskFaultKind::corrupt:
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "count", fault.bit_flip_count, integer_in(1, bit_flip_count_max)));
      break;
    case DiskFaultKind::torn: break;
    case DiskFaultKind::slow:
      BFTSIM_SCENARIO_TRY(read_required(map, path, "latency", fault.sync_latency, read_positive_duration));
      break;
    case DiskFaultKind::full:
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "capacity_bytes", fault.capacity_bytes, integer_in(0, int64_max)));
      break;
  }
  return Fault{fault};
}

Result<Fault> read_fault(const YamlNode& map, std::string_view path, std::uint32_t replica_count) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  FaultType type = FaultType::crash;
  BFTSIM_SCENARIO_TRY(read_required(map, path, "type", type, enum_of(NameTable<FaultType>(fault_type_names), "fault type")));
  const std::string context =
      fmt::format(" for a {} fault", name_of(NameTable<FaultType>(fault_type_names), type));
  const auto read_index = replica_index_reader(replica_count);
  switch (type) {
    case FaultType::crash:
    case FaultType::restart: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, crash_keys, context));
      ReplicaIndex replica = 0;
      Duration at = 0;
      BFTSIM_SCENARIO_TRY(read_required(map, path, "node", replica, read_index));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "at", at, read_duration));
      if (type == FaultType::crash) return Fault{CrashFault{.replica = replica, .at = at}};
      return Fault{RestartFault{.replica = replica, .at = at}};
    }
    case FaultType::partition: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, partition_keys, context));
      PartitionFault fault;
      auto groups_node = require(map, path, "groups");
      if (!groups_node) return tl::unexpected(std::move(groups_node.error()));
      auto groups = read_groups(**groups_node, key_path_join(path, "groups"), replica_count);
      if (!groups) return tl::unexpected(std::move(groups.error()));
      fault.groups = std::move(*groups);
      BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
      return Fault{std::move(fault)};
    }
    case FaultType::cut: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, cut_keys, context));
      CutFault fault;
      BFTSIM_SCENARIO_TRY(read_required(map, path, "from", fault.from, read_index));
      BFTSIM_SCENARIO_TRY(read_required(map, path, "to", fault.to, read_index));
      if (fault.from == fault.to)
        return fail(map.find("to")->where, key_path_join(path, "to"),
                    fmt::format("from and to are the same node ({})", fault.to));
      BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
      return Fault{fault};
    }
    case FaultType::link: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, link_keys, context));
      LinkFault fault;
      BFTSIM_SCENARIO_TRY(read_link_ends(map, path, replica_count, fault.from, fault.to, fault.both));
      BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, fault.until));
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "loss", fault.loss_ppm, read_probability));
      if (const YamlNode* node = map.find("latency")) {
        LatencyDistribution latency;
        BFTSIM_SCENARIO_TRY(read_latency(*node, key_path_join(path, "latency"), latency));
        fault.latency = latency;
      }
      BFTSIM_SCENARIO_TRY(read_optional(map, path, "duplicate", fault.duplicate_ppm, read_probability));
      if (!fault.loss_ppm && !fault.latency && !fault.duplicate_ppm)
        return fail(map.where, path, "a link fault needs at least one of loss, latency, duplicate");
      return Fault{std::move(fault)};
    }
    case FaultType::clog: {
      BFTSIM_SCENARIO_TRY(check_keys(map, path, clog_keys, context));
      ClogFault fault;
      BFTSIM_SCENARIO_TRY(read_link_ends(map, path, replica_count, fault.from, fault.to, fault.both));
      std::optional<Duration> until;
      BFTSIM_SCENARIO_TRY(read_interval(map, path, fault.at, until));
      if (!until) {
        auto missing = require(map, path, "until");  // a clog must end: its messages are held until then
        return tl::unexpected(std::move(missing.error()));
      }
      fault.until = *until;
      return Fault{fault};
    }
    case FaultType::disk:
      return read_disk_fault(map, path, replica_count);
  }
  return fail(map.where, path, "unhandled fault type");
}

Status read_faults(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                   std::vector<Fault>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(list, path, Kind::sequence));
  out.clear();
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    auto fault = read_fault(list.items[i], key_path_index(path, i), replica_count);
    if (!fault) return tl::unexpected(std::move(fault.error()));
    out.push_back(std::move(*fault));
  }
  return {};
}

// Reports stop <= start at `stop`, or at `start` when stop is the default.
Status check_start_stop(const YamlNode& map, std::string_view path, Duration start, Duration stop) {
  if (start < stop) return {};
  const std::string detail = fmt::format("stop {} must be after start {}", format_duration(stop), format_duration(start));
  if (const YamlNode* node = map.find("stop")) return fail(node->where, key_path_join(path, "stop"), detail);
  const YamlNode* node = map.find("start");
  BFTSIM_ASSERT(node != nullptr);  // the default start 0 is before any duration > 0
  return fail(node->where, key_path_join(path, "start"), detail + " (the default stop is the run's duration)");
}

// `random_faults.disk: {nodes, corrupt_rate, corrupt_count, torn, start, stop}`.
Status read_random_disk(const YamlNode& map, std::string_view path, const Scenario& scenario,
                        std::optional<RandomDiskConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_disk_keys));
  RandomDiskConfig config{.stop = scenario.duration};
  if (const YamlNode* nodes = map.find("nodes")) {
    const std::string nodes_path = key_path_join(path, "nodes");
    BFTSIM_SCENARIO_TRY(expect_kind(*nodes, nodes_path, Kind::sequence));
    if (nodes->items.empty()) return fail(nodes->where, nodes_path, "needs at least one node");
    const auto read_index = replica_index_reader(scenario.replica_count);
    for (std::size_t i = 0; i < nodes->items.size(); ++i) {
      const std::string item_path = key_path_index(nodes_path, i);
      auto index = read_index(nodes->items[i], item_path);
      if (!index) return tl::unexpected(std::move(index.error()));
      if (std::find(config.replicas.begin(), config.replicas.end(), *index) != config.replicas.end())
        return fail(nodes->items[i].where, item_path, fmt::format("node {} is listed twice", *index));
      config.replicas.push_back(*index);
    }
  } else {
    for (ReplicaIndex replica = 0; replica < scenario.replica_count; ++replica) config.replicas.push_back(replica);
  }
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "corrupt_rate", config.corrupt_rate, read_rate));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "corrupt_count", config.bit_flip_count, integer_in(1, bit_flip_count_max)));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "torn", config.torn, enum_of(NameTable<bool>(bool_names), "boolean")));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(map, path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(map, path, config.start, config.stop));
  if (!config.corrupt_rate && !config.torn)
    return fail(map.where, path, "random disk faults need corrupt_rate or torn: true");
  if (config.corrupt_rate) {
    const double expected_count = static_cast<double>(config.stop - config.start) *
                                  static_cast<double>(config.corrupt_rate->events) /
                                  static_cast<double>(config.corrupt_rate->per) *
                                  static_cast<double>(config.replicas.size());
    if (expected_count > random_disk_expected_count_max)
      return fail(map.find("corrupt_rate")->where, key_path_join(path, "corrupt_rate"),
                  fmt::format("would make about {:.0f} corruptions between start and stop over {} nodes; at most "
                              "{:.0f}",
                              expected_count, config.replicas.size(), random_disk_expected_count_max));
  }
  out = std::move(config);
  return {};
}

// `random_faults.partitions: {...}`. Needs the scenario's duration, replica
// count and faulty count for the defaults and ranges.
Status read_random_partitions(const YamlNode* node, const std::string& partitions_path, const Scenario& scenario,
                              std::optional<RandomPartitionsConfig>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(*node, partitions_path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(*node, partitions_path, random_partitions_keys));
  RandomPartitionsConfig config{.stop = scenario.duration, .isolated_count_max = scenario.faulty_count};
  BFTSIM_SCENARIO_TRY(read_required(*node, partitions_path, "mean_interval", config.mean_interval, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_required(*node, partitions_path, "mean_duration", config.mean_duration, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_optional(*node, partitions_path, "start", config.start, read_duration));
  BFTSIM_SCENARIO_TRY(read_optional(*node, partitions_path, "stop", config.stop, read_duration));
  BFTSIM_SCENARIO_TRY(check_start_stop(*node, partitions_path, config.start, config.stop));
  const std::string isolated_path = key_path_join(partitions_path, "max_isolated");
  if (scenario.replica_count < 2)
    return fail(node->where, partitions_path, "random partitions need at least 2 replicas");
  if (const YamlNode* isolated = node->find("max_isolated")) {
    auto value = read_integer(*isolated, isolated_path, 1, scenario.replica_count - 1);
    if (!value) return tl::unexpected(std::move(value.error()));
    config.isolated_count_max = static_cast<std::uint32_t>(*value);
  } else if (config.isolated_count_max == 0) {
    return fail(node->where, isolated_path,
                fmt::format("missing, and its default (faulty) is 0: give 1..{}", scenario.replica_count - 1));
  }
  BFTSIM_ASSERT(config.isolated_count_max < scenario.replica_count);  // the default: faulty <= (n - 1) / 3
  const double expected_count = static_cast<double>(config.stop - config.start) /
                                (static_cast<double>(config.mean_interval) + static_cast<double>(config.mean_duration));
  if (expected_count > random_partition_expected_count_max)
    return fail(node->where, partitions_path,
                fmt::format("would make about {:.0f} partitions between start and stop; at most {:.0f} (raise "
                            "mean_interval or mean_duration)",
                            expected_count, random_partition_expected_count_max));
  out = config;
  return {};
}

// `random_faults: {partitions: {...}, disk: {...}}`.
Status read_random_faults(const YamlNode& map, std::string_view path, const Scenario& scenario,
                          RandomFaultsConfig& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(map, path, Kind::map));
  BFTSIM_SCENARIO_TRY(check_keys(map, path, random_faults_keys));
  if (const YamlNode* node = map.find("partitions"))
    BFTSIM_SCENARIO_TRY(read_random_partitions(node, key_path_join(path, "partitions"), scenario, out.partitions));
  if (const YamlNode* node = map.find("disk"))
    BFTSIM_SCENARIO_TRY(read_random_disk(*node, key_path_join(path, "disk"), scenario, out.disk));
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
  return read_optional(map, path, "within", out.within, read_positive_duration);
}

Result<Scenario> read_scenario(const YamlNode& root) {
  Scenario out;
  if (root.kind != Kind::map)
    return fail(root.where, "", fmt::format("expected a map of scenario keys, got {}", describe_value(root)));
  BFTSIM_SCENARIO_TRY(check_keys(root, "", top_keys));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "name", out.name, [](const YamlNode& node, std::string_view p) {
    return read_one_line(node, p, false);
  }));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "description", out.description,
                                    [](const YamlNode& node, std::string_view p) { return read_one_line(node, p, true); }));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "seed", out.seed, read_unsigned64));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "duration", out.duration, read_positive_duration));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "replicas", out.replica_count, integer_in(1, replica_count_max)));
  BFTSIM_SCENARIO_TRY(read_required(root, "", "faulty", out.faulty_count, integer_in(0, replica_count_max)));
  if (out.replica_count < 3 * out.faulty_count + 1)
    return fail(root.find("replicas")->where, "replicas",
                fmt::format("{} replicas cannot tolerate faulty: {} (need replicas >= 3*faulty+1 = {})",
                            out.replica_count, out.faulty_count, 3 * out.faulty_count + 1));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "crypto", out.crypto, enum_of(NameTable<CryptoKind>(crypto_names), "crypto")));
  if (const YamlNode* node = root.find("protocol")) BFTSIM_SCENARIO_TRY(read_protocol(*node, "protocol", out.protocol));
  if (const YamlNode* node = root.find("storage")) BFTSIM_SCENARIO_TRY(read_storage(*node, "storage", out.storage));
  if (const YamlNode* node = root.find("network")) BFTSIM_SCENARIO_TRY(read_network(*node, "network", out.network));
  if (const YamlNode* node = root.find("clients")) BFTSIM_SCENARIO_TRY(read_clients(*node, "clients", out.clients));
  if (const YamlNode* node = root.find("faults"))
    BFTSIM_SCENARIO_TRY(read_faults(*node, "faults", out.replica_count, out.faults));
  if (const YamlNode* node = root.find("random_faults"))
    BFTSIM_SCENARIO_TRY(read_random_faults(*node, "random_faults", out, out.random_faults));
  BFTSIM_SCENARIO_TRY(read_optional(root, "", "allow_more_faulty", out.allow_more_faulty,
                                    enum_of(NameTable<bool>(bool_names), "boolean")));
  if (const YamlNode* node = root.find("byzantine")) {
    BFTSIM_SCENARIO_TRY(read_byzantine(*node, "byzantine", out.replica_count, out.byzantine));
    if (out.byzantine.size() > out.faulty_count && !out.allow_more_faulty)
      return fail(node->where, "byzantine",
                  fmt::format("{} Byzantine replicas exceed faulty: {} (set allow_more_faulty: true to "
                              "go past f on purpose, e.g. to show a checker catching a violation)",
                              out.byzantine.size(), out.faulty_count));
  }
  auto expect = require(root, "", "expect");
  if (!expect) return tl::unexpected(std::move(expect.error()));
  BFTSIM_SCENARIO_TRY(read_expect(**expect, "expect", out.expect));
  return out;
}

// ---- --set overrides -------------------------------------------------------

struct PathStep {
  std::string key;           // a map key, or empty for an index step
  std::size_t index = 0;     // a list index when key is empty
};

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "faults[0].groups[1]" -> faults, [0], groups, [1].
std::optional<std::vector<PathStep>> parse_override_path(std::string_view text) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < text.size() && is_key_char(text[i])) ++i;
    if (i == start) return std::nullopt;
    steps.push_back(PathStep{std::string(text.substr(start, i - start)), 0});
    while (i < text.size() && text[i] == '[') {
      const std::size_t digits = ++i;
      std::size_t index = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (i - digits > 6) return std::nullopt;
        index = index * 10 + static_cast<std::size_t>(text[i] - '0');
        ++i;
      }
      if (i == digits || i >= text.size() || text[i] != ']') return std::nullopt;
      ++i;
      steps.push_back(PathStep{"", index});
    }
    if (i == text.size()) return steps;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
}

Status apply_override(YamlNode& root, const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--set {}: expected key.path=value, e.g. network.loss=0.1", assignment));
  const std::string path_text = assignment.substr(0, equals);
  const std::string where = "--set " + path_text;
  auto steps = parse_override_path(path_text);
  if (!steps)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}: invalid key path (expected names joined by '.', with [index] for lists)", where));
  YamlNode* node = &root;
  std::string pattern;  // the schema path: list indices become "[]"
  std::string walked;   // the path so far, for messages
  for (const PathStep& step : *steps) {
    const std::string_view here = walked.empty() ? std::string_view("the scenario") : std::string_view(walked);
    if (step.key.empty()) {
      if (node->kind != Kind::sequence)
        return make_error(ErrorCode::invalid_argument, fmt::format("{}: {} is not a list", where, here));
      if (step.index >= node->items.size())
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("{}: {} has {} entries, so there is no [{}]", where, here, node->items.size(),
                                      step.index));
      node = &node->items[step.index];
      pattern += "[]";
      walked = key_path_index(walked, step.index);
      continue;
    }
    const std::optional<Keys> known = schema_map_keys(pattern);
    if (!known)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: {} is not a map, so it has no key \"{}\"", where, here, step.key));
    if (std::find(known->begin(), known->end(), step.key) == known->end())
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: unknown key \"{}\" (known: {})", where, step.key, join_names(*known)));
    if (node->kind == Kind::null) node->kind = Kind::map;  // an optional map not written yet
    if (node->kind != Kind::map)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: {} is {}, not a map", where, here, describe_value(*node)));
    YamlNode* child = node->find(step.key);
    if (child == nullptr) {
      YamlNode created;
      created.where = where;
      node->entries.push_back(YamlEntry{step.key, where, std::move(created)});
      child = &node->entries.back().value;
    }
    node = child;
    pattern = key_path_join(pattern, step.key);
    walked = key_path_join(walked, step.key);
  }
  auto value = parse_yaml_value(std::string_view(assignment).substr(equals + 1), where, path_text);
  if (!value) return tl::unexpected(std::move(value.error()));
  *node = std::move(*value);
  return {};
}

}  // namespace

Result<Scenario> load_scenario_string(std::string_view yaml_text, std::string_view source_name,
                                      const std::vector<std::string>& overrides) {
  auto root = parse_yaml_tree(yaml_text, source_name);
  if (!root) return tl::unexpected(std::move(root.error()));
  for (const std::string& assignment : overrides) BFTSIM_SCENARIO_TRY(apply_override(*root, assignment));
  return read_scenario(*root);
}

Result<Scenario> load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return make_error(ErrorCode::io_error, fmt::format("{}: cannot open the scenario file", path));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return make_error(ErrorCode::io_error, fmt::format("{}: cannot read the scenario file", path));
  return load_scenario_string(text.str(), path, overrides);
}

std::string_view distribution_name(DistributionKind kind) {
  return name_of(NameTable<DistributionKind>(distribution_names), kind);
}
std::string_view client_mode_name(ClientMode mode) { return name_of(NameTable<ClientMode>(client_mode_names), mode); }
std::string_view key_distribution_name(KeyDistribution distribution) {
  return name_of(NameTable<KeyDistribution>(key_distribution_names), distribution);
}
std::string_view expect_name(SafetyExpectation expectation) {
  return name_of(NameTable<SafetyExpectation>(safety_names), expectation);
}
std::string_view expect_name(LivenessExpectation expectation) {
  return name_of(NameTable<LivenessExpectation>(liveness_names), expectation);
}

std::string_view fault_type_name(const Fault& fault) {
  static constexpr std::string_view names[] = {"crash", "restart", "partition", "cut", "link", "clog", "disk"};
  static_assert(std::size(names) == std::variant_size_v<Fault>);
  return names[fault.index()];
}

Duration fault_at(const Fault& fault) {
  return std::visit([](const auto& f) { return f.at; }, fault);
}

std::optional<Duration> fault_until(const Fault& fault) {
  if (const auto* partition = std::get_if<PartitionFault>(&fault)) return partition->until;
  if (const auto* cut = std::get_if<CutFault>(&fault)) return cut->until;
  if (const auto* link = std::get_if<LinkFault>(&fault)) return link->until;
  if (const auto* clog = std::get_if<ClogFault>(&fault)) return clog->until;
  if (const auto* disk = std::get_if<DiskFault>(&fault)) return disk->until;
  return std::nullopt;
}

std::string_view disk_fault_kind_name(DiskFaultKind kind) {
  return name_of(NameTable<DiskFaultKind>(disk_fault_kind_names), kind);
}

std::vector<std::vector<ReplicaIndex>> partition_groups_with_rest(const PartitionFault& fault,
                                                                  std::uint32_t replica_count) {
  std::vector<bool> listed(replica_count, false);
  for (const auto& group : fault.groups)
    for (ReplicaIndex replica : group) {
      BFTSIM_ASSERT(replica < replica_count);
      listed[replica] = true;
    }
  std::vector<std::vector<ReplicaIndex>> out = fault.groups;
  std::vector<ReplicaIndex> rest;
  for (ReplicaIndex replica = 0; replica < replica_count; ++replica)
    if (!listed[replica]) rest.push_back(replica);
  if (!rest.empty()) out.push_back(std::move(rest));
  return out;
}

}  // namespace bftsim
