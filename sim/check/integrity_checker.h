// IntegrityChecker ("integrity"): committed requests are ones clients sent,
// unchanged, and each replica applies a request at one height only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "sim/check/checker.h"

namespace bftsim {

class IntegrityChecker final : public Checker {
 public:
  // A client sent this request.
  std::optional<Violation> on_issue(const ClientRequest& request) override;
  // An honest replica committed `batch` at `height`.
  std::optional<Violation> on_commit(const CommitObservation& commit) override {
    return on_commit(commit.replica, commit.height, commit.batch);
  }
  std::optional<Violation> on_commit(ReplicaIndex replica, Height height,
                                     const std::vector<ClientRequest>& batch);
  // An honest replica replied that it applied (client, number) at `height`.
  std::optional<Violation> on_reply(ReplicaIndex replica, const ClientReply& reply) override;

 private:
  std::map<std::pair<ClientId, RequestNumber>, Operation> issued_;
  std::map<std::tuple<ReplicaIndex, ClientId, RequestNumber>, Height> applied_at_;
};

}  // namespace bftsim
