// VoteChecker ("double_vote"): no honest replica votes for two blocks in one
// view; ("timeout_vote"): no honest replica votes in a view after it sent a
// timeout for it (a timeout promises the view is over for its sender: the TC
// built from it claims its sender's highest QC, which a later vote of that
// view could outdate).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
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
  std::map<std::pair<ReplicaIndex, View>, Hash32> voted_for_;
  std::map<ReplicaIndex, View> timed_out_;  // per replica, the highest view it sent a timeout for
};

}  // namespace bftsim
