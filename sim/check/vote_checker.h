// VoteChecker ("double_vote"): no honest replica votes for two blocks in one
// view.
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

 private:
  std::map<std::pair<ReplicaIndex, View>, Hash32> voted_for_;
};

}  // namespace bftsim
