// VoteChecker ("double_vote"): no honest replica votes for two blocks in one
// view; ("timeout_vote"): no honest replica votes in a view after it sent a
// timeout for it (a timeout promises the view is over for its sender: the TC
// built from it claims its sender's highest QC, which a later vote of that
// view could outdate). Every view's vote of every replica is kept: per
// replica, by view in a sorted vector (votes come in rising views, so each is
// appended), which at n = 1,000 replaced a million-node std::map.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "sim/check/checker.h"

namespace bftsim {

class VoteChecker final : public Checker {
 public:
  // An honest replica sent `vote`.
  std::optional<Violation> on_vote(ReplicaIndex replica, const Vote& vote) override;
  // Records the timeouts an honest replica sends.
  std::optional<Violation> on_send(ReplicaIndex replica, const Message& message) override;

 private:
  std::vector<std::vector<std::pair<View, Hash32>>> voted_for_;  // [replica]: by view, ascending
  std::vector<std::optional<View>> timed_out_;  // [replica]: the highest view it sent a timeout for
};

}  // namespace bftsim
