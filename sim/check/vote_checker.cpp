#include "sim/check/vote_checker.h"

#include <algorithm>

#include <fmt/format.h>

namespace bftsim {

std::optional<Violation> VoteChecker::on_vote(ReplicaIndex replica, const Vote& vote) {
  if (replica < timed_out_.size() && timed_out_[replica] && vote.view <= *timed_out_[replica])
    return Violation{"timeout_vote", 0, 0,
                     fmt::format("honest replica {} voted for block {} in view {} after it sent a timeout for view {}",
                                 replica, vote.block_hash.short_hex(), vote.view, *timed_out_[replica]),
                     {replica}, {}};
  if (voted_for_.size() <= replica) voted_for_.resize(replica + 1);
  auto& votes = voted_for_[replica];
  auto it = votes.empty() || votes.back().first < vote.view
                ? votes.end()
                : std::lower_bound(votes.begin(), votes.end(), vote.view,
                                   [](const std::pair<View, Hash32>& entry, View view) { return entry.first < view; });
  if (it == votes.end() || it->first != vote.view) {
    votes.insert(it, {vote.view, vote.block_hash});
    return std::nullopt;
  }
  if (it->second == vote.block_hash) return std::nullopt;
  return Violation{"double_vote", 0, 0,
                   fmt::format("honest replica {} voted for block {} and block {} in view {}", replica,
                               it->second.short_hex(), vote.block_hash.short_hex(), vote.view),
                   {replica}, {}};
}

std::optional<Violation> VoteChecker::on_send(ReplicaIndex replica, const Message& message) {
  if (const auto* timeout = std::get_if<Timeout>(&message)) {
    if (timed_out_.size() <= replica) timed_out_.resize(replica + 1);
    std::optional<View>& highest = timed_out_[replica];
    highest = std::max(highest.value_or(0), timeout->view);
  }
  return std::nullopt;
}

}  // namespace bftsim
