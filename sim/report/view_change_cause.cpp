// Names the cause of a failed view (view_change_cause.h).
#include "sim/report/view_change_cause.h"

#include <algorithm>
#include <array>

namespace bftsim {

ViewChangeCause classify_view_change(const ViewChangeFacts& facts) {
  if (facts.leader_crashed) return ViewChangeCause::leader_crashed;
  if (facts.leader_behaviors) {
    const auto has = [&](ByzantineBehavior b) {
      return std::find(facts.leader_behaviors->begin(), facts.leader_behaviors->end(), b) !=
             facts.leader_behaviors->end();
    };
    if (has(ByzantineBehavior::equivocate) || has(ByzantineBehavior::twins) || has(ByzantineBehavior::fork))
      return ViewChangeCause::equivocation;
    if (has(ByzantineBehavior::silent) || has(ByzantineBehavior::withhold_proposals) ||
        has(ByzantineBehavior::delay_proposals))
      return ViewChangeCause::leader_silent_or_slow;
    return ViewChangeCause::leader_byzantine;
  }
  if (facts.partition_active) return ViewChangeCause::partition;
  if (facts.leader_disk_slow) return ViewChangeCause::slow_disk;
  if (facts.lossy) return ViewChangeCause::message_loss;
  return ViewChangeCause::unknown;
}

std::string_view view_change_cause_name(ViewChangeCause cause) {
  static constexpr std::array<std::string_view, 8> names = {
      "leader_crashed", "equivocation", "leader_silent_or_slow", "leader_byzantine",
      "partition",      "slow_disk",    "message_loss",          "unknown"};
  return names[static_cast<std::size_t>(cause)];
}

}  // namespace bftsim
