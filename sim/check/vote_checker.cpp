#include "sim/check/vote_checker.h"

#include <algorithm>

#include <fmt/format.h>

namespace bftsim {

std::optional<Violation> VoteChecker::on_vote(ReplicaIndex replica, const Vote& vote) {
  if (auto it = timed_out_.find(replica); it != timed_out_.end() && vote.view <= it->second)
    return Violation{"timeout_vote", 0, 0,
                     fmt::format("honest replica {} voted for block {} in view {} after it sent a timeout for view {}",
                                 replica, vote.block_hash.short_hex(), vote.view, it->second),
                     {replica}, {}};
  const auto [it, first] = voted_for_.emplace(std::make_pair(replica, vote.view), vote.block_hash);
  if (first || it->second == vote.block_hash) return std::nullopt;
  return Violation{"double_vote", 0, 0,
                   fmt::format("honest replica {} voted for block {} and block {} in view {}", replica,
                               it->second.short_hex(), vote.block_hash.short_hex(), vote.view),
                   {replica}, {}};
}

std::optional<Violation> VoteChecker::on_send(ReplicaIndex replica, const Message& message) {
  if (const auto* timeout = std::get_if<Timeout>(&message)) {
    View& highest = timed_out_[replica];
    highest = std::max(highest, timeout->view);
  }
  return std::nullopt;
}

}  // namespace bftsim
