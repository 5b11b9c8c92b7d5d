// Which key patterns of the schema are maps, for --set (schema.h).
#include "sim/scenario/schema.h"

namespace bftsim::loader {

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
  if (pattern == "random_faults.crashes") return Keys(random_crashes_keys);
  if (pattern == "random_faults.cuts" || pattern == "random_faults.clogs") return Keys(random_windows_keys);
  if (pattern == "random_faults.drops") return Keys(random_drops_keys);
  if (pattern == "random_faults.duplicates") return Keys(random_duplicates_keys);
  if (pattern == "random_faults.clocks") return Keys(random_clocks_keys);
  if (pattern == "random_faults.byzantine") return Keys(random_byzantine_keys);
  if (pattern == "random_faults.swarm") return Keys(swarm_keys);
  if (pattern == "expect") return Keys(expect_keys);
  if (pattern == "byzantine[]") return Keys(byzantine_keys);
  return std::nullopt;
}

}  // namespace bftsim::loader
