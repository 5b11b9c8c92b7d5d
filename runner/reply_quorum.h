// ReplyQuorum: a client's rule for trusting an answer. It keeps the first
// reply from each replica to one request and decides when faulty+1 distinct
// replicas sent the same result at the same height: at least one of them is
// honest, so up to `faulty` lying replicas cannot make a client accept a
// result the cluster did not commit. Plain value; no threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/protocol/messages.h"

namespace bftsim::runner {

class ReplyQuorum {
 public:
  explicit ReplyQuorum(std::uint32_t faulty) : faulty_(faulty) {}
  // `from` is the replica whose connection delivered `reply`; a reply that
  // names another replica, or a second one from the same replica, is ignored.
  // Returns the agreed reply once faulty+1 replicas match.
  std::optional<ClientReply> add(ReplicaIndex from, const ClientReply& reply);
  std::size_t reply_count() const { return replies_.size(); }
  // True when the replies so far disagree (some replica answered differently).
  bool disagreement() const;

 private:
  std::uint32_t faulty_;
  std::map<ReplicaIndex, ClientReply> replies_;
};

}  // namespace bftsim::runner
