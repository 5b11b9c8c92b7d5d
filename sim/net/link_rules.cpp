// Matching messages to fault rules (link_rules.h).
#include "sim/net/link_rules.h"

#include "core/types/assert.h"

namespace bftsim {

std::optional<View> message_view(const Message& message) {
  if (const auto* proposal = std::get_if<Proposal>(&message)) return proposal->block.view;
  if (const auto* vote = std::get_if<Vote>(&message)) return vote->view;
  if (const auto* timeout = std::get_if<Timeout>(&message)) return timeout->view;
  return std::nullopt;
}

bool filter_matches(const MessageFilter& filter, const MessageTag& tag) {
  if (filter.type_mask != 0) {
    if (!tag.type) return false;
    const auto t = static_cast<std::uint32_t>(*tag.type);
    if (t == 0 || t > 32 || ((filter.type_mask >> (t - 1)) & 1u) == 0) return false;
  }
  if (filter.views) {
    if (!tag.view) return false;
    if (*tag.view < filter.views->first || *tag.view > filter.views->second) return false;
  }
  return true;
}

PartitionLayout::PartitionLayout(const PartitionFault& fault, std::uint32_t replica_count)
    : group_of(replica_count, {0, 0}), placed(replica_count, false), filter(fault.filter) {
  const auto groups = partition_groups_with_rest(fault, replica_count);
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    for (ReplicaIndex r : groups[g]) {
      BFTSIM_ASSERT(r < replica_count);
      group_of[r] = {g, g};
    }
  for (const TwinPlacement& twin : fault.twins) {
    BFTSIM_ASSERT(twin.replica < replica_count);
    BFTSIM_ASSERT(twin.group[0] < fault.groups.size() && twin.group[1] < fault.groups.size());
    group_of[twin.replica] = twin.group;
    placed[twin.replica] = true;
  }
}

}  // namespace bftsim
