// The cluster file bft-node and bft-client share (README "Running a
// cluster"): chain id, f, the protocol settings under the scenario format's
// names, and each replica's id, peer address, client port and Ed25519 public
// key. The loader is strict: an unknown key, a missing one, a wrong type or a
// broken constraint is an error naming the file, line and key path. Plain
// values; no threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/consensus/replica_config.h"
#include "core/crypto/ed25519.h"
#include "core/types/result.h"

namespace bftsim::runner {

struct ReplicaAddress {
  ReplicaIndex id = 0;
  std::string host;
  std::uint16_t port = 0;         // peers connect here
  std::uint16_t client_port = 0;  // bft-client and RESP clients connect here
  Ed25519PublicKey public_key;
};

struct ClusterConfig {
  std::string chain_id = "bftsim";
  std::uint32_t faulty = 0;
  // batch_size, view_timeout, timeout_multiplier, view_timeout_max, vote_to,
  // block_retention, propose_before_sync, commit_rule as in a scenario's `protocol` map;
  // index is unset here. bft-node proposes before the sync unless the file
  // says `propose_before_sync: false`.
  ReplicaConfig protocol = [] {
    ReplicaConfig config;
    config.propose_before_sync = true;
    return config;
  }();
  std::vector<ReplicaAddress> replicas;  // ascending by id, ids 0..n-1

  std::uint32_t replica_count() const { return static_cast<std::uint32_t>(replicas.size()); }
  // The protocol settings for replica `index`, with signed client requests required.
  ReplicaConfig replica_config(ReplicaIndex index) const;
  std::vector<Ed25519PublicKey> public_keys() const;
};

Result<ClusterConfig> parse_cluster_config(const std::string& text, const std::string& source_name);
Result<ClusterConfig> load_cluster_config(const std::string& path);

// "<decimal><unit>" with unit ns, us, ms or s ("500ms", "1.5s"); whole ns only.
Result<std::int64_t> parse_duration_ns(const std::string& text);

}  // namespace bftsim::runner
