// Which instance of a `twins` replica hears whom. A partition that places a
// twin's instances (`3a`, `3b`) decides per instance, while it applies to the
// message (VirtualNetwork::placed_reach); otherwise each twin instance talks
// to a fixed half of the honest replicas (the first half, in index order, to
// instance 0) and to the same instance of another twin. Replicas with one
// instance, and clients, are reached as themselves.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/net/network.h"

namespace bftsim {

class TwinRouting {
 public:
  // By replica: its instances (2 for twins, else 1) and whether it is honest.
  TwinRouting(std::vector<std::uint8_t> instance_counts, const std::vector<bool>& honest);

  // Endpoints past the replicas (clients) have one instance.
  std::uint8_t instance_count(EndpointIndex endpoint) const {
    return endpoint < instance_counts_.size() ? instance_counts_[endpoint] : 1;
  }

  // Whether instance `from_instance` of `from` reaches instance `to_instance`
  // of `to` for a message tagged `tag`, given the partitions active in `network`.
  bool reaches(const VirtualNetwork& network, EndpointIndex from, std::uint8_t from_instance, EndpointIndex to,
               std::uint8_t to_instance, const MessageTag& tag) const;

 private:
  std::vector<std::uint8_t> instance_counts_;
  std::vector<bool> honest_;
  std::vector<std::uint8_t> side_;  // by honest replica: the twin instance it talks to
};

}  // namespace bftsim
