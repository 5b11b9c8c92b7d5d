// ReplyQuorum: a client's rule for trusting an answer. It keeps the first
// reply from each replica to one request and decides when faulty+1 distinct
// replicas sent the same result at the same height: at least one of them is
// honest, so up to `faulty` lying replicas cannot make a client accept a
// result the cluster did not commit. For a batch of N operations the rule
// holds per operation: each operation's result is accepted once faulty+1
// replicas report that result for it at the same height (a batch commits at
// one height). Plain value; no threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/protocol/messages.h"

namespace bftsim::runner {

class ReplyQuorum {
 public:
  // batch_ops: the number of operations of the batch the request carries, or
  // 0 for a request of one operation.
  explicit ReplyQuorum(std::uint32_t faulty, std::size_t batch_ops = 0) : faulty_(faulty), batch_ops_(batch_ops) {}
  // `from` is the replica whose connection delivered `reply`; a reply that
  // names another replica, or a second one from the same replica, is ignored.
  // Returns the agreed reply once faulty+1 replicas match (for a batch: once
  // every operation has faulty+1 matching results; the reply then holds
  // those results).
  std::optional<ClientReply> add(ReplicaIndex from, const ClientReply& reply);
  std::size_t reply_count() const { return replies_.size(); }
  // True when the replies so far disagree (some replica answered differently).
  bool disagreement() const;

 private:
  std::optional<ClientReply> agreed_batch(const ClientReply& latest) const;

  std::uint32_t faulty_;
  std::size_t batch_ops_;
  std::map<ReplicaIndex, ClientReply> replies_;
};

}  // namespace bftsim::runner
