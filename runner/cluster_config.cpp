// Loading the cluster file (cluster_config.h) with yaml-cpp. Each error names
// "file:line:col: key.path: message".
#include "runner/cluster_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/codec/limits.h"

namespace bftsim::runner {
namespace {

struct Loader {
  std::string source;

  tl::unexpected<Error> fail(const YAML::Node& node, const std::string& path, const std::string& message) const {
    const YAML::Mark mark = node.Mark();
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}:{}:{}: {}: {}", source, mark.line + 1, mark.column + 1, path, message));
  }

  Status check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& known) const {
    if (!map.IsMap()) return fail(map, path, "expected a map");
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      if (!known.contains(key)) {
        std::string names;
        for (const auto& name : known) names += (names.empty() ? "" : ", ") + name;
        return fail(entry.first, path.empty() ? key : path + "." + key,
                    fmt::format("unknown key (known: {})", names));
      }
    }
    return {};
  }

  Result<std::string> scalar(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) return fail(node, path, "expected a scalar");
    return node.Scalar();
  }

  Result<std::uint64_t> integer(const YAML::Node& node, const std::string& path, std::uint64_t min,
                                std::uint64_t max) const {
    auto text = scalar(node, path);
    if (!text) return tl::unexpected(text.error());
    if (text->empty() || text->size() > 19 || text->find_first_not_of("0123456789") != std::string::npos)
      return fail(node, path, fmt::format("expected an integer, got '{}'", *text));
    const std::uint64_t value = std::stoull(*text);
    if (value < min || value > max)
      return fail(node, path, fmt::format("{} is outside {} .. {}", value, min, max));
    return value;
  }

  Result<std::int64_t> duration(const YAML::Node& node, const std::string& path) const {
    auto text = scalar(node, path);
    if (!text) return tl::unexpected(text.error());
    auto value = parse_duration_ns(*text);
    if (!value) return fail(node, path, value.error().message);
    if (*value <= 0) return fail(node, path, "must be > 0");
    return *value;
  }

  Status protocol(const YAML::Node& map, ReplicaConfig& out) const {
    if (auto status = check_keys(map, "protocol",
                                 {"batch_size", "view_timeout", "timeout_multiplier",
                                  "view_timeout_max", "vote_to", "block_retention", "propose_before_sync",
                                  "commit_rule"});
        !status)
      return status;
    if (map["batch_size"]) {
      auto value = integer(map["batch_size"], "protocol.batch_size", 1, batch_size_max);
      if (!value) return tl::unexpected(value.error());
      out.batch_size = static_cast<std::uint32_t>(*value);
    }
    if (map["view_timeout"]) {
      auto value = duration(map["view_timeout"], "protocol.view_timeout");
      if (!value) return tl::unexpected(value.error());
      out.view_timeout = *value;
    }
    if (map["view_timeout_max"]) {
      auto value = duration(map["view_timeout_max"], "protocol.view_timeout_max");
      if (!value) return tl::unexpected(value.error());
      out.view_timeout_max = *value;
    }
    if (out.view_timeout_max < out.view_timeout)
      return fail(map, "protocol.view_timeout_max", "must be >= view_timeout");
    if (map["timeout_multiplier"]) {
      auto text = scalar(map["timeout_multiplier"], "protocol.timeout_multiplier");
      if (!text) return tl::unexpected(text.error());
      std::istringstream in(*text);
      double value = 0;
      if (!(in >> value) || !in.eof() || !(value >= 1.0 && value <= 1000.0))
        return fail(map["timeout_multiplier"], "protocol.timeout_multiplier",
                    fmt::format("expected a number in 1 .. 1000, got '{}'", *text));
      out.timeout_multiplier = value;
    }
    if (map["vote_to"]) {
      auto text = scalar(map["vote_to"], "protocol.vote_to");
      if (!text) return tl::unexpected(text.error());
      if (*text != "all" && *text != "next_leader")
        return fail(map["vote_to"], "protocol.vote_to", fmt::format("'{}' is not all or next_leader", *text));
      out.vote_to_all = *text == "all";
    }
    if (map["propose_before_sync"]) {
      auto text = scalar(map["propose_before_sync"], "protocol.propose_before_sync");
      if (!text) return tl::unexpected(text.error());
      if (*text != "true" && *text != "false")
        return fail(map["propose_before_sync"], "protocol.propose_before_sync",
                    fmt::format("'{}' is not true or false", *text));
      out.propose_before_sync = *text == "true";
    }
    if (map["commit_rule"]) {
      auto text = scalar(map["commit_rule"], "protocol.commit_rule");
      if (!text) return tl::unexpected(text.error());
      if (*text != "three_chain" && *text != "two_chain")
        return fail(map["commit_rule"], "protocol.commit_rule",
                    fmt::format("'{}' is not three_chain or two_chain", *text));
      out.commit_rule = *text == "two_chain" ? CommitRule::two_chain : CommitRule::three_chain;
    }
    if (map["block_retention"]) {
      auto value = integer(map["block_retention"], "protocol.block_retention", 16, 1'000'000);
      if (!value) return tl::unexpected(value.error());
      out.block_retention = *value;
    }
    return {};
  }

  Result<ReplicaAddress> replica(const YAML::Node& map, const std::string& path) const {
    if (auto status = check_keys(map, path, {"id", "address", "client_port", "public_key"}); !status)
      return tl::unexpected(status.error());
    for (const char* key : {"id", "address", "client_port", "public_key"})
      if (!map[key]) return fail(map, path + "." + key, "missing");
    ReplicaAddress out;
    auto id = integer(map["id"], path + ".id", 0, replica_count_max - 1);
    if (!id) return tl::unexpected(id.error());
    out.id = static_cast<ReplicaIndex>(*id);
    auto address = scalar(map["address"], path + ".address");
    if (!address) return tl::unexpected(address.error());
    const std::size_t colon = address->rfind(':');
    if (colon == std::string::npos || colon == 0)
      return fail(map["address"], path + ".address", fmt::format("'{}' is not HOST:PORT", *address));
    out.host = address->substr(0, colon);
    const std::string port = address->substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) < 1 || std::stoul(port) > 65535)
      return fail(map["address"], path + ".address", fmt::format("'{}' is not a port in 1 .. 65535", port));
    out.port = static_cast<std::uint16_t>(std::stoul(port));
    auto client_port = integer(map["client_port"], path + ".client_port", 1, 65535);
    if (!client_port) return tl::unexpected(client_port.error());
    out.client_port = static_cast<std::uint16_t>(*client_port);
    auto key_text = scalar(map["public_key"], path + ".public_key");
    if (!key_text) return tl::unexpected(key_text.error());
    auto key = from_hex(*key_text, 32);
    if (!key) return fail(map["public_key"], path + ".public_key", key.error().message);
    std::copy(key->begin(), key->end(), out.public_key.bytes.begin());
    return out;
  }

  Result<ClusterConfig> cluster(const YAML::Node& root) const {
    if (auto status = check_keys(root, "", {"chain_id", "faulty", "crypto", "protocol", "replicas"}); !status)
      return tl::unexpected(status.error());
    ClusterConfig out;
    if (root["chain_id"]) {
      auto text = scalar(root["chain_id"], "chain_id");
      if (!text) return tl::unexpected(text.error());
      if (text->empty() || text->size() > 64) return fail(root["chain_id"], "chain_id", "must be 1 .. 64 bytes");
      out.chain_id = *text;
    }
    if (!root["faulty"]) return fail(root, "faulty", "missing");
    auto faulty = integer(root["faulty"], "faulty", 0, replica_count_max);
    if (!faulty) return tl::unexpected(faulty.error());
    out.faulty = static_cast<std::uint32_t>(*faulty);
    if (root["crypto"]) {
      auto text = scalar(root["crypto"], "crypto");
      if (!text) return tl::unexpected(text.error());
      if (*text != "ed25519")
        return fail(root["crypto"], "crypto", fmt::format("'{}': bft-node supports ed25519 only", *text));
    }
    if (root["protocol"]) {
      if (auto status = protocol(root["protocol"], out.protocol); !status) return tl::unexpected(status.error());
    }
    const YAML::Node list = root["replicas"];
    if (!list) return fail(root, "replicas", "missing");
    if (!list.IsSequence() || list.size() == 0) return fail(list, "replicas", "expected a non-empty list");
    if (list.size() > replica_count_max)
      return fail(list, "replicas", fmt::format("more than {} replicas", replica_count_max));
    std::vector<ReplicaAddress> replicas(list.size());
    std::vector<bool> seen(list.size(), false);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = fmt::format("replicas[{}]", i);
      auto entry = replica(list[i], path);
      if (!entry) return tl::unexpected(entry.error());
      if (entry->id >= list.size())
        return fail(list[i]["id"], path + ".id",
                    fmt::format("id {} out of range: ids are 0 .. {}", entry->id, list.size() - 1));
      if (seen[entry->id]) return fail(list[i]["id"], path + ".id", fmt::format("id {} listed twice", entry->id));
      seen[entry->id] = true;
      replicas[entry->id] = std::move(*entry);
    }
    out.replicas = std::move(replicas);
    if (out.replicas.size() == 1)
      return fail(list, "replicas",
                  "a lone replica's own vote is a quorum: it would certify its blocks and propose the next "
                  "without end at one instant (need at least 2 replicas)");
    if (out.replicas.size() < 3 * std::size_t{out.faulty} + 1)
      return fail(root["faulty"], "faulty",
                  fmt::format("{} replicas cannot tolerate faulty: {} (need replicas >= 3*faulty+1 = {})",
                              out.replicas.size(), out.faulty, 3 * out.faulty + 1));
    return out;
  }
};

}  // namespace

ReplicaConfig ClusterConfig::replica_config(ReplicaIndex index) const {
  ReplicaConfig config = protocol;
  config.index = index;
  config.replica_count = replica_count();
  config.faulty_max = faulty;
  config.chain_id = chain_id;
  config.require_client_signatures = true;
  return config;
}

std::vector<Ed25519PublicKey> ClusterConfig::public_keys() const {
  std::vector<Ed25519PublicKey> keys;
  for (const ReplicaAddress& replica : replicas) keys.push_back(replica.public_key);
  return keys;
}

Result<std::int64_t> parse_duration_ns(const std::string& text) {
  static constexpr std::pair<const char*, std::int64_t> units[] = {
      {"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}};
  for (const auto& [unit, scale] : units) {
    const std::string suffix = unit;
    if (text.size() <= suffix.size() || text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string number = text.substr(0, text.size() - suffix.size());
    if (number.find_first_not_of("0123456789.") != std::string::npos) break;  // e.g. "5ms" tried as "5m" + "s"
    const std::size_t dot = number.find('.');
    const std::string whole = number.substr(0, dot);
    const std::string fraction = dot == std::string::npos ? "" : number.substr(dot + 1);
    if (whole.empty() || whole.size() > 12 || fraction.find('.') != std::string::npos) break;
    std::int64_t value = std::stoll(whole) * scale;
    std::int64_t place = scale;
    for (char digit : fraction) {
      if (place % 10 != 0) return make_error(ErrorCode::invalid_argument, fmt::format("'{}' is not a whole number of nanoseconds", text));
      place /= 10;
      value += (digit - '0') * place;
    }
    return value;
  }
  return make_error(ErrorCode::invalid_argument,
                    fmt::format("'{}' is not a duration (a number and ns, us, ms or s: 500ms, 1.5s)", text));
}

Result<ClusterConfig> parse_cluster_config(const std::string& text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}:{}:{}: {}", source_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  try {
    return Loader{source_name}.cluster(root);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}:{}:{}: {}", source_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

Result<ClusterConfig> load_cluster_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::not_found, fmt::format("{}: cannot open the cluster file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_cluster_config(buffer.str(), path);
}

}  // namespace bftsim::runner
