// The scenario schema as data: every section's key list, the name tables of
// its enums, and which key patterns are maps (for --set). Internal to the
// loader (sim/scenario/*.cpp); users read Scenario from scenario.h.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "core/types/assert.h"
#include "sim/scenario/scenario.h"

namespace bftsim::loader {

using Keys = std::span<const std::string_view>;

template <typename E>
using NameTable = std::span<const std::pair<std::string_view, E>>;

inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// ---- the schema's key lists --------------------------------------------

inline constexpr std::string_view top_keys[] = {"name",     "description", "seed",    "duration",
                                         "replicas", "faulty",      "crypto",  "protocol",
                                         "network",  "clients",     "faults",  "expect",
                                         "byzantine", "allow_more_faulty", "random_faults", "storage",
                                         "duration_views", "event_rate_max"};
inline constexpr std::string_view protocol_keys[] = {"chain_id", "batch_size", "view_timeout", "timeout_multiplier",
                                              "view_timeout_max", "vote_to", "unsafe_skip_lock", "block_retention",
                                              "backoff_reset", "leader_election", "reputation_window",
                                              "new_view_to_leader", "fetch_missed_proposal", "fetch_retry", "leaders",
                                              "propose_before_sync", "commit_rule"};
inline constexpr std::string_view storage_keys[] = {"engine", "unsafe_skip_sync"};
inline constexpr std::string_view byzantine_keys[] = {"node", "behavior", "depth", "mode", "vote_for", "targets",
                                                      "split", "parent", "pad", "cert", "offer"};
inline constexpr std::string_view network_keys[] = {"latency", "loss", "duplicate", "reorder", "reorder_delay",
                                                   "bandwidth"};
inline constexpr std::string_view latency_keys_all[] = {"distribution", "value",  "min",   "max",   "mean",
                                                 "stddev",       "median", "sigma", "scale", "shape"};
inline constexpr std::string_view clients_keys[] = {"count",   "mode",  "outstanding", "rate",
                                             "request_timeout", "max_ops", "start", "mix",
                                             "keys",    "key_distribution", "zipf_theta", "value_size",
                                             "batch"};
inline constexpr std::string_view mix_keys[] = {"put", "get", "del", "txn", "incr", "append"};
inline constexpr std::string_view fault_keys_all[] = {"type", "node",    "at",   "until",   "groups",   "from",
                                               "to",   "both",    "loss", "latency", "duplicate", "fault",
                                               "count", "capacity_bytes", "in_flight", "skew",
                                               "drift", "bandwidth", "types", "at_view", "until_view", "views"};
inline constexpr std::string_view expect_keys[] = {"safety", "liveness", "min_commits", "within", "check", "cut_off"};

inline constexpr std::string_view constant_keys[] = {"distribution", "value"};
inline constexpr std::string_view uniform_keys[] = {"distribution", "min", "max"};
inline constexpr std::string_view exponential_keys[] = {"distribution", "mean", "min"};
inline constexpr std::string_view normal_keys[] = {"distribution", "mean", "stddev"};
inline constexpr std::string_view lognormal_keys[] = {"distribution", "median", "sigma"};
inline constexpr std::string_view pareto_keys[] = {"distribution", "scale", "shape"};

inline constexpr std::string_view crash_keys[] = {"type", "node", "at", "at_view"};
inline constexpr std::string_view partition_keys[] = {"type", "groups", "at", "until", "in_flight",
                                                      "at_view", "until_view", "types", "views"};
inline constexpr std::string_view cut_keys[] = {"type", "from", "to", "at", "until", "in_flight", "types",
                                                "at_view", "until_view", "views"};
inline constexpr std::string_view link_keys[] = {"type",      "from",    "to",         "both",  "at",
                                                 "until",     "loss",    "latency",    "duplicate",
                                                 "bandwidth", "at_view", "until_view", "types", "views"};
inline constexpr std::string_view clog_keys[] = {"type", "from", "to", "both", "at", "until", "at_view", "until_view",
                                                 "types", "views"};
inline constexpr std::string_view clock_keys[] = {"type", "node", "at", "until", "skew", "drift"};
// Bounds a `leaders` schedule (views it names).
inline constexpr std::size_t leader_schedule_size_max = 10'000;
inline constexpr std::string_view disk_corrupt_keys[] = {"type", "node", "at", "fault", "count"};
inline constexpr std::string_view disk_torn_keys[] = {"type", "node", "at", "until", "fault"};
inline constexpr std::string_view disk_slow_keys[] = {"type", "node", "at", "until", "fault", "latency"};
inline constexpr std::string_view disk_full_keys[] = {"type", "node", "at", "until", "fault", "capacity_bytes"};
inline constexpr std::string_view random_faults_keys[] = {"partitions", "disk",  "crashes",    "cuts",      "drops",
                                                          "clogs",      "duplicates", "clocks", "byzantine", "swarm"};
inline constexpr std::string_view random_crashes_keys[] = {"mean_interval", "mean_downtime", "start", "stop",
                                                           "nodes",         "max_down"};
inline constexpr std::string_view random_windows_keys[] = {"mean_interval", "mean_duration", "start", "stop"};
inline constexpr std::string_view random_drops_keys[] = {"mean_interval", "mean_duration", "start", "stop", "types"};
inline constexpr std::string_view random_duplicates_keys[] = {"mean_interval", "mean_duration", "start", "stop",
                                                              "probability"};
inline constexpr std::string_view random_clocks_keys[] = {"mean_interval", "mean_duration", "start", "stop",
                                                          "nodes",         "max_skew",      "max_drift"};
inline constexpr std::string_view random_byzantine_keys[] = {"behaviors", "max_nodes"};
inline constexpr std::string_view swarm_keys[] = {"start", "stop", "families", "behaviors"};
// Bounds each swarm family's schedule: (stop - start) / mean_interval.
inline constexpr double random_family_expected_count_max = 10'000;
inline constexpr std::string_view random_disk_keys[] = {"nodes", "corrupt_rate", "corrupt_count", "torn", "start", "stop"};
inline constexpr std::int64_t bit_flip_count_max = 1024;
inline constexpr std::string_view random_partitions_keys[] = {"mean_interval", "mean_duration", "start", "stop",
                                                       "max_isolated", "in_flight"};
// Bounds the generated schedule: (stop - start) / (mean_interval + mean_duration).
inline constexpr double random_partition_expected_count_max = 10'000;
// Bounds random_faults.disk: (stop - start) * corrupt_rate * nodes.
inline constexpr double random_disk_expected_count_max = 10'000;

// The maps of the schema by key pattern ("faults[]" is any fault entry); a
// --set may create entries only inside these. Other patterns are not maps.
std::optional<Keys> schema_map_keys(std::string_view pattern);

inline constexpr std::pair<std::string_view, bool> vote_to_names[] = {{"all", true}, {"next_leader", false}};
inline constexpr std::pair<std::string_view, BackoffReset> backoff_reset_names[] = {
    {"commit", BackoffReset::commit}, {"qc", BackoffReset::qc}};
inline constexpr std::pair<std::string_view, CommitRule> commit_rule_names[] = {
    {"three_chain", CommitRule::three_chain}, {"two_chain", CommitRule::two_chain}};
inline constexpr std::pair<std::string_view, LeaderElection> leader_election_names[] = {
    {"round_robin", LeaderElection::round_robin}, {"reputation", LeaderElection::reputation}};
inline constexpr std::pair<std::string_view, SyncLie> sync_lie_names[] = {
    {"fabricated", SyncLie::fabricated}, {"unlinked", SyncLie::unlinked}, {"forged_justify", SyncLie::forged_justify}};
inline constexpr std::pair<std::string_view, bool> vote_for_names[] = {{"own_block", false}, {"other_block", true}};
inline constexpr std::pair<std::string_view, bool> split_names[] = {{"halves", false}, {"all", true}};
inline constexpr std::pair<std::string_view, QcPad> qc_pad_names[] = {
    {"none", QcPad::none}, {"junk", QcPad::junk}, {"duplicate", QcPad::duplicate}};
inline constexpr std::pair<std::string_view, CertForgery> cert_forgery_names[] = {
    {"qc_signature", CertForgery::qc_signature}, {"qc_duplicate", CertForgery::qc_duplicate},
    {"tc_signature", CertForgery::tc_signature}, {"tc_short", CertForgery::tc_short},
    {"tc_high_qc", CertForgery::tc_high_qc}};
inline constexpr std::pair<std::string_view, StateLie> state_lie_names[] = {{"made_up", StateLie::made_up},
                                                                           {"wrong_pairs", StateLie::wrong_pairs}};
inline constexpr std::pair<std::string_view, bool> bad_parent_names[] = {{"unknown", false}, {"grandparent", true}};
inline constexpr std::pair<std::string_view, InFlight> in_flight_names[] = {{"drop", InFlight::drop},
                                                                       {"deliver", InFlight::deliver}};
inline constexpr std::pair<std::string_view, StorageEngine> storage_engine_names[] = {
    {"lsm", StorageEngine::lsm}, {"memory", StorageEngine::memory}};
inline constexpr std::pair<std::string_view, bool> bool_names[] = {{"true", true}, {"false", false}};
inline constexpr std::pair<std::string_view, CryptoKind> crypto_names[] = {{"ed25519", CryptoKind::ed25519},
                                                                    {"fast", CryptoKind::fast}};
inline constexpr std::pair<std::string_view, DistributionKind> distribution_names[] = {
    {"constant", DistributionKind::constant},       {"uniform", DistributionKind::uniform},
    {"exponential", DistributionKind::exponential}, {"normal", DistributionKind::normal},
    {"lognormal", DistributionKind::lognormal},     {"pareto", DistributionKind::pareto}};
inline constexpr std::pair<std::string_view, ClientMode> client_mode_names[] = {{"closed", ClientMode::closed},
                                                                         {"open", ClientMode::open}};
inline constexpr std::pair<std::string_view, KeyDistribution> key_distribution_names[] = {
    {"uniform", KeyDistribution::uniform}, {"zipfian", KeyDistribution::zipfian}};
inline constexpr std::pair<std::string_view, SafetyExpectation> safety_names[] = {
    {"holds", SafetyExpectation::holds}, {"violated", SafetyExpectation::violated}};
// `expect.check`: the names the safety checkers of sim/check/ report (Violation::check).
inline constexpr std::pair<std::string_view, std::string_view> safety_check_names[] = {
    {"agreement", "agreement"},   {"chain", "chain"},           {"state_agreement", "state_agreement"},
    {"integrity", "integrity"},   {"double_vote", "double_vote"}, {"linearizability", "linearizability"},
    {"recovery", "recovery"},     {"certificate", "certificate"}, {"timeout_vote", "timeout_vote"}};
inline constexpr std::pair<std::string_view, LivenessExpectation> liveness_names[] = {
    {"holds", LivenessExpectation::holds},
    {"violated", LivenessExpectation::violated},
    {"unchecked", LivenessExpectation::unchecked}};

enum class FaultType : std::uint8_t { crash, restart, partition, cut, link, clog, disk, clock };
inline constexpr std::pair<std::string_view, FaultType> fault_type_names[] = {{"crash", FaultType::crash},
                                                                       {"restart", FaultType::restart},
                                                                       {"partition", FaultType::partition},
                                                                       {"cut", FaultType::cut},
                                                                       {"link", FaultType::link},
                                                                       {"clog", FaultType::clog},
                                                                       {"disk", FaultType::disk},
                                                                       {"clock", FaultType::clock}};
inline constexpr std::pair<std::string_view, DiskFaultKind> disk_fault_kind_names[] = {{"corrupt", DiskFaultKind::corrupt},
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

}  // namespace bftsim::loader
