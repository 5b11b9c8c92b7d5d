// The interface every online checker implements. The simulation feeds each
// observation to every checker in a fixed order (so the first violation of a
// run is the same every time) and stops the run at the first safety
// violation. A checker overrides only the observations it needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/crypto/hash.h"
#include "core/protocol/messages.h"
#include "core/types/ids.h"
#include "sim/check/violation.h"

namespace bftsim {

// An honest replica committed `batch` as block `block_hash` at `height`.
struct CommitObservation {
  ReplicaIndex replica = 0;
  Height height = 0;
  const Hash32& block_hash;
  const Hash32& parent_hash;
  const Hash32& state_digest;
  const std::vector<ClientRequest>& batch;
  std::uint64_t event_index = 0;
  Instant at = 0;
};

class Checker {
 public:
  virtual ~Checker() = default;
  // A client sent `request`.
  virtual std::optional<Violation> on_issue(const ClientRequest& /*request*/) { return std::nullopt; }
  // An honest replica sent `vote`.
  virtual std::optional<Violation> on_vote(ReplicaIndex /*replica*/, const Vote& /*vote*/) { return std::nullopt; }
  // An honest replica sent `message` (a vote also reaches on_vote).
  virtual std::optional<Violation> on_send(ReplicaIndex /*replica*/, const Message& /*message*/) {
    return std::nullopt;
  }
  virtual std::optional<Violation> on_commit(const CommitObservation& /*commit*/) { return std::nullopt; }
  // An honest replica replied that it applied (client, number) at reply.height.
  virtual std::optional<Violation> on_reply(ReplicaIndex /*replica*/, const ClientReply& /*reply*/) {
    return std::nullopt;
  }
  // An honest replica restarted (or installed a state) at `height`.
  virtual std::optional<Violation> on_recover(ReplicaIndex /*replica*/, Height /*height*/,
                                              const Hash32& /*block_hash*/, const Hash32& /*state_digest*/) {
    return std::nullopt;
  }
  // The run ended at `end` after `event_index` events (for end-of-run checks).
  virtual std::optional<Violation> finish(Instant /*end*/, std::uint64_t /*event_index*/) { return std::nullopt; }
};

}  // namespace bftsim
