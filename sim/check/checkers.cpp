#include "sim/check/checkers.h"

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/units.h"

namespace bftsim {

AgreementChecker::AgreementChecker(std::uint32_t replica_count)
    : height_of_(replica_count, 0), last_hash_of_(replica_count) {}

std::optional<Violation> AgreementChecker::on_commit(ReplicaIndex replica, Height height,
                                                     const Hash32& block_hash,
                                                     const Hash32& parent_hash,
                                                     const Hash32& state_digest,
                                                     std::uint64_t event_index, Instant at) {
  BFTSIM_ASSERT(replica < height_of_.size());
  const Height previous = height_of_[replica];
  if (height != previous + 1 || (previous > 0 && parent_hash != last_hash_of_[replica])) {
    return Violation{"chain", event_index, at,
                     fmt::format("replica {} committed block {} at height {} after height {} "
                                 "(block {}), which is not its parent",
                                 replica, block_hash.short_hex(), height, previous,
                                 last_hash_of_[replica].short_hex()),
                     {replica}, {}};
  }
  height_of_[replica] = height;
  last_hash_of_[replica] = block_hash;
  auto [it, first] = decided_.emplace(height, Decided{block_hash, state_digest, replica});
  if (first) return std::nullopt;
  const Decided& decided = it->second;
  if (decided.block_hash != block_hash) {
    return Violation{"agreement", event_index, at,
                     fmt::format("at height {} replica {} committed block {} but replica {} "
                                 "committed block {}",
                                 height, replica, block_hash.short_hex(), decided.first_replica,
                                 decided.block_hash.short_hex()),
                     {decided.first_replica, replica}, {}};
  }
  if (decided.state_digest != state_digest) {
    return Violation{"state_agreement", event_index, at,
                     fmt::format("at height {} (block {}) replica {} has state digest {} but "
                                 "replica {} has {}",
                                 height, block_hash.short_hex(), replica, state_digest.short_hex(),
                                 decided.first_replica, decided.state_digest.short_hex()),
                     {decided.first_replica, replica}, {}};
  }
  return std::nullopt;
}

std::optional<Violation> AgreementChecker::on_recover(ReplicaIndex replica, Height height,
                                                      const Hash32& block_hash, const Hash32& state_digest) {
  BFTSIM_ASSERT(replica < height_of_.size());
  height_of_[replica] = height;
  last_hash_of_[replica] = height == 0 ? Hash32{} : block_hash;
  if (height == 0) return std::nullopt;
  auto it = decided_.find(height);
  if (it == decided_.end()) {
    return Violation{"recovery", 0, 0,
                     fmt::format("replica {} recovered height {} (block {}), which no replica committed",
                                 replica, height, block_hash.short_hex()),
                     {replica}, {}};
  }
  if (it->second.block_hash != block_hash || it->second.state_digest != state_digest) {
    return Violation{"recovery", 0, 0,
                     fmt::format("replica {} recovered block {} with state {} at height {}, but the cluster "
                                 "decided block {} with state {}",
                                 replica, block_hash.short_hex(), state_digest.short_hex(), height,
                                 it->second.block_hash.short_hex(), it->second.state_digest.short_hex()),
                     {replica}, {}};
  }
  return std::nullopt;
}

void IntegrityChecker::on_issue(const ClientRequest& request) {
  issued_.emplace(std::make_pair(request.client, request.number), request.op);
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
  const auto [it, first] =
      applied_at_.emplace(std::make_tuple(replica, reply.client, reply.number), reply.height);
  if (first || it->second == reply.height) return std::nullopt;
  return Violation{"integrity", 0, 0,
                   fmt::format("replica {} applied request {}/{} at height {} and again at height {}", replica,
                               reply.client, reply.number, it->second, reply.height),
                   {replica}, {}};
}

std::optional<Violation> VoteChecker::on_vote(ReplicaIndex replica, const Vote& vote) {
  const auto [it, first] = voted_for_.emplace(std::make_pair(replica, vote.view), vote.block_hash);
  if (first || it->second == vote.block_hash) return std::nullopt;
  return Violation{"double_vote", 0, 0,
                   fmt::format("honest replica {} voted for block {} and block {} in view {}", replica,
                               it->second.short_hex(), vote.block_hash.short_hex(), vote.view),
                   {replica}, {}};
}

void LivenessChecker::on_progress(Instant at) {
  if (at > gst_) {
    const Instant from = std::max(last_progress_, gst_);
    if (at - from > longest_stall_) {
      longest_stall_ = at - from;
      longest_stall_end_ = at;
    }
  }
  last_progress_ = at;
}

std::optional<Violation> LivenessChecker::finish(Instant end, std::uint64_t event_index) const {
  Duration longest = longest_stall_;
  Instant longest_end = longest_stall_end_;
  if (end > gst_) {
    const Instant from = std::max(last_progress_, gst_);
    if (end - from > longest) {
      longest = end - from;
      longest_end = end;
    }
  }
  if (longest <= within_) return std::nullopt;
  const std::string since = has_faults_ ? fmt::format("after the last fault ended at {}", format_duration(gst_))
                                        : std::string("counted from the start (the run has no faults)");
  return Violation{"liveness", event_index, longest_end,
                   fmt::format("no honest replica committed a new block for {} (from {} to {}) {}; the bound is {}",
                               format_duration(longest), format_duration(longest_end - longest),
                               format_duration(longest_end), since, format_duration(within_)),
                   {}, {}};
}

}  // namespace bftsim
