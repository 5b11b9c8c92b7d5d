// f+1 matching replies (reply_quorum.h).
#include "runner/reply_quorum.h"

namespace bftsim::runner {

std::optional<ClientReply> ReplyQuorum::add(ReplicaIndex from, const ClientReply& reply) {
  if (reply.replica != from) return std::nullopt;
  if (!replies_.emplace(from, reply).second) return std::nullopt;
  if (batch_ops_ != 0) return agreed_batch(reply);
  std::uint32_t matching = 0;
  for (const auto& [replica, other] : replies_)
    if (other.result == reply.result && other.height == reply.height) ++matching;
  if (matching >= faulty_ + 1) return reply;
  return std::nullopt;
}

std::optional<ClientReply> ReplyQuorum::agreed_batch(const ClientReply& latest) const {
  ClientReply agreed = latest;
  agreed.result = OpResult{.status = ResultStatus::ok, .value = std::nullopt};
  agreed.result.results.resize(batch_ops_);
  for (std::size_t op = 0; op < batch_ops_; ++op) {
    bool found = false;
    for (const auto& [replica, candidate] : replies_) {
      if (candidate.result.results.size() != batch_ops_) continue;  // not an answer to this batch
      std::uint32_t matching = 0;
      for (const auto& [other_replica, other] : replies_)
        if (other.result.results.size() == batch_ops_ && other.height == candidate.height &&
            other.result.results[op] == candidate.result.results[op])
          ++matching;
      if (matching < faulty_ + 1) continue;
      agreed.result.results[op] = candidate.result.results[op];
      agreed.height = candidate.height;
      found = true;
      break;
    }
    if (!found) return std::nullopt;
  }
  return agreed;
}

bool ReplyQuorum::disagreement() const {
  for (const auto& [replica, reply] : replies_) {
    const ClientReply& first = replies_.begin()->second;
    if (reply.result != first.result || reply.height != first.height) return true;
  }
  return false;
}

}  // namespace bftsim::runner
