// A simulated client: it generates operations from the scenario's workload
// (op mix, key distribution, value size, batch size) with its own stream "client/<id>",
// sends each request to every replica, retries after request_timeout, and
// accepts a result once f+1 replicas reply with the same result and height
// (at least one of them honest). The simulation drives its timing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/protocol/messages.h"
#include "sim/distributions.h"
#include "sim/rng.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

struct CompletedRequest {
  ClientId client = 0;
  RequestNumber number = 0;
  OpType op = OpType::get;
  std::string key;
  Instant sent_at = 0;
  Instant completed_at = 0;
  std::uint32_t retries = 0;
  ResultStatus status = ResultStatus::ok;
  Height height = 0;
  OpResult result;  // the full result f+1 replicas agreed on
};

class Client {
 public:
  Client(ClientId id, const ClientsConfig& config, std::uint32_t faulty_count,
         std::uint64_t run_seed, const ZipfianGenerator* zipf);

  ClientId id() const { return id_; }
  std::size_t outstanding_count() const { return outstanding_.size(); }

  // A new request, now outstanding.
  ClientRequest issue(Instant now);
  // Counts one reply; returns the completed request once f+1 match.
  std::optional<CompletedRequest> on_reply(ReplicaIndex from, const ClientReply& reply,
                                           Instant now);
  // The request to send again when `number` is still outstanding.
  std::optional<ClientRequest> retry(RequestNumber number);
  // The time to wait before the next open-loop arrival.
  Duration next_interarrival();

 private:
  struct Outstanding {
    ClientRequest request;
    Instant sent_at = 0;
    std::uint32_t retries = 0;
    // (height, result) -> replicas that replied with it, sorted (at n =
    // 1000 a request waits for 334 replies: a std::set's inserts were 1.4%
    // of the run's samples).
    std::map<std::pair<Height, OpResult>, std::vector<ReplicaIndex>> replies;
  };

  std::string make_key();
  std::string make_value();
  // One request's operation: a single one, or a batch of clients.batch.
  Operation make_operation();
  Operation make_single_operation();

  ClientId id_;
  const ClientsConfig& config_;
  std::uint32_t faulty_count_;
  Rng rng_;
  const ZipfianGenerator* zipf_;  // not owned; null for uniform keys
  RequestNumber next_number_ = 1;
  std::map<RequestNumber, Outstanding> outstanding_;
};

}  // namespace bftsim
