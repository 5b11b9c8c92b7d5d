// scenario_to_yaml (scenario_writer.h): one emitter per section, mirroring
// the readers in sections.cpp and faults.cpp; fault entries are written by
// fault_writer.cpp. Numbers are written exactly (yaml_text.h): durations and
// rates in their exact text forms (units.h), probabilities as decimal ppm,
// doubles in fmt's shortest form that reads back to the same bits.
#include "sim/scenario/scenario_writer.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/protocol/messages.h"
#include "sim/scenario/schema.h"
#include "sim/units.h"
#include "sim/scenario/yaml_text.h"

namespace bftsim {

using namespace loader;
using namespace yaml_text;

namespace {

Fields protocol_fields(const ProtocolConfig& p) {
  const ProtocolConfig d;
  Fields f;
  if (p.chain_id != d.chain_id) f.emplace_back("chain_id", quoted(p.chain_id));
  if (p.batch_size != d.batch_size) f.emplace_back("batch_size", fmt::format("{}", p.batch_size));
  if (p.view_timeout != d.view_timeout) f.emplace_back("view_timeout", duration(p.view_timeout));
  if (p.timeout_multiplier != d.timeout_multiplier) f.emplace_back("timeout_multiplier", number(p.timeout_multiplier));
  if (p.view_timeout_max != d.view_timeout_max) f.emplace_back("view_timeout_max", duration(p.view_timeout_max));
  if (p.vote_to_all != d.vote_to_all)
    f.emplace_back("vote_to", std::string(name_of(NameTable<bool>(vote_to_names), p.vote_to_all)));
  if (p.unsafe_skip_lock != d.unsafe_skip_lock) f.emplace_back("unsafe_skip_lock", boolean(p.unsafe_skip_lock));
  if (p.block_retention != d.block_retention) f.emplace_back("block_retention", fmt::format("{}", p.block_retention));
  if (p.backoff_reset != d.backoff_reset)
    f.emplace_back("backoff_reset", std::string(name_of(NameTable<BackoffReset>(backoff_reset_names), p.backoff_reset)));
  if (p.leader_election != d.leader_election)
    f.emplace_back("leader_election",
                   std::string(name_of(NameTable<LeaderElection>(leader_election_names), p.leader_election)));
  if (p.reputation_window != d.reputation_window)
    f.emplace_back("reputation_window", fmt::format("{}", p.reputation_window));
  if (p.new_view_to_leader != d.new_view_to_leader)
    f.emplace_back("new_view_to_leader", boolean(p.new_view_to_leader));
  if (p.fetch_missed_proposal != d.fetch_missed_proposal)
    f.emplace_back("fetch_missed_proposal", boolean(p.fetch_missed_proposal));
  if (p.fetch_retry != d.fetch_retry) f.emplace_back("fetch_retry", boolean(p.fetch_retry));
  if (p.propose_before_sync != d.propose_before_sync)
    f.emplace_back("propose_before_sync", boolean(p.propose_before_sync));
  if (p.commit_rule != d.commit_rule)
    f.emplace_back("commit_rule", std::string(name_of(NameTable<CommitRule>(commit_rule_names), p.commit_rule)));
  if (!p.leaders.empty()) f.emplace_back("leaders", index_list(p.leaders));
  return f;
}

Fields network_fields(const NetworkConfig& n) {
  const NetworkConfig d;
  Fields f;
  if (n.latency != d.latency) f.emplace_back("latency", latency(n.latency));
  if (n.loss_ppm != d.loss_ppm) f.emplace_back("loss", probability(n.loss_ppm));
  if (n.duplicate_ppm != d.duplicate_ppm) f.emplace_back("duplicate", probability(n.duplicate_ppm));
  if (n.reorder_ppm != d.reorder_ppm) f.emplace_back("reorder", probability(n.reorder_ppm));
  if (n.reorder_delay != d.reorder_delay) f.emplace_back("reorder_delay", duration(n.reorder_delay));
  if (n.bandwidth) f.emplace_back("bandwidth", format_rate(*n.bandwidth));
  return f;
}

Fields clients_fields(const ClientsConfig& c) {
  const ClientsConfig d;
  Fields f;
  if (c.client_count != d.client_count) f.emplace_back("count", fmt::format("{}", c.client_count));
  if (c.mode != d.mode) f.emplace_back("mode", std::string(client_mode_name(c.mode)));
  if (c.outstanding_max != d.outstanding_max) f.emplace_back("outstanding", fmt::format("{}", c.outstanding_max));
  if (c.rate != d.rate) f.emplace_back("rate", format_rate(c.rate));
  if (c.request_timeout != d.request_timeout) f.emplace_back("request_timeout", duration(c.request_timeout));
  if (c.op_count_max != d.op_count_max) f.emplace_back("max_ops", fmt::format("{}", c.op_count_max));
  if (c.start != d.start) f.emplace_back("start", duration(c.start));
  if (c.mix != d.mix) {
    // Once `mix` is given, a weight it leaves out is 0.
    Fields weights;
    if (c.mix.put != 0) weights.emplace_back("put", fmt::format("{}", c.mix.put));
    if (c.mix.get != 0) weights.emplace_back("get", fmt::format("{}", c.mix.get));
    if (c.mix.del != 0) weights.emplace_back("del", fmt::format("{}", c.mix.del));
    if (c.mix.txn != 0) weights.emplace_back("txn", fmt::format("{}", c.mix.txn));
    if (c.mix.incr != 0) weights.emplace_back("incr", fmt::format("{}", c.mix.incr));
    if (c.mix.append != 0) weights.emplace_back("append", fmt::format("{}", c.mix.append));
    f.emplace_back("mix", flow_map(weights));
  }
  if (c.key_count != d.key_count) f.emplace_back("keys", fmt::format("{}", c.key_count));
  if (c.key_distribution != d.key_distribution)
    f.emplace_back("key_distribution", std::string(key_distribution_name(c.key_distribution)));
  if (c.zipf_theta != d.zipf_theta) f.emplace_back("zipf_theta", number(c.zipf_theta));
  if (c.value_size_bytes != d.value_size_bytes) f.emplace_back("value_size", fmt::format("{}", c.value_size_bytes));
  if (c.batch_ops != d.batch_ops) f.emplace_back("batch", fmt::format("{}", c.batch_ops));
  return f;
}


// random_faults: the loader's defaults for stop, max_isolated and nodes
// depend on other keys, so those are always written.
Fields window_fields(const RandomWindows& w) {
  return {{"mean_interval", duration(w.mean_interval)},
          {"mean_duration", duration(w.mean_duration)},
          {"start", duration(w.start)},
          {"stop", duration(w.stop)}};
}

std::string behavior_list(const std::vector<ByzantineBehavior>& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + std::string(byzantine_behavior_name(list[i]));
  return out + "]";
}

// The swarm families of random_faults (random_faults_config.h).
void swarm_families(std::string& out, const RandomFaultsConfig& r) {
  if (const auto& c = r.crashes)
    out += fmt::format("  crashes: {}\n", flow_map({{"mean_interval", duration(c->mean_interval)},
                                                    {"mean_downtime", duration(c->mean_downtime)},
                                                    {"start", duration(c->start)},
                                                    {"stop", duration(c->stop)},
                                                    {"nodes", index_list(c->replicas)},
                                                    {"max_down", fmt::format("{}", c->down_count_max)}}));
  if (const auto& c = r.cuts) out += fmt::format("  cuts: {}\n", flow_map(window_fields(c->windows)));
  if (const auto& d = r.drops) {
    Fields f = window_fields(d->windows);
    f.emplace_back("types", message_types(d->type_mask));
    out += fmt::format("  drops: {}\n", flow_map(f));
  }
  if (const auto& c = r.clogs) out += fmt::format("  clogs: {}\n", flow_map(window_fields(c->windows)));
  if (const auto& d = r.duplicates) {
    Fields f = window_fields(d->windows);
    f.emplace_back("probability", probability(d->duplicate_ppm));
    out += fmt::format("  duplicates: {}\n", flow_map(f));
  }
  if (const auto& c = r.clocks) {
    Fields f = window_fields(c->windows);
    f.emplace_back("nodes", index_list(c->replicas));
    f.emplace_back("max_skew", duration(c->skew_max));
    f.emplace_back("max_drift", signed_probability(c->drift_ppm_max));
    out += fmt::format("  clocks: {}\n", flow_map(f));
  }
  if (const auto& b = r.byzantine)
    out += fmt::format("  byzantine: {}\n", flow_map({{"behaviors", behavior_list(b->behaviors)},
                                                      {"max_nodes", fmt::format("{}", b->node_count_max)}}));
  if (const auto& s = r.swarm) {
    std::string families = "[";
    for (std::size_t f = 0; f < swarm_family_count; ++f)
      if ((s->family_mask & (1u << f)) != 0) families += (families.size() > 1 ? ", " : "") + std::string(swarm_family_names[f]);
    out += fmt::format("  swarm: {}\n", flow_map({{"start", duration(s->start)},
                                                  {"stop", duration(s->stop)},
                                                  {"families", families + "]"},
                                                  {"behaviors", behavior_list(s->behaviors)}}));
  }
}

void random_faults(std::string& out, const RandomFaultsConfig& r) {
  if (!r.any()) return;
  out += "random_faults:\n";
  if (const auto& p = r.partitions) {
    Fields f{{"mean_interval", duration(p->mean_interval)},
             {"mean_duration", duration(p->mean_duration)},
             {"start", duration(p->start)},
             {"stop", duration(p->stop)},
             {"max_isolated", fmt::format("{}", p->isolated_count_max)}};
    add_in_flight(f, p->in_flight);
    out += fmt::format("  partitions: {}\n", flow_map(f));
  }
  if (const auto& d = r.disk) {
    Fields f{{"nodes", index_list(d->replicas)}};
    if (d->corrupt_rate) f.emplace_back("corrupt_rate", format_rate(*d->corrupt_rate));
    if (d->bit_flip_count != 1) f.emplace_back("corrupt_count", fmt::format("{}", d->bit_flip_count));
    if (d->torn) f.emplace_back("torn", "true");
    f.emplace_back("start", duration(d->start));
    f.emplace_back("stop", duration(d->stop));
    out += fmt::format("  disk: {}\n", flow_map(f));
  }
  swarm_families(out, r);
}

std::string behaviors(const std::vector<ByzantineBehavior>& list) {
  if (list.size() == 1) return std::string(byzantine_behavior_name(list.front()));
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + std::string(byzantine_behavior_name(list[i]));
  return out + "]";
}

// ", depth: 2, targets: [0, 1]": the parameters a behaviour of the entry
// reads, when not their defaults (the loader rejects the others).
std::string byzantine_params(const ByzantineSpec& spec) {
  const auto has = [&](ByzantineBehavior b) {
    return std::find(spec.behaviors.begin(), spec.behaviors.end(), b) != spec.behaviors.end();
  };
  const ByzantineParams defaults;
  const ByzantineParams& p = spec.params;
  std::string out;
  if (has(ByzantineBehavior::fork) && p.fork_depth != defaults.fork_depth)
    out += p.fork_depth == fork_depth_lock     ? std::string(", depth: lock")
           : p.fork_depth == fork_depth_hidden ? std::string(", depth: hidden")
                                               : fmt::format(", depth: {}", p.fork_depth);
  if (has(ByzantineBehavior::bad_sync) && p.sync_lie != defaults.sync_lie)
    out += fmt::format(", mode: {}", sync_lie_name(p.sync_lie));
  if (has(ByzantineBehavior::impersonate) && p.impersonate_other_block) out += ", vote_for: other_block";
  if (has(ByzantineBehavior::equivocate) && p.equivocate_to_all) out += ", split: all";
  if (has(ByzantineBehavior::bad_parent) && p.bad_parent_grandparent) out += ", parent: grandparent";
  if (has(ByzantineBehavior::short_qc) && p.qc_pad != defaults.qc_pad) out += fmt::format(", pad: {}", qc_pad_name(p.qc_pad));
  if (has(ByzantineBehavior::forge_cert) && p.cert != defaults.cert)
    out += fmt::format(", cert: {}", cert_forgery_name(p.cert));
  if (has(ByzantineBehavior::bad_state) && p.state_lie != defaults.state_lie)
    out += fmt::format(", offer: {}", state_lie_name(p.state_lie));
  if ((has(ByzantineBehavior::withhold_votes) || has(ByzantineBehavior::withhold_proposals) ||
       has(ByzantineBehavior::withhold_timeouts)) &&
      !p.targets.empty())
    out += fmt::format(", targets: {}", index_list(p.targets));
  return out;
}

}  // namespace


std::string scenario_to_yaml(const Scenario& s, const std::string& comment) {
  std::string out;
  std::size_t line_start = 0;
  while (line_start < comment.size()) {
    const std::size_t end = comment.find('\n', line_start);
    const std::string line = comment.substr(line_start, end == std::string::npos ? std::string::npos : end - line_start);
    out += line.empty() ? "#\n" : "# " + line + "\n";
    if (end == std::string::npos) break;
    line_start = end + 1;
  }
  out += fmt::format("name: {}\n", quoted(s.name));
  out += fmt::format("description: {}\n", quoted(s.description));
  out += fmt::format("seed: {}\n", s.seed);
  out += fmt::format("duration: {}\n", duration(s.duration));
  if (s.duration_views) out += fmt::format("duration_views: {}\n", *s.duration_views);
  if (s.event_rate_max) out += fmt::format("event_rate_max: {}\n", *s.event_rate_max);
  out += fmt::format("replicas: {}\n", s.replica_count);
  out += fmt::format("faulty: {}\n", s.faulty_count);
  out += fmt::format("crypto: {}\n", crypto_kind_name(s.crypto));
  section(out, "protocol", protocol_fields(s.protocol));
  if (s.storage.engine == StorageEngine::memory) {
    section(out, "storage", {{"engine", "memory"}});
  } else if (s.storage.unsafe_skip_sync) {
    section(out, "storage", {{"unsafe_skip_sync", "true"}});
  }
  section(out, "network", network_fields(s.network));
  section(out, "clients", clients_fields(s.clients));
  if (!s.faults.empty()) {
    out += "faults:\n";
    for (const Fault& fault : s.faults) out += fmt::format("  - {}\n", fault_to_yaml(fault));
  }
  random_faults(out, s.random_faults);
  if (s.allow_more_faulty) out += "allow_more_faulty: true\n";
  if (!s.byzantine.empty()) {
    out += "byzantine:\n";
    for (const ByzantineSpec& spec : s.byzantine)
      out += fmt::format("  - {{node: {}, behavior: {}{}}}\n", spec.replica, behaviors(spec.behaviors),
                         byzantine_params(spec));
  }
  Fields expect{{"safety", std::string(expect_name(s.expect.safety))},
                {"liveness", std::string(expect_name(s.expect.liveness))}};
  const Expectations defaults;
  if (s.expect.commit_height_min != defaults.commit_height_min)
    expect.emplace_back("min_commits", fmt::format("{}", s.expect.commit_height_min));
  if (s.expect.within != defaults.within) expect.emplace_back("within", duration(s.expect.within));
  if (!s.expect.check.empty()) expect.emplace_back("check", s.expect.check);
  if (s.expect.cut_off) expect.emplace_back("cut_off", "true");
  section(out, "expect", expect);
  return out;
}

}  // namespace bftsim
