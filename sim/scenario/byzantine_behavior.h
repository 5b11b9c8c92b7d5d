// The names of the Byzantine behaviours a scenario can give a replica
// (`byzantine: [{node, behavior}]`); sim/actors/byzantine.h implements them.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/types/result.h"

namespace bftsim {

enum class ByzantineBehavior : std::uint8_t {
  silent,              // runs, sends nothing (crashed but connected)
  equivocate,          // as leader: one block to half the cluster, a conflicting one to the rest
  double_vote,         // votes for its block and for a conflicting hash in the same view
  withhold_votes,
  withhold_proposals,
  delay_proposals,     // holds each proposal for 90% of the view timeout
  bad_signature,       // flips a bit in the signature of everything it signs
  forged_qc,           // proposals whose justify QC has too few signatures
  stale_replay,        // re-sends its own messages from earlier views
  bad_parent,          // proposals whose parent is not the block their QC certifies
  flood,               // many duplicate messages and block requests for unknown hashes
  twins,               // two instances with one key, each talking to half the cluster
  impersonate,         // votes that name another replica as voter, signed with its own key
  uncertified_commit,  // proposals extending an invented block under an empty QC
  unproven_new_view,   // timeouts for far-future views carrying a TC with one signature
  junk,                // undecodable frames and badly signed timeouts
  fork,                // as leader after a view change: extend a block three QCs back, below the lock
};
inline constexpr std::size_t byzantine_behavior_count = 17;

std::string_view byzantine_behavior_name(ByzantineBehavior behavior);
Result<ByzantineBehavior> parse_byzantine_behavior(std::string_view name);

}  // namespace bftsim
