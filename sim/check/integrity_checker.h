// IntegrityChecker ("integrity"): committed requests are ones clients sent,
// unchanged, and each replica applies a request at one height only. Every
// replica replies to every request, so at n = 1,000 a map keyed by (replica,
// request) held a thousand nodes per request and was a tenth of a run's CPU:
// a request keeps the height its first replier gave, a bit per replica that
// gave that height, and only the replicas that gave another.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <optional>
#include <vector>

#include "core/types/request_key.h"
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
  // Looked up per committed request, never iterated (a std::map's lookups
  // were 1% of the fast-crypto demo's CPU).
  std::unordered_map<RequestKey, Operation, RequestKeyHash> issued_;
  struct Applied {
    Height height;                          // the first reply's
    std::vector<std::uint64_t> at_height;   // bit r: replica r replied with `height`
    std::map<ReplicaIndex, Height> others;  // replicas that replied with another height
  };
  std::unordered_map<RequestKey, Applied, RequestKeyHash> applied_;
};

}  // namespace bftsim
