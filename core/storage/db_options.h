// DbOptions: the LSM's sizes and thresholds. Defaults suit a replica's state
// (megabytes to a few gigabytes); tests shrink them to exercise flushes and
// compactions with little data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/storage/background.h"
#include "core/storage/table_builder.h"

namespace bftsim {

struct DbOptions {
  // Flush the memtable to a level-0 table once it holds this much.
  std::size_t memtable_size_bytes_max = 4u << 20;
  // Also flush once the WAL holds this much: rewriting a few keys (a
  // replica's view and vote state) grows the log but not the memtable.
  std::uint64_t wal_size_bytes_max = 16u << 20;
  TableOptions table;  // block size, Bloom bits per key
  // Compaction outputs are cut into tables of about this size.
  std::uint64_t table_size_bytes_target = 2u << 20;
  int level_count = 5;  // level 0 plus levels 1..4; the last has no size limit
  // Compact level 0 into level 1 once it holds this many tables.
  int level0_table_count_max = 4;
  std::uint64_t level1_size_bytes_max = 10u << 20;
  // Level n+1 may hold this many times the bytes of level n.
  int level_size_multiplier = 10;
  // Flushes and compactions on a background thread of the Db (db.h) that
  // this Background starts (background.h; not owned, it must outlive the
  // Db): a full memtable becomes immutable and a new one takes the writes at
  // once. Null (the default): they run inside the write that fills the
  // memtable, which keeps a run deterministic (the simulator's setting).
  Background* background = nullptr;
  // With background work: writers wait while level 0 holds this many tables
  // (its compaction is behind). Must be above level0_table_count_max.
  int level0_table_count_stop = 12;
};

}  // namespace bftsim
