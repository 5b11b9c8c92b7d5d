// One reader per section of a scenario file: each checks the section's
// kind, rejects unknown keys, then reads its keys in schema order into the
// Scenario. read_scenario (scenario.cpp) calls them in file order.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_tree.h"

namespace bftsim::loader {

Status read_protocol(const YamlNode& map, std::string_view path, ProtocolConfig& out);

Status read_storage(const YamlNode& map, std::string_view path, StorageConfig& out);

Status read_latency(const YamlNode& map, std::string_view path, LatencyDistribution& out);

Status read_network(const YamlNode& map, std::string_view path, NetworkConfig& out);

Status read_clients(const YamlNode& map, std::string_view path, ClientsConfig& out);

Status read_expect(const YamlNode& map, std::string_view path, Expectations& out);

// `byzantine: [{node: i, behavior: name | [names]}]`, one entry per replica.
Status read_byzantine(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                      std::vector<ByzantineSpec>& out);

// The parameters beside `behavior` in one byzantine entry (byzantine_params.cpp).
Status read_byzantine_params(const YamlNode& map, std::string_view entry_path, std::uint32_t replica_count,
                             ByzantineSpec& spec);

Status read_faults(const YamlNode& list, std::string_view path, std::uint32_t replica_count,
                   std::vector<Fault>& out);

// `random_faults: {partitions: {...}, disk: {...}, ...}`.
Status read_random_faults(const YamlNode& map, std::string_view path, const Scenario& scenario,
                          RandomFaultsConfig& out);

// The swarm families of `random_faults` (crashes, cuts, drops, clogs,
// duplicates, clocks, byzantine, swarm; random_faults.cpp).
Status read_swarm_families(const YamlNode& map, std::string_view path, const Scenario& scenario,
                           RandomFaultsConfig& out);

// After `byzantine:` is read: random_faults.byzantine's max_nodes default
// (faulty minus the listed Byzantine replicas) and its bound.
Status finish_random_byzantine(const YamlNode& root, Scenario& scenario);

}  // namespace bftsim::loader
