// The parameters of a `byzantine` entry, beside `node` and `behavior`:
// `depth` (fork), `mode` (bad_sync), `vote_for` (impersonate), `split`
// (equivocate), `parent` (bad_parent), `pad` (short_qc), `cert` (forge_cert), `offer` (bad_state) and `targets`
// (withhold_votes, withhold_proposals, withhold_timeouts). Each is read only
// when the entry names a behaviour that takes it; otherwise it is an error at
// the parameter, so a parameter never silently does nothing.
#include <algorithm>
#include <initializer_list>

#include "sim/scenario/read_value.h"
#include "sim/scenario/sections.h"

namespace bftsim::loader {
namespace {

// An error unless `spec` has one of `takers`; names the takers and what the entry has.
Status require_taker(const YamlNode& node, const std::string& path, std::string_view key, const ByzantineSpec& spec,
                     std::initializer_list<ByzantineBehavior> takers) {
  for (ByzantineBehavior taker : takers)
    if (std::find(spec.behaviors.begin(), spec.behaviors.end(), taker) != spec.behaviors.end()) return {};
  std::string taker_names;
  for (ByzantineBehavior taker : takers)
    taker_names += (taker_names.empty() ? "" : ", ") + std::string(byzantine_behavior_name(taker));
  std::string have;
  for (ByzantineBehavior behavior : spec.behaviors)
    have += (have.empty() ? "" : ", ") + std::string(byzantine_behavior_name(behavior));
  return fail(node.where, path,
              fmt::format("only {} take{} {}, and this entry's behavior is {}", taker_names,
                          takers.size() == 1 ? "s" : "", key, have));
}

Result<std::uint32_t> read_fork_depth(const YamlNode& node, std::string_view path) {
  if (node.kind == Kind::scalar && !node.quoted && node.scalar == "lock") return fork_depth_lock;
  if (node.kind == Kind::scalar && !node.quoted && node.scalar == "hidden") return fork_depth_hidden;
  if (node.kind == Kind::scalar && !node.quoted && node.scalar.size() == 1 && node.scalar[0] >= '1' &&
      node.scalar[0] <= '0' + static_cast<char>(fork_depth_max))
    return static_cast<std::uint32_t>(node.scalar[0] - '0');
  return fail(node.where, path,
              fmt::format("expected 1..{} (QCs below the highest), lock or hidden, got {}", fork_depth_max,
                          describe_value(node)));
}

Status read_targets(const YamlNode& node, const std::string& path, std::uint32_t replica_count,
                    ReplicaIndex self, std::vector<ReplicaIndex>& out) {
  BFTSIM_SCENARIO_TRY(expect_kind(node, path, Kind::sequence));
  if (node.items.empty()) return fail(node.where, path, "needs at least one replica (leave it out to mean all)");
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    const std::string item_path = key_path_index(path, i);
    auto value = read_integer(item, item_path, 0, static_cast<std::int64_t>(replica_count) - 1);
    if (!value) return tl::unexpected(std::move(value.error()));
    const auto target = static_cast<ReplicaIndex>(*value);
    if (target == self) return fail(item.where, item_path, fmt::format("replica {} is this entry's own node", target));
    if (std::find(out.begin(), out.end(), target) != out.end())
      return fail(item.where, item_path, fmt::format("replica {} is listed twice", target));
    out.push_back(target);
  }
  std::sort(out.begin(), out.end());
  return {};
}

}  // namespace

Status read_byzantine_params(const YamlNode& map, std::string_view entry_path, std::uint32_t replica_count,
                             ByzantineSpec& spec) {
  using B = ByzantineBehavior;
  ByzantineParams& params = spec.params;
  if (const YamlNode* node = map.find("depth")) {
    const std::string path = key_path_join(entry_path, "depth");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "depth", spec, {B::fork}));
    auto depth = read_fork_depth(*node, path);
    if (!depth) return tl::unexpected(std::move(depth.error()));
    params.fork_depth = *depth;
  }
  if (const YamlNode* node = map.find("mode")) {
    const std::string path = key_path_join(entry_path, "mode");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "mode", spec, {B::bad_sync}));
    auto lie = read_enum(*node, path, NameTable<SyncLie>(sync_lie_names), "bad_sync mode");
    if (!lie) return tl::unexpected(std::move(lie.error()));
    params.sync_lie = *lie;
  }
  if (const YamlNode* node = map.find("vote_for")) {
    const std::string path = key_path_join(entry_path, "vote_for");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "vote_for", spec, {B::impersonate}));
    auto other = read_enum(*node, path, NameTable<bool>(vote_for_names), "vote_for");
    if (!other) return tl::unexpected(std::move(other.error()));
    params.impersonate_other_block = *other;
  }
  if (const YamlNode* node = map.find("split")) {
    const std::string path = key_path_join(entry_path, "split");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "split", spec, {B::equivocate}));
    auto all = read_enum(*node, path, NameTable<bool>(split_names), "split");
    if (!all) return tl::unexpected(std::move(all.error()));
    params.equivocate_to_all = *all;
  }
  if (const YamlNode* node = map.find("parent")) {
    const std::string path = key_path_join(entry_path, "parent");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "parent", spec, {B::bad_parent}));
    auto grandparent = read_enum(*node, path, NameTable<bool>(bad_parent_names), "parent");
    if (!grandparent) return tl::unexpected(std::move(grandparent.error()));
    params.bad_parent_grandparent = *grandparent;
  }
  if (const YamlNode* node = map.find("pad")) {
    const std::string path = key_path_join(entry_path, "pad");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "pad", spec, {B::short_qc}));
    auto pad = read_enum(*node, path, NameTable<QcPad>(qc_pad_names), "pad");
    if (!pad) return tl::unexpected(std::move(pad.error()));
    params.qc_pad = *pad;
  }
  if (const YamlNode* node = map.find("cert")) {
    const std::string path = key_path_join(entry_path, "cert");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "cert", spec, {B::forge_cert}));
    auto cert = read_enum(*node, path, NameTable<CertForgery>(cert_forgery_names), "cert");
    if (!cert) return tl::unexpected(std::move(cert.error()));
    params.cert = *cert;
  }
  if (const YamlNode* node = map.find("offer")) {
    const std::string path = key_path_join(entry_path, "offer");
    BFTSIM_SCENARIO_TRY(require_taker(*node, path, "offer", spec, {B::bad_state}));
    auto lie = read_enum(*node, path, NameTable<StateLie>(state_lie_names), "bad_state offer");
    if (!lie) return tl::unexpected(std::move(lie.error()));
    params.state_lie = *lie;
  }
  if (const YamlNode* node = map.find("targets")) {
    const std::string path = key_path_join(entry_path, "targets");
    BFTSIM_SCENARIO_TRY(
        require_taker(*node, path, "targets", spec, {B::withhold_votes, B::withhold_proposals, B::withhold_timeouts}));
    BFTSIM_SCENARIO_TRY(read_targets(*node, path, replica_count, spec.replica, params.targets));
  }
  return {};
}

}  // namespace bftsim::loader
