// LsmNodeStore: a Node's durable state in one LSM (core/storage Db) on a
// FileSystem: the safety state, the committed log, the KV pairs and the
// exactly-once client records (key layout in docs/node_storage.md). A commit
// is one write batch (block, KV writes, client records, anchor) appended to
// the WAL without a sync; persist_safety() appends the safety state and
// syncs, which makes every earlier commit durable too (group commit).
// record_block() appends a block of the replica's tree, also without a sync:
// the Persist of the vote for it follows; commits delete the ones they pass.
// recover() reopens the Db from the disk, so the store survives the Node:
// a crash loses the Node and whatever the disk did not sync.
// Single-threaded; the FileSystem must outlive the store.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/node/lsm_kv_store.h"
#include "core/node/node_store.h"
#include "core/storage/db.h"
#include "core/storage/file_system.h"

namespace bftsim {

struct LsmNodeStoreOptions {
  DbOptions db;
  // A teaching mutant: write the safety state without syncing it. A crash
  // can then lose the record of a vote, and the restarted replica may vote
  // again in that view; the double-vote checker must catch it.
  bool unsafe_skip_sync = false;
};

class LsmNodeStore final : public NodeStore {
 public:
  LsmNodeStore(FileSystem& fs, std::string dir, LsmNodeStoreOptions options = {});

  Result<RecoveredState> recover() override;
  Status persist_safety(const SafetyState& state) override;
  Status record_block(const Block& block, const Hash32& block_hash) override;
  Status record_commit(const Block& block, const Hash32& block_hash,
                       KvStateMachine& machine) override;

  Result<KvStateMachine> install_state(const Block& block, const Hash32& block_hash,
                                       const std::vector<KeyValue>& pairs,
                                       const std::vector<SnapshotReply>& replies) override;

  // The open Db, or null before recover() or after it failed.
  const Db* db() const { return db_.get(); }

 private:
  Result<RecoveredState> read_state();
  Status read_tree_blocks(Height committed_height, RecoveredState& state);
  // Adds to `batch` the deletes of the tree blocks at or below `height`.
  void forget_tree_blocks(WriteBatch& batch, Height height);

  FileSystem& fs_;
  std::string dir_;
  LsmNodeStoreOptions options_;
  std::unique_ptr<Db> db_;
  LsmKvStore* kv_ = nullptr;  // owned by the state machine recover() returned
  WriteBatch batch_;                        // record_commit's, reused
  std::vector<std::uint8_t> reply_buffer_;  // one encoded reply, reused
  std::set<std::string> tree_keys_;         // the tree blocks stored, in key (height) order
};

}  // namespace bftsim
