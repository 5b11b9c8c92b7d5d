#include "sim/check/integrity_checker.h"

#include <fmt/format.h>

namespace bftsim {

std::optional<Violation> IntegrityChecker::on_issue(const ClientRequest& request) {
  issued_.emplace(Key{0, request.client, request.number}, request.op);
  return std::nullopt;
}

std::optional<Violation> IntegrityChecker::on_commit(ReplicaIndex replica, Height height,
                                                     const std::vector<ClientRequest>& batch) {
  for (const ClientRequest& request : batch) {
    auto it = issued_.find(Key{0, request.client, request.number});
    if (it == issued_.end() || it->second != request.op)
      return Violation{"integrity", 0, 0,
                       fmt::format("replica {} committed request {}/{} at height {} that no client sent",
                                   replica, request.client, request.number, height),
                       {replica}, {}};
  }
  return std::nullopt;
}

std::optional<Violation> IntegrityChecker::on_reply(ReplicaIndex replica, const ClientReply& reply) {
  const auto [it, first] =
      applied_at_.emplace(Key{replica, reply.client, reply.number}, reply.height);
  if (first || it->second == reply.height) return std::nullopt;
  return Violation{"integrity", 0, 0,
                   fmt::format("replica {} applied request {}/{} at height {} and again at height {}", replica,
                               reply.client, reply.number, it->second, reply.height),
                   {replica}, {}};
}

}  // namespace bftsim
