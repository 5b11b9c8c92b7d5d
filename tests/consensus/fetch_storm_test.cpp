// Tests that block sync cannot be driven into a request storm: a copy of a
// response already taken asks for nothing, and a parent asked for moments
// ago is not asked again by the next response. The regression is swarm-n7
// seed 119 under reputation, where two twins (each message of a Byzantine
// replica goes out twice) swapped BlockRequests and BlockResponses at
// network speed: every copy of a response re-asked for the oldest block's
// parent, so the requests doubled each round trip. Method: two BlockSyncs
// and a hand-built chain, with every message delivered twice.
#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "core/consensus/block_sync.h"
#include "core/protocol/codec.h"
#include "tests/consensus/linear_chain.h"

namespace bftsim::test_consensus_fetch_storm_test {
namespace {

// Index `index` of 4, one block per response (so a chain takes one round trip a block).
ReplicaConfig config(ReplicaIndex index) {
  ReplicaConfig result;
  result.index = index;
  result.view_timeout = 100;
  result.fetch_blocks_max = 1;
  return result;
}

std::vector<BlockRequest> requests(const Effects& out) {
  std::vector<BlockRequest> result;
  for (const Effect& effect : out)
    if (const auto* send = std::get_if<SendEffect>(&effect))
      if (const auto* request = std::get_if<BlockRequest>(&send->message)) result.push_back(*request);
  return result;
}

TEST_CASE("fetch storm: a copy of a response already taken asks for nothing") {
  testing::LinearChain chain(3);
  BlockTree tree;
  BlockSync sync(config(1));
  Effects out;
  sync.fetch(tree, chain.hashes[2], 2, 0, out);
  Effects served;
  BlockSync(config(2)).on_block_request(chain.full, 1, BlockRequest{chain.hashes[2], 1}, served);
  const auto response = std::get<BlockResponse>(std::get<SendEffect>(served.at(0)).message);
  REQUIRE(response.blocks.size() == 1);
  out.clear();
  CHECK(sync.on_block_response(tree, 2, response, 1, out));
  REQUIRE(requests(out).size() == 1);  // the parent, of the peer that answered
  CHECK(requests(out)[0].block_hash == chain.hashes[1]);
  out.clear();
  // The copy, late (past the half view timeout that spaces re-asks of one
  // hash): still kept, but it asks nothing.
  CHECK(sync.on_block_response(tree, 2, response, 100, out));
  CHECK(requests(out).empty());
  CHECK(sync.on_block_response(tree, 3, response, 200, out));  // or another peer's answer
  CHECK(requests(out).empty());
  sync.check_invariants();
}

TEST_CASE("fetch storm: a parent asked for moments ago is not asked again") {
  // Two children of height 2 (views 3 and 4) are fetched; the answer for the
  // first asks for their parent; the answer for the second, 10 later, brings
  // a new block but does not ask for that parent again (the fetch timer
  // re-asks it after half a view timeout, 50).
  testing::LinearChain chain(3);
  Block sibling = *chain.full.find(chain.hashes[2])->block;
  sibling.view = 4;
  const Hash32 sibling_hash = block_hash(sibling);
  BlockTree tree;
  BlockSync sync(config(1));
  Effects out;
  sync.fetch(tree, chain.hashes[2], 2, 0, out);
  sync.fetch(tree, sibling_hash, 3, 0, out);
  out.clear();
  BlockResponse first;
  first.blocks.push_back(*chain.full.find(chain.hashes[2])->block);
  CHECK(sync.on_block_response(tree, 2, first, 10, out));
  REQUIRE(requests(out).size() == 1);
  CHECK(requests(out)[0].block_hash == chain.hashes[1]);
  out.clear();
  BlockResponse second;
  second.blocks.push_back(sibling);
  CHECK(sync.on_block_response(tree, 3, second, 20, out));
  CHECK(requests(out).empty());
  sync.check_invariants();
}

TEST_CASE("fetch storm: with every message delivered twice, a chain costs one request a block") {
  // Replica 1 knows only genesis and fetches the top of a 16-block chain from
  // replica 2, which holds it; each message reaches its receiver twice, all
  // at one instant (so no timer is due). Every block is asked for once (its
  // copy answered twice); the old rule doubled the requests each round trip.
  constexpr Height height_max = 16;
  testing::LinearChain chain(height_max);
  BlockTree tree;
  BlockSync fetcher(config(1));
  BlockSync server(config(2));
  std::deque<BlockRequest> to_server;
  std::deque<BlockResponse> to_fetcher;
  std::size_t request_count = 0;
  auto post = [&](const Effects& out) {
    for (const BlockRequest& request : requests(out)) {
      ++request_count;
      to_server.push_back(request);
      to_server.push_back(request);
    }
  };
  Effects out;
  fetcher.fetch(tree, chain.hashes.back(), 2, 0, out);
  post(out);
  std::size_t steps = 0;
  while ((!to_server.empty() || !to_fetcher.empty()) && steps++ < 10'000) {
    if (!to_server.empty()) {
      Effects served;
      server.on_block_request(chain.full, 1, to_server.front(), served);
      to_server.pop_front();
      for (const Effect& effect : served) {
        const auto& response = std::get<BlockResponse>(std::get<SendEffect>(effect).message);
        to_fetcher.push_back(response);
        to_fetcher.push_back(response);
      }
    }
    if (!to_fetcher.empty()) {
      out.clear();
      (void)fetcher.on_block_response(tree, 2, to_fetcher.front(), 0, out);
      to_fetcher.pop_front();
      post(out);
    }
  }
  CHECK(request_count == height_max);
  const BlockSync::Adopted adopted = fetcher.adopt_orphans(tree);
  CHECK(adopted.inserted.size() == height_max);
  CHECK(tree.contains(chain.hashes.back()));
  fetcher.check_invariants();
}

}  // namespace
}  // namespace bftsim::test_consensus_fetch_storm_test
