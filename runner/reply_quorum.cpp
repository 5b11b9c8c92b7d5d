// f+1 matching replies (reply_quorum.h).
#include "runner/reply_quorum.h"

namespace bftsim::runner {

std::optional<ClientReply> ReplyQuorum::add(ReplicaIndex from, const ClientReply& reply) {
  if (reply.replica != from) return std::nullopt;
  if (!replies_.emplace(from, reply).second) return std::nullopt;
  std::uint32_t matching = 0;
  for (const auto& [replica, other] : replies_)
    if (other.result == reply.result && other.height == reply.height) ++matching;
  if (matching >= faulty_ + 1) return reply;
  return std::nullopt;
}

bool ReplyQuorum::disagreement() const {
  for (const auto& [replica, reply] : replies_) {
    const ClientReply& first = replies_.begin()->second;
    if (reply.result != first.result || reply.height != first.height) return true;
  }
  return false;
}

}  // namespace bftsim::runner
