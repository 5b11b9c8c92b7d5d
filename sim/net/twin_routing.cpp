// Twin instance routing (twin_routing.h).
#include "sim/net/twin_routing.h"

#include "core/types/assert.h"

namespace bftsim {

TwinRouting::TwinRouting(std::vector<std::uint8_t> instance_counts, const std::vector<bool>& honest)
    : instance_counts_(std::move(instance_counts)), honest_(honest), side_(honest.size(), 0) {
  BFTSIM_ASSERT(instance_counts_.size() == honest_.size());
  std::uint32_t honest_count = 0;
  for (bool h : honest_) honest_count += h;
  std::uint32_t seen = 0;
  for (std::size_t r = 0; r < honest_.size(); ++r)
    if (honest_[r]) side_[r] = seen++ < (honest_count + 1) / 2 ? 0 : 1;
}

bool TwinRouting::reaches(const VirtualNetwork& network, EndpointIndex from, std::uint8_t from_instance,
                          EndpointIndex to, std::uint8_t to_instance, const MessageTag& tag) const {
  const auto replica_count = instance_counts_.size();
  if (from >= replica_count || to >= replica_count) return true;
  if (const std::optional<bool> placed = network.placed_reach(from, from_instance, to, to_instance, tag))
    return *placed;
  if (instance_count(to) > 1) {
    const std::uint8_t instance = honest_[from] ? side_[from] : from_instance;
    return to_instance == (instance < instance_count(to) ? instance : 0);
  }
  if (instance_count(from) > 1 && honest_[to]) return side_[to] == from_instance;
  return true;
}

}  // namespace bftsim
