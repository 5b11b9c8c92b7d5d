// Tests of LsmNodeStore (core/node/lsm_node_store.h) on the simulated disk:
// a Node's committed block, KV pairs, exactly-once records and safety state
// come back after a crash exactly as far as they were synced; the teaching
// mutant that skips the sync loses the safety state; damage is an error,
// never wrong state.
#include "core/node/lsm_node_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "core/consensus/block_tree.h"
#include "core/node/executor.h"
#include "core/protocol/codec.h"
#include "sim/disk/sim_disk.h"

namespace bftsim::test_node_lsm_node_store_test {
namespace {

ClientRequest put_request(ClientId client, RequestNumber number, std::string key, std::string value) {
  Operation op;
  op.type = OpType::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return ClientRequest{client, number, std::move(op)};
}

// Blocks 1..count on genesis, each with one put of client 1.
std::vector<Block> chain(Height count) {
  std::vector<Block> blocks;
  Hash32 parent = BlockTree::genesis_hash();
  for (Height h = 1; h <= count; ++h) {
    Block block;
    block.parent_hash = parent;
    block.height = h;
    block.view = h;
    block.justify = QuorumCert{h - 1, parent, {}};
    block.batch.push_back(put_request(1, h, "k" + std::to_string(h % 3), "v" + std::to_string(h)));
    parent = block_hash(block);
    blocks.push_back(std::move(block));
  }
  return blocks;
}

SafetyState safety_at(View view) {
  return SafetyState{view, view, QuorumCert{0, BlockTree::genesis_hash(), {}},
                     QuorumCert{0, BlockTree::genesis_hash(), {}}};
}

TEST_CASE("lsm_node_store: a crash keeps exactly what the last sync covered") {
  // Goal: group commit. Method: record blocks 1..6, persist (sync) after 4;
  // crash; recovery must give block 4 with the state after it, the safety
  // state of the sync, and the client's cached replies; then commits go on.
  // Control: a fresh disk recovers nothing.
  SimDisk disk(SimDisk::disk_stream(1, 0));
  LsmNodeStore store(disk, "node");
  auto recovered = store.recover();
  REQUIRE(recovered);
  CHECK(!recovered->safety);
  CHECK(!recovered->committed);
  KvStateMachine machine = std::move(recovered->machine);
  const auto blocks = chain(6);
  Hash32 digest_at_4;
  for (const Block& block : blocks) {
    execute_block(machine, block, 0);
    REQUIRE(store.record_commit(block, block_hash(block), machine));
    if (block.height == 4) {
      REQUIRE(store.persist_safety(safety_at(4)));
      digest_at_4 = machine.digest();
    }
  }
  disk.crash();

  auto again = store.recover();
  REQUIRE(again);
  REQUIRE(again->committed);
  CHECK(again->committed->block->height == 4);
  CHECK(again->committed->block_hash == block_hash(blocks[3]));
  REQUIRE(again->safety);
  CHECK(*again->safety == safety_at(4));
  CHECK(again->machine.digest() == digest_at_4);
  CHECK(again->machine.last_applied_height() == 4);
  CHECK(again->machine.cached_reply_count() == 4);
  // Request 3 was applied before the crash: a resubmission is a duplicate.
  const ClientRequest resubmitted = put_request(1, 3, "k0", "again");
  CHECK(again->machine.apply(resubmitted.client, resubmitted.number, resubmitted.op, 5).kind ==
        ApplyOutcome::Kind::duplicate);

  SimDisk fresh(SimDisk::disk_stream(1, 1));
  LsmNodeStore empty(fresh, "node");
  auto nothing = empty.recover();
  REQUIRE(nothing);
  CHECK(!nothing->committed);
  CHECK(nothing->machine.digest() == KvStateMachine().digest());
}

TEST_CASE("lsm_node_store: the skip-sync mutant loses the safety state in a crash") {
  // Goal: the sync is what makes a vote's record durable. Method: persist
  // with and without unsafe_skip_sync, crash, recover.
  for (const bool skip : {false, true}) {
    SimDisk disk(SimDisk::disk_stream(2, 0));
    LsmNodeStoreOptions options;
    options.unsafe_skip_sync = skip;
    LsmNodeStore store(disk, "node", options);
    REQUIRE(store.recover());
    REQUIRE(store.persist_safety(safety_at(7)));
    disk.crash();
    auto recovered = store.recover();
    REQUIRE(recovered);
    CHECK(recovered->safety.has_value() == !skip);
  }
}

TEST_CASE("lsm_node_store: a flipped bit in synced data is an error, not state") {
  // Goal: corruption is detected by checksums and never served. Method: on a
  // fresh copy of the same synced state each time (recovery rewrites files),
  // flip one bit at every 5th byte of every file; each recovery either fails
  // with an error naming the file or returns exactly the state that was synced.
  struct Fixture {
    SimDisk disk{SimDisk::disk_stream(3, 0)};
    LsmNodeStore store{disk, "node"};
    Hash32 digest;
  };
  auto make = [] {
    auto fixture = std::make_unique<Fixture>();
    auto recovered = fixture->store.recover();
    REQUIRE(recovered);
    KvStateMachine machine = std::move(recovered->machine);
    for (const Block& block : chain(5)) {
      execute_block(machine, block, 0);
      REQUIRE(fixture->store.record_commit(block, block_hash(block), machine));
    }
    REQUIRE(fixture->store.persist_safety(safety_at(5)));
    fixture->digest = machine.digest();
    return fixture;
  };
  auto probe = make();
  auto files = probe->disk.list("node");
  REQUIRE(files);
  int errors = 0;
  int harmless = 0;
  for (const std::string& name : *files) {
    const std::string path = "node/" + name;
    const auto size = probe->disk.file_size(path);
    REQUIRE(size);
    for (std::uint64_t offset = 0; offset < *size; offset += 5) {
      auto fixture = make();
      REQUIRE(fixture->disk.corrupt(path, offset, 0x10));
      auto damaged = fixture->store.recover();
      if (!damaged) {
        ++errors;
        CHECK(damaged.error().message.find("node") != std::string::npos);
        continue;
      }
      ++harmless;  // a bit the state does not depend on (a superseded record, say)
      INFO(path << " offset " << offset);
      REQUIRE(damaged->committed);
      CHECK(damaged->committed->block->height == 5);
      CHECK(damaged->machine.digest() == fixture->digest);
      REQUIRE(damaged->safety);
      CHECK(*damaged->safety == safety_at(5));
    }
  }
  CHECK(errors > 0);
  MESSAGE("flipped bits: " << errors << " detected, " << harmless << " harmless");
}

}  // namespace
}  // namespace bftsim::test_node_lsm_node_store_test
