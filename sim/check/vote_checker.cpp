#include "sim/check/vote_checker.h"

#include <fmt/format.h>

namespace bftsim {

std::optional<Violation> VoteChecker::on_vote(ReplicaIndex replica, const Vote& vote) {
  const auto [it, first] = voted_for_.emplace(std::make_pair(replica, vote.view), vote.block_hash);
  if (first || it->second == vote.block_hash) return std::nullopt;
  return Violation{"double_vote", 0, 0,
                   fmt::format("honest replica {} voted for block {} and block {} in view {}", replica,
                               it->second.short_hex(), vote.block_hash.short_hex(), vote.view),
                   {replica}, {}};
}

}  // namespace bftsim
