#include "sim/check/integrity_checker.h"

#include <fmt/format.h>

namespace bftsim {

std::optional<Violation> IntegrityChecker::on_issue(const ClientRequest& request) {
  issued_.emplace(std::make_pair(request.client, request.number), request.op);
  return std::nullopt;
}

std::optional<Violation> IntegrityChecker::on_commit(ReplicaIndex replica, Height height,
                                                     const std::vector<ClientRequest>& batch) {
  for (const ClientRequest& request : batch) {
    auto it = issued_.find({request.client, request.number});
    if (it == issued_.end() || it->second != request.op)
      return Violation{"integrity", 0, 0,
                       fmt::format("replica {} committed request {}/{} at height {} that no client sent",
                                   replica, request.client, request.number, height),
                       {replica}, {}};
  }
  return std::nullopt;
}

std::optional<Violation> IntegrityChecker::on_reply(ReplicaIndex replica, const ClientReply& reply) {
  auto [it, first] = applied_.try_emplace({reply.client, reply.number});
  Applied& applied = it->second;
  if (first) applied.height = reply.height;
  const std::size_t word = replica / 64;
  const std::uint64_t bit = std::uint64_t{1} << (replica % 64);
  if (applied.at_height.size() <= word) applied.at_height.resize(word + 1, 0);
  const bool at_height = (applied.at_height[word] & bit) != 0;
  auto other = applied.others.find(replica);
  std::optional<Height> before;  // the height this replica replied with before
  if (at_height) before = applied.height;
  if (other != applied.others.end()) before = other->second;
  if (before) {
    if (*before == reply.height) return std::nullopt;
    return Violation{"integrity", 0, 0,
                     fmt::format("replica {} applied request {}/{} at height {} and again at height {}", replica,
                                 reply.client, reply.number, *before, reply.height),
                     {replica}, {}};
  }
  if (reply.height == applied.height) {
    applied.at_height[word] |= bit;
  } else {
    applied.others.emplace(replica, reply.height);
  }
  return std::nullopt;
}

}  // namespace bftsim
