// The simulated client's workload: clients.batch groups the operations it
// draws into OpType::batch requests.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "sim/actors/client.h"

namespace bftsim::test_sim_actors_client_test {
namespace {

ClientsConfig mixed_config(std::uint32_t batch_ops) {
  ClientsConfig config;
  config.mix = OperationMix{.put = 3, .get = 2, .del = 1, .txn = 1, .incr = 1, .append = 1};
  config.key_count = 10;
  config.value_size_bytes = 5;
  config.batch_ops = batch_ops;
  return config;
}

TEST_CASE("client: a batch holds the operations single requests would have drawn, in order") {
  // Goal: clients.batch changes how operations are grouped, not which ones
  // are drawn, and batch 1 sends each operation as itself. Method: two
  // clients with the same id and seed, one with batch 1 and one with batch 4;
  // the batch client's requests are batches of 4 whose operations are the
  // single client's, one after another.
  const ClientsConfig single_config = mixed_config(1);
  const ClientsConfig batch_config = mixed_config(4);
  Client single(3, single_config, 1, 42, nullptr);
  Client batched(3, batch_config, 1, 42, nullptr);
  std::vector<Operation> singles;
  for (int i = 0; i < 12; ++i) {
    const ClientRequest request = single.issue(0);
    CHECK(request.op.type != OpType::batch);
    singles.push_back(request.op);
  }
  for (int i = 0; i < 3; ++i) {
    const ClientRequest request = batched.issue(0);
    CHECK(request.number == static_cast<RequestNumber>(i + 1));
    REQUIRE(request.op.type == OpType::batch);
    REQUIRE(request.op.ops.size() == 4);
    for (std::size_t j = 0; j < 4; ++j) CHECK(request.op.ops[j] == singles[static_cast<std::size_t>(i) * 4 + j]);
  }
  CHECK(batched.outstanding_count() == 3);
  // The mix reached several types, so the batches are not all puts.
  std::vector<bool> seen(8, false);
  for (const Operation& op : singles) seen[static_cast<std::size_t>(op.type)] = true;
  CHECK(std::count(seen.begin(), seen.end(), true) >= 3);
}

}  // namespace
}  // namespace bftsim::test_sim_actors_client_test
