#include "sim/actors/client.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {

Client::Client(ClientId id, const ClientsConfig& config, std::uint32_t faulty_count,
               std::uint64_t run_seed, const ZipfianGenerator* zipf)
    : id_(id),
      config_(config),
      faulty_count_(faulty_count),
      rng_(Rng::stream(run_seed, fmt::format("client/{}", id))),
      zipf_(zipf) {
  BFTSIM_ASSERT(config_.key_distribution == KeyDistribution::uniform || zipf_ != nullptr);
}

std::string Client::make_key() {
  const std::uint64_t index = zipf_ != nullptr ? zipf_->next(rng_)
                                               : uniform_u64(rng_, config_.key_count);
  return fmt::format("k{:07}", index);
}

std::string Client::make_value() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string value(config_.value_size_bytes, 'a');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i % 8 == 0) bits = rng_.next_u64();
    value[i] = alphabet[(bits & 0xff) % (sizeof(alphabet) - 1)];
    bits >>= 8;
  }
  return value;
}

Operation Client::make_operation() {
  if (config_.batch_ops == 1) return make_single_operation();
  // A batch of operations drawn one after another, as single requests would
  // be; with batch 1 the draws are exactly today's.
  Operation batch{OpType::batch, {}, {}, {}, {}};
  batch.ops.reserve(config_.batch_ops);
  for (std::uint32_t i = 0; i < config_.batch_ops; ++i) batch.ops.push_back(make_single_operation());
  return batch;
}

Operation Client::make_single_operation() {
  const OperationMix& mix = config_.mix;
  const std::uint64_t total =
      std::uint64_t{mix.put} + mix.get + mix.del + mix.txn + mix.incr + mix.append;
  BFTSIM_ASSERT(total > 0);
  std::uint64_t pick = uniform_u64(rng_, total);
  Operation op;
  if (pick < mix.put) {
    op.type = OpType::put;
    op.key = make_key();
    op.value = make_value();
    return op;
  }
  pick -= mix.put;
  if (pick < mix.get) {
    op.type = OpType::get;
    op.key = make_key();
    return op;
  }
  pick -= mix.get;
  if (pick < mix.del) {
    op.type = OpType::del;
    op.key = make_key();
    return op;
  }
  pick -= mix.del;
  if (pick >= mix.txn) {
    pick -= mix.txn;
    op.key = make_key();
    if (pick < mix.incr) {
      op.type = OpType::incr;
      op.value = std::to_string(1 + uniform_u64(rng_, 9));
    } else {
      op.type = OpType::append;
      op.value = make_value();
    }
    return op;
  }
  // A txn: create the first key if it is absent, and move the second aside.
  op.type = OpType::txn;
  const std::string first = make_key();
  const std::string second = make_key();
  op.key = first;
  op.conditions.push_back(TxnCondition{first, std::nullopt});
  op.writes.push_back(TxnWrite{false, first, make_value()});
  op.writes.push_back(TxnWrite{true, second, {}});
  return op;
}

ClientRequest Client::issue(Instant now) {
  ClientRequest request{id_, next_number_++, make_operation()};
  outstanding_.emplace(request.number, Outstanding{request, now, 0, {}});
  return request;
}

std::optional<CompletedRequest> Client::on_reply(ReplicaIndex from, const ClientReply& reply,
                                                 Instant now) {
  auto it = outstanding_.find(reply.number);
  if (it == outstanding_.end() || reply.client != id_ || reply.replica != from)
    return std::nullopt;
  auto& voters = it->second.replies[{reply.height, reply.result}];
  if (auto at = std::lower_bound(voters.begin(), voters.end(), from); at == voters.end() || *at != from)
    voters.insert(at, from);
  if (voters.size() < faulty_count_ + 1) return std::nullopt;
  const Outstanding& done = it->second;
  CompletedRequest completed{id_,          reply.number, done.request.op.type,
                             done.request.op.key, done.sent_at, now,
                             done.retries, reply.result.status, reply.height, reply.result};
  outstanding_.erase(it);
  return completed;
}

std::optional<ClientRequest> Client::retry(RequestNumber number) {
  auto it = outstanding_.find(number);
  if (it == outstanding_.end()) return std::nullopt;
  ++it->second.retries;
  return it->second.request;
}

Duration Client::next_interarrival() {
  const double mean = static_cast<double>(config_.rate.per) / static_cast<double>(config_.rate.events);
  const double gap = exponential(rng_, mean);
  return gap < 1.0 ? 1 : static_cast<Duration>(gap);
}

}  // namespace bftsim
