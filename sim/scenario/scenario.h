// A scenario: what one simulation run sets up (cluster, protocol, network,
// clients, scripted faults) and the outcome it expects. Plain data holding the
// defaults of docs/scenario_schema.md. The loaders build it from YAML strictly:
// an unknown key, a wrong type or a broken constraint is an error that starts
// with "<file>:<line>:<column>: <key path>: ". Times are integer nanoseconds
// and probabilities integer parts per million; the only doubles are shape
// parameters (timeout_multiplier, sigma, shape, zipf_theta).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/consensus/replica_config.h"  // BackoffReset, CommitRule, LeaderElection
#include "core/crypto/keys.h"  // CryptoKind, crypto_kind_name
#include "core/types/ids.h"
#include "core/types/result.h"
#include "sim/scenario/byzantine_behavior.h"
#include "sim/scenario/random_faults_config.h"
#include "sim/units.h"

namespace bftsim {

// YAML `protocol:`.
struct ProtocolConfig {
  std::string chain_id = "bftsim";         // 1..64 bytes
  std::uint32_t batch_size = 100;          // operations per block, 1..4096
  Duration view_timeout = 500 * ns_per_ms; // base of the exponential backoff, > 0
  double timeout_multiplier = 2.0;         // >= 1.0
  Duration view_timeout_max = 10 * ns_per_s;  // >= view_timeout
  // YAML `vote_to: all | next_leader`. See ReplicaConfig::vote_to_all.
  bool vote_to_all = true;
  // YAML `unsafe_skip_lock`: a teaching mutant that votes without the
  // safe-node rule. Simulator only; the checkers must catch what it breaks.
  bool unsafe_skip_lock = false;
  // YAML `block_retention`: blocks a replica keeps below its committed height
  // for lagging peers to fetch; a peer further behind gets a state transfer.
  std::uint64_t block_retention = 1024;  // 16..1'000'000
  // YAML `backoff_reset: qc | commit` and `leader_election: round_robin |
  // reputation` (ReplicaConfig); `reputation_window`: blocks, 1..1024.
  BackoffReset backoff_reset = BackoffReset::qc;
  LeaderElection leader_election = LeaderElection::round_robin;
  std::uint32_t reputation_window = 10;
  // YAML `commit_rule: three_chain | two_chain`. See CommitRule.
  CommitRule commit_rule = ReplicaConfig{}.commit_rule;
  // YAML `new_view_to_leader: true | false`. See ReplicaConfig.
  bool new_view_to_leader = ReplicaConfig{}.new_view_to_leader;
  // YAML `fetch_missed_proposal: true | false`. See ReplicaConfig.
  bool fetch_missed_proposal = ReplicaConfig{}.fetch_missed_proposal;
  // YAML `fetch_retry: true | false`. See ReplicaConfig.
  bool fetch_retry = ReplicaConfig{}.fetch_retry;
  // YAML `propose_before_sync: true | false`. See ReplicaConfig.
  bool propose_before_sync = ReplicaConfig{}.propose_before_sync;
  // YAML `leaders: [0, 0, 2, ...]`, a testing aid: the leader of view i + 1
  // for i < size, then `leader_election` (ReplicaConfig::leader_schedule).
  std::vector<ReplicaIndex> leaders = {};

  bool operator==(const ProtocolConfig&) const = default;
};

// YAML `storage:`. Every replica keeps its state in an LSM on its own
// simulated disk (sim/disk); these settings change how.
// What a simulated replica keeps its state in (storage.engine).
//   lsm:    every replica's safety state, blocks, KV pairs and replies in an
//           LSM (core/storage) on its own simulated disk; the default.
//   memory: the safety state only, in memory, and nothing else survives a
//           crash (a restarted replica fetches the chain again). No disk, so
//           no disk faults; for runs that do not study storage, and the
//           reference the cost of persistence is measured against
//           (bench_sim's storage_overhead).
enum class StorageEngine : std::uint8_t { lsm, memory };

struct StorageConfig {
  StorageEngine engine = StorageEngine::lsm;
  // A teaching mutant: the safety state is written without a sync, so a
  // crash can lose the record of a vote and a restarted replica may vote
  // twice in one view; the double_vote checker must catch it.
  bool unsafe_skip_sync = false;

  bool operator==(const StorageConfig&) const = default;
};

enum class DistributionKind : std::uint8_t { constant, uniform, exponential, normal, lognormal, pareto };

// YAML `network.latency:`. Only the fields of `kind` are meaningful; the
// loader leaves the others 0. The default is uniform over [1ms, 5ms].
//   constant:    value
//   uniform:     min .. max (inclusive)
//   exponential: min + Exp(mean)
//   normal:      Normal(mean, stddev), clamped at 0
//   lognormal:   median * exp(sigma * N(0, 1))
//   pareto:      Pareto(scale, shape)
struct LatencyDistribution {
  DistributionKind kind = DistributionKind::uniform;
  Duration value = 0;
  Duration min = 1 * ns_per_ms;
  Duration max = 5 * ns_per_ms;
  Duration mean = 0;
  Duration stddev = 0;
  Duration median = 0;
  double sigma = 0.0;
  Duration scale = 0;
  double shape = 0.0;

  bool operator==(const LatencyDistribution&) const = default;
};

// YAML `network:`.
struct NetworkConfig {
  LatencyDistribution latency;
  std::uint32_t loss_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  std::uint32_t reorder_ppm = 0;              // chance a message gets reorder_delay added
  Duration reorder_delay = 10 * ns_per_ms;
  // YAML `bandwidth`: bytes per period of every directed link, or none for
  // unlimited. Each link sends one message at a time: a message waits for
  // the bytes sent before it, then takes size / bandwidth, then its latency.
  std::optional<Rate> bandwidth = std::nullopt;

  bool operator==(const NetworkConfig&) const = default;
};

enum class ClientMode : std::uint8_t { closed, open };
enum class KeyDistribution : std::uint8_t { uniform, zipfian };

// YAML `clients.mix:`: relative weights, at least one > 0. Once the map is
// given, keys it leaves out weigh 0.
struct OperationMix {
  std::uint32_t put = 50;
  std::uint32_t get = 50;
  std::uint32_t del = 0;
  std::uint32_t txn = 0;
  std::uint32_t incr = 0;    // incr by 1 .. 9
  std::uint32_t append = 0;  // append a value_size value

  bool operator==(const OperationMix&) const = default;
};

// YAML `clients:`. YAML names: count, outstanding, max_ops, keys, value_size.
struct ClientsConfig {
  std::uint32_t client_count = 1;                 // 0..1000
  ClientMode mode = ClientMode::closed;
  std::uint32_t outstanding_max = 1;              // closed loop: requests in flight per client
  Rate rate{100, ns_per_s};                       // open loop: per client, events > 0
  Duration request_timeout = 1 * ns_per_s;        // retry after this, > 0
  std::uint64_t op_count_max = 0;                 // across all clients; 0 = unlimited
  Duration start = 0;
  OperationMix mix;
  std::uint64_t key_count = 100;                  // >= 1
  KeyDistribution key_distribution = KeyDistribution::uniform;
  double zipf_theta = 0.99;                       // 0 < theta < 1
  std::uint32_t value_size_bytes = 16;            // 0..65536
  // YAML `batch`: operations per request. 1 sends each operation as itself;
  // N > 1 sends OpType::batch requests of N operations drawn from `mix`
  // (1..batch_ops_max, and N * (value_size_bytes + 128) within batch_size_bytes_max).
  std::uint32_t batch_ops = 1;

  bool operator==(const ClientsConfig&) const = default;
};

// YAML `faults:` entries. Every replica index is < replica_count.
//
// A crash, restart, partition, cut, link or clog starts at a time (`at`) or
// at a view (`at_view`), and a window ends at a time (`until`) or at a view
// (`until_view`), never one of each. A view-keyed fault starts when the
// highest view any honest replica has entered reaches `at_view`, and ends when
// it reaches `until_view` (sim/simulation_faults.cpp applies it inside the event in
// which that happens, before the sends that follow). `at` is then 0 and unused.
//
// A partition, cut, link or clog may act on some messages only (`types`,
// `views`, MessageFilter); the others pass as if it were not there.

// YAML `types: [vote, timeout]` and `views: [from, to]` of a network fault.
struct MessageFilter {
  std::uint32_t type_mask = 0;  // bit (t - 1) for MessageType t; 0: every type
  // A message's view: a proposal's block view, a vote's or a timeout's view;
  // a replica's block-sync messages count as of the view their sender is in.
  // Client traffic has none, and a `views` filter never matches it.
  std::optional<std::pair<View, View>> views = std::nullopt;  // inclusive, 1 <= from <= to
  bool operator==(const MessageFilter&) const = default;
};

// YAML `in_flight: drop | deliver` of a partition or cut: what happens to
// the messages already on the wire across it when it starts. `drop` (the
// default): they are lost too, even if the fault heals before they would
// have arrived; `deliver`: they arrive as sent.
enum class InFlight : std::uint8_t { drop, deliver };

struct CrashFault {  // {type: crash, node, at | at_view}
  ReplicaIndex replica = 0;
  Duration at = 0;
  std::optional<View> at_view = std::nullopt;
  bool operator==(const CrashFault&) const = default;
};
struct RestartFault {  // {type: restart, node, at | at_view}
  ReplicaIndex replica = 0;
  Duration at = 0;
  std::optional<View> at_view = std::nullopt;
  bool operator==(const RestartFault&) const = default;
};
// Where the two instances of a `twins` replica sit in one partition: YAML
// `<node>a` and `<node>b` in its groups (both are required once one is).
// While such a partition applies to a message, the twin's instances reach
// exactly the nodes in their own group (both its group's, when both sit in
// one), instead of the fixed half of the honest replicas each talks to.
struct TwinPlacement {
  ReplicaIndex replica = 0;
  std::array<std::uint32_t, 2> group = {0, 0};  // index into groups, for instance a (0) and b (1)
  bool operator==(const TwinPlacement&) const = default;
};
// {type: partition, groups, at, until, in_flight, types, views}. Groups are
// disjoint; replicas not listed form one more group (see
// partition_groups_with_rest). A group that lists only twin instances holds
// no plain replica. No `until` means the partition never heals.
struct PartitionFault {
  std::vector<std::vector<ReplicaIndex>> groups;
  Duration at = 0;
  std::optional<Duration> until = std::nullopt;  // > at
  std::optional<View> at_view = std::nullopt;
  std::optional<View> until_view = std::nullopt;  // > at_view
  MessageFilter filter = {};
  std::vector<TwinPlacement> twins = {};  // by replica, increasing
  InFlight in_flight = InFlight::drop;
  bool operator==(const PartitionFault&) const = default;
};
// {type: cut, from, to, at, until, in_flight, types, views}: messages from
// -> to are dropped (only those its filter matches); the other direction
// still works. from != to.
struct CutFault {
  ReplicaIndex from = 0;
  ReplicaIndex to = 0;
  Duration at = 0;
  std::optional<Duration> until = std::nullopt;  // > at
  std::optional<View> at_view = std::nullopt;
  std::optional<View> until_view = std::nullopt;
  InFlight in_flight = InFlight::drop;
  MessageFilter filter = {};  // `types` (the swarm family's typed cuts), `views`
  bool operator==(const CutFault&) const = default;
};
// {type: link, from, to, both, at, until, loss, latency, duplicate,
// bandwidth}: while active, messages from -> to (and to -> from with both:
// true) use the given loss, latency, duplication and bandwidth instead of
// network's; a value not given keeps the network's. At least one is given.
// from != to. Where link faults overlap on one link, for each value the one
// listed last wins.
struct LinkFault {
  ReplicaIndex from = 0;
  ReplicaIndex to = 0;
  bool both = false;
  Duration at = 0;
  std::optional<Duration> until = std::nullopt;  // > at; none: until the end of the run
  std::optional<std::uint32_t> loss_ppm = std::nullopt;
  std::optional<LatencyDistribution> latency = std::nullopt;
  std::optional<std::uint32_t> duplicate_ppm = std::nullopt;
  std::optional<Rate> bandwidth = std::nullopt;  // bytes per period, > 0
  std::optional<View> at_view = std::nullopt;
  std::optional<View> until_view = std::nullopt;
  MessageFilter filter = {};
  bool operator==(const LinkFault&) const = default;
};
// {type: clog, from, to, both, at, until}: messages from -> to (and back with
// both: true) sent during [at, until) are held, not lost, and leave at
// `until` in the order sent, each with a fresh latency draw (FoundationDB's
// clogging). from != to. A view-keyed clog (at_view, until_view: one of the
// two ends is required) holds them until the window ends.
struct ClogFault {
  ReplicaIndex from = 0;
  ReplicaIndex to = 0;
  bool both = false;
  Duration at = 0;
  Duration until = 0;  // > at, required for a time-keyed clog
  std::optional<View> at_view = std::nullopt;
  std::optional<View> until_view = std::nullopt;
  MessageFilter filter = {};
  bool operator==(const ClogFault&) const = default;
};
// {type: clock, node, at, until, skew, drift}: while active, the node's
// clock reads real time + skew + drift * (time since at): at `at` it jumps
// by `skew` (back when negative), then runs at rate 1 + drift; it never
// reads below 0. When the fault ends the clock reads real time again. The
// node's timers fire when its own clock reaches their deadlines
// (sim/net/node_clock.h). At least one of skew and drift is nonzero. Where
// clock faults overlap on a node, the one listed last wins.
struct ClockFault {
  ReplicaIndex replica = 0;  // YAML `node`
  Duration at = 0;
  std::optional<Duration> until = std::nullopt;  // > at; none: to the end of the run
  Duration skew = 0;                             // signed
  std::int32_t drift_ppm = 0;                    // YAML `drift`, a signed number, |drift| <= 0.5
  bool operator==(const ClockFault&) const = default;
};
inline constexpr std::int32_t clock_drift_ppm_max = 500'000;
enum class DiskFaultKind : std::uint8_t { corrupt, torn, slow, full };
// {type: disk, node, at, until, fault, count | latency | capacity_bytes}: a
// fault of the node's simulated disk (sim/disk/sim_disk.h).
//   corrupt: at `at`, flips `count` random bits of synced data (an instant:
//            no until);
//   torn:    while active, a crash tears the last unsynced append of each file;
//   slow:    while active, every sync and sync_dir costs `latency`;
//   full:    while active, appends fail once the files hold capacity_bytes,
//            or every append without it.
// No `until` (torn, slow, full) means to the end of the run.
struct DiskFault {
  ReplicaIndex replica = 0;  // YAML `node`
  DiskFaultKind kind = DiskFaultKind::corrupt;  // YAML `fault`
  Duration at = 0;
  std::optional<Duration> until = std::nullopt;  // > at; never for corrupt
  std::uint32_t bit_flip_count = 1;              // YAML `count`, corrupt: 1..1024
  Duration sync_latency = 0;                     // YAML `latency`, slow: > 0 (required)
  std::optional<std::uint64_t> capacity_bytes = std::nullopt;  // full
  bool operator==(const DiskFault&) const = default;
};
using Fault =
    std::variant<CrashFault, RestartFault, PartitionFault, CutFault, LinkFault, ClogFault, DiskFault, ClockFault>;

// YAML `random_faults.partitions:`: partitions drawn from the run seed's
// stream "faults/random_partitions" (see random_partition_schedule in
// sim/net/network.h). Each isolates 1..isolated_count_max random replicas from
// the rest; they never overlap and all start and heal within [start, stop].
// YAML names: mean_interval, mean_duration, start, stop, max_isolated, in_flight.
struct RandomPartitionsConfig {
  Duration mean_interval = 0;            // > 0: mean healthy gap before each partition
  Duration mean_duration = 0;            // > 0: mean length of a partition
  Duration start = 0;
  Duration stop = 0;                     // > start; the loader's default: the run's duration
  std::uint32_t isolated_count_max = 0;  // 1..replicas-1; the loader's default: faulty
  InFlight in_flight = InFlight::drop;   // of every partition drawn
  bool operator==(const RandomPartitionsConfig&) const = default;
};
// YAML `random_faults.disk:`: disk faults drawn per node from the run
// seed's stream "faults/random_disk/<node>" (see random_disk_fault_schedule
// in sim/disk/disk_fault_schedule.h). At least one of corrupt_rate and torn.
// YAML names: nodes, corrupt_rate, corrupt_count, torn, start, stop.
struct RandomDiskConfig {
  std::vector<ReplicaIndex> replicas = {};  // distinct; the loader's default: every replica
  std::optional<Rate> corrupt_rate = std::nullopt;  // per node: corruptions (Poisson), > 0
  std::uint32_t bit_flip_count = 1;    // bits flipped per corruption, 1..1024
  bool torn = false;                   // every crash of these nodes in [start, ...) tears
  Duration start = 0;
  Duration stop = 0;                   // > start; the loader's default: the run's duration
  bool operator==(const RandomDiskConfig&) const = default;
};
// YAML `random_faults:`. The swarm families are in random_faults_config.h.
struct RandomFaultsConfig {
  std::optional<RandomPartitionsConfig> partitions = std::nullopt;
  std::optional<RandomDiskConfig> disk = std::nullopt;
  std::optional<RandomCrashesConfig> crashes = std::nullopt;
  std::optional<RandomLinkWindowsConfig> cuts = std::nullopt;
  std::optional<RandomDropsConfig> drops = std::nullopt;
  std::optional<RandomLinkWindowsConfig> clogs = std::nullopt;
  std::optional<RandomDuplicatesConfig> duplicates = std::nullopt;
  std::optional<RandomClocksConfig> clocks = std::nullopt;
  std::optional<RandomByzantineConfig> byzantine = std::nullopt;
  std::optional<SwarmConfig> swarm = std::nullopt;
  bool operator==(const RandomFaultsConfig&) const = default;
  // Whether any family is configured.
  bool any() const {
    return partitions || disk || crashes || cuts || drops || clogs || duplicates || clocks || byzantine || swarm;
  }
};

enum class SafetyExpectation : std::uint8_t { holds, violated };
enum class LivenessExpectation : std::uint8_t { holds, violated, unchecked };

// YAML `expect:`. YAML names: min_commits, within, check.
// The default event_rate_max: 10,000,000 events per simulated second, or
// 100,000 x n^2 when larger (all-to-all traffic grows with n^2). The library's
// busiest 10 ms window holds under 1,000 events, 1% of the default's 100,000;
// the storm of swarm-n7 seed 119 ran 85,000 events per 2 ms and growing.
inline constexpr std::uint64_t event_rate_max_default(std::uint32_t replica_count) {
  const std::uint64_t n = replica_count;
  return n * n * 100'000 > 10'000'000 ? n * n * 100'000 : 10'000'000;
}

struct Expectations {
  SafetyExpectation safety = SafetyExpectation::holds;
  LivenessExpectation liveness = LivenessExpectation::holds;
  Height commit_height_min = 0;   // every honest replica's committed height at the end
  Duration within = 2 * ns_per_s; // liveness bound after the last fault heals, > 0
  // With safety violated: the check that must fire (a checker's name, see
  // safety_check_names in schema.h); empty accepts any safety check.
  std::string check;
  // YAML `cut_off`: the run is expected to be cut off as an event storm
  // (Scenario::event_rate_max); false: a cut-off run is not as expected.
  bool cut_off = false;

  bool operator==(const Expectations&) const = default;
};

// YAML `byzantine:` entries: the replica runs a ByzantineActor with these behaviours.
struct ByzantineSpec {
  ReplicaIndex replica = 0;  // YAML `node`
  std::vector<ByzantineBehavior> behaviors = {};  // YAML `behavior`: a name or a list
  ByzantineParams params = {};  // YAML depth, mode, vote_for, targets (byzantine_behavior.h)
  bool operator==(const ByzantineSpec&) const = default;
};

// The whole file. YAML names: replicas, faulty.
struct Scenario {
  std::string name;             // non-empty, one line
  std::string description;      // one line
  std::uint64_t seed = 1;       // the CLI's --seed overrides it
  Duration duration = 0;        // virtual time the run lasts, > 0
  // YAML `duration_views`: the run also ends once an honest replica has
  // entered this view (after the event in which it did), >= 1.
  std::optional<View> duration_views = std::nullopt;
  // YAML `event_rate_max`: events per simulated second past which the run is
  // cut off as an event storm (sim/event_rate_guard.h), >= 100; none:
  // event_rate_max_default(replica_count).
  std::optional<std::uint64_t> event_rate_max = std::nullopt;
  std::uint32_t replica_count = 0;  // 1..256, >= 3 * faulty_count + 1
  std::uint32_t faulty_count = 0;
  CryptoKind crypto = CryptoKind::ed25519;
  ProtocolConfig protocol;
  NetworkConfig network;
  ClientsConfig clients;
  StorageConfig storage;
  std::vector<Fault> faults;    // in file order
  RandomFaultsConfig random_faults;  // materialised per run seed, after `faults`
  std::vector<ByzantineSpec> byzantine;  // at most faulty_count unless allow_more_faulty
  bool allow_more_faulty = false;
  Expectations expect;

  bool operator==(const Scenario&) const = default;
};

// Reads and validates a scenario file. `overrides` are "key.path=value"
// strings (the CLI's --set), applied in order to the YAML tree before
// validation; see apply rules in docs/scenario_schema.md. Errors:
// io_error when the file cannot be read, malformed for YAML syntax,
// invalid_argument for everything else; the message names the place.
Result<Scenario> load_scenario_file(const std::string& path, const std::vector<std::string>& overrides);

// As load_scenario_file, for text already in memory; `source_name` stands in
// for the path in messages.
Result<Scenario> load_scenario_string(std::string_view yaml_text, std::string_view source_name,
                                      const std::vector<std::string>& overrides);

// The YAML spellings, for messages and CSV.
std::string_view distribution_name(DistributionKind kind);
std::string_view client_mode_name(ClientMode mode);
std::string_view key_distribution_name(KeyDistribution distribution);
std::string_view expect_name(SafetyExpectation expectation);
std::string_view expect_name(LivenessExpectation expectation);
std::string_view fault_type_name(const Fault& fault);  // "crash", ..., "link", "clog", "disk", "clock"
std::string_view disk_fault_kind_name(DiskFaultKind kind);  // "corrupt", "torn", "slow", "full"

// When a fault starts, and when it ends (crash, restart and disk corrupt are
// instants, and a partition, cut, link or disk fault without `until` never
// ends: none). For a view-keyed fault these say nothing (0 and none): its
// views are fault_at_view and fault_until_view.
Duration fault_at(const Fault& fault);
std::optional<Duration> fault_until(const Fault& fault);
std::optional<View> fault_at_view(const Fault& fault);
std::optional<View> fault_until_view(const Fault& fault);
// The filter of a partition, cut, link or clog; nullptr for other faults.
const MessageFilter* fault_filter(const Fault& fault);

// The fault's groups plus, when some replica is in none of them (neither
// plainly nor as twin instances), one more group of those replicas in
// increasing order.
std::vector<std::vector<ReplicaIndex>> partition_groups_with_rest(const PartitionFault& fault,
                                                                  std::uint32_t replica_count);

}  // namespace bftsim
