// LsmNodeStore: a Node's durable state in one LSM (core/storage Db) on a
// FileSystem: the safety state, the blocks (the committed log and the tree
// above it), the KV pairs and the exactly-once client records (key layout in
// docs/node_storage.md). record_block() appends a block that entered the
// replica's tree, without a sync: the Persist of the vote for it follows. A
// commit is one write batch (KV writes, client records, the anchor, deletes
// of the forks it passed) appended to the WAL without a sync; the committed
// block stays where record_block() put it. persist_safety() appends the
// safety state and syncs, which makes every earlier write durable too
// (group commit), unless the host syncs (LsmNodeStoreOptions::host_syncs).
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
  // bft-node's setting: persist_safety() only appends, and the host makes it
  // durable on a thread of its own (Db::sync_target) before anything the
  // Node does after that Persist leaves the process (runner/node_server.h).
  bool host_syncs = false;
};

class LsmNodeStore final : public NodeStore {
 public:
  LsmNodeStore(FileSystem& fs, std::string dir, LsmNodeStoreOptions options = {});

  Result<RecoveredState> recover() override;
  Result<std::vector<std::shared_ptr<const Block>>> committed_ancestors(
      const CommittedAnchor& anchor, std::size_t count) override;
  Status persist_safety(const SafetyState& state) override;
  Status record_block(const Block& block, const Hash32& block_hash) override;
  Status record_commit(const Block& block, const Hash32& block_hash,
                       KvStateMachine& machine) override;

  Result<KvStateMachine> install_state(const Block& block, const Hash32& block_hash,
                                       const std::vector<KeyValue>& pairs,
                                       const std::vector<SnapshotReply>& replies) override;

  // Makes every write so far durable, on this thread.
  Status sync();

  // The open Db, or null before recover() or after it failed.
  const Db* db() const { return db_.get(); }

 private:
  Result<RecoveredState> read_state();
  Status read_tree_blocks(Height committed_height, RecoveredState& state);
  // Adds to `batch` what committing `block` changes in the blocks: the
  // deletes of the other blocks at or below its height, and the anchor.
  void commit_tree_block(WriteBatch& batch, const Block& block, const Hash32& hash);

  FileSystem& fs_;
  std::string dir_;
  LsmNodeStoreOptions options_;
  std::unique_ptr<Db> db_;
  LsmKvStore* kv_ = nullptr;  // owned by the state machine recover() returned
  WriteBatch batch_;                        // record_commit's, reused
  std::vector<std::uint8_t> reply_buffer_;  // one encoded reply, reused
  std::set<std::string> tree_keys_;         // the blocks stored above the anchor, by height
};

}  // namespace bftsim
