// IntegrityChecker ("integrity"): committed requests are ones clients sent,
// unchanged, and each replica applies a request at one height only.
// Its tables are hash tables looked up per request and reply, never iterated,
// so their order reaches no output (they were ordered maps: 3% of the
// fast-crypto demo's CPU went to their lookups).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
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
  // A request (client, number), with the replica that applied it (0 in issued_).
  struct Key {
    ReplicaIndex replica = 0;
    ClientId client = 0;
    RequestNumber number = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      std::uint64_t h = key.client * 0x9E3779B97F4A7C15ULL ^ key.number;
      h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL ^ key.replica;
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
  };
  std::unordered_map<Key, Operation, KeyHash> issued_;
  std::unordered_map<Key, Height, KeyHash> applied_at_;
};

}  // namespace bftsim
