// Model test of core/storage/db.h (STYLE.md section 8). Goal: under random
// puts, deletes, batches, gets, scans, flushes, compactions, clean reopens,
// crashes and injected I/O failures, the Db agrees with a std::map; after a
// crash every synced write survives and nothing unwritten appears. Method:
// per seed, a splitmix64 stream drives the Db on MemoryFileSystem with tiny
// size thresholds; the model keeps the durable state plus the writes since,
// and a recovered Db must equal the durable state plus some prefix of them.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "core/storage/db.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_db_model_test {
namespace {

struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
  bool one_in(std::uint64_t n) { return below(n) == 0; }
};

using Model = std::map<std::string, std::string>;

DbOptions tiny_options() {
  DbOptions options;
  options.memtable_size_bytes_max = 3000;
  options.table.block_size_bytes = 256;
  options.table_size_bytes_target = 1500;
  options.level_count = 4;
  options.level0_table_count_max = 3;
  options.level1_size_bytes_max = 4000;
  options.level_size_multiplier = 3;
  return options;
}

void apply_batch(Model& model, const WriteBatch& batch) {
  for (const auto& operation : batch.operations()) {
    if (operation.kind == EntryKind::value) {
      model[std::string(operation.key)] = operation.value;
    } else {
      model.erase(std::string(operation.key));
    }
  }
}

Model scan_all(const Db& db) {
  auto pairs = db.scan("", "");
  REQUIRE(pairs.has_value());
  return Model(pairs->begin(), pairs->end());
}

struct Harness {
  test::MemoryFileSystem fs;
  std::unique_ptr<Db> db;
  Model current;                   // what reads must return now
  Model durable;                   // survives any crash
  std::vector<WriteBatch> maybe;   // written since `durable`; a crash keeps a prefix
  SplitMix rng;
  std::uint64_t crash_count = 0;
  std::uint64_t error_count = 0;
  std::uint64_t partial_recovery_count = 0;  // crashes that kept some unsynced writes

  void open() {
    auto opened = Db::open(fs, "db", tiny_options());
    if (!opened) FAIL("open failed: " << opened.error().message);
    db = std::move(*opened);
  }
  void made_durable() {
    durable = current;
    maybe.clear();
  }
  // Crashes (tearing unsynced bytes half of the time), optionally fails a
  // step of the recovery too, reopens and matches the recovered state.
  void crash_and_recover() {
    db.reset();
    fs.crash(rng.one_in(2) ? std::optional<std::uint64_t>(rng.next()) : std::nullopt);
    ++crash_count;
    if (rng.one_in(3)) {  // a crash during recovery itself
      fs.fail_at_step(rng.below(12));
      {
        // Dropped before the crash, like a process that died during open.
        auto attempt = Db::open(fs, "db", tiny_options());
      }
      fs.crash();
    }
    open();
    Model recovered = scan_all(*db);
    Model candidate = durable;
    bool matched = recovered == candidate;
    for (std::size_t i = 0; i < maybe.size() && !matched; ++i) {
      apply_batch(candidate, maybe[i]);
      matched = recovered == candidate;
      if (matched) ++partial_recovery_count;
    }
    if (!matched) FAIL("recovered state is not the durable state plus a prefix of later writes");
    current = recovered;
    made_durable();
  }
  // After an error: it must stick, then the process dies.
  void after_error(const Error& error) {
    ++error_count;
    fs.heal();
    auto again = db->put("sticky", "x", true);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message == error.message);
    crash_and_recover();
  }
};

std::string random_key(SplitMix& rng) { return fmt::format("k{:03}", rng.below(150)); }
std::string random_value(SplitMix& rng) {
  return std::string(rng.below(60), static_cast<char>('a' + rng.below(26))) + std::to_string(rng.next() % 1000);
}

struct Totals {
  std::uint64_t crashes = 0, errors = 0, partial_recoveries = 0;
  std::size_t deepest_level = 0;
};

void run_seed(std::uint64_t seed, int operation_count, Totals& totals) {
  Harness h;
  h.rng = SplitMix{seed};
  h.open();
  for (int step = 0; step < operation_count; ++step) {
    std::uint64_t dice = h.rng.below(100);
    if (h.rng.one_in(150)) h.fs.fail_at_step(h.rng.below(8));  // an I/O failure soon
    Status status;
    if (dice < 49) {  // a batch of one to four puts and deletes
      WriteBatch batch;
      std::uint64_t size = 1 + h.rng.below(4);
      for (std::uint64_t i = 0; i < size; ++i) {
        if (h.rng.below(4) == 0) {
          batch.remove(random_key(h.rng));
        } else {
          batch.put(random_key(h.rng), random_value(h.rng));
        }
      }
      bool sync = h.rng.one_in(4);
      status = h.db->write(batch, sync);
      h.maybe.push_back(batch);  // even when it failed: it may be in the log
      if (status) {
        apply_batch(h.current, batch);
        if (sync) h.made_durable();
      }
    } else if (dice < 70) {
      std::string key = random_key(h.rng);
      auto got = h.db->get(key);
      REQUIRE(got.has_value());
      auto it = h.current.find(key);
      CHECK(*got == (it == h.current.end() ? std::nullopt : std::optional<std::string>(it->second)));
    } else if (dice < 80) {
      std::string begin = random_key(h.rng);
      std::string end = h.rng.one_in(5) ? "" : random_key(h.rng);
      auto got = h.db->scan(begin, end);
      REQUIRE(got.has_value());
      std::vector<std::pair<std::string, std::string>> expected;
      for (auto it = h.current.lower_bound(begin); it != h.current.end() && (end.empty() || it->first < end); ++it)
        expected.emplace_back(*it);
      CHECK(*got == expected);
    } else if (dice < 86) {
      status = h.db->sync();
      if (status) h.made_durable();
    } else if (dice < 91) {
      status = h.db->flush();
      if (status) h.made_durable();
    } else if (dice < 93) {
      status = h.db->compact();
      if (status) {
        h.made_durable();
        DbStats stats = h.db->stats();
        for (std::size_t level = 0; level + 1 < stats.table_count_per_level.size(); ++level)
          CHECK(stats.table_count_per_level[level] == 0);
      }
    } else if (dice < 98) {  // a clean close: nothing is lost
      h.fs.heal();
      h.db.reset();
      h.open();
      CHECK(scan_all(*h.db) == h.current);
      h.made_durable();  // reopening flushed everything to a table
    } else {
      h.crash_and_recover();
    }
    if (!status) {
      CAPTURE(status.error().message);
      REQUIRE(h.fs.failed());  // only injected failures may fail a call
      h.after_error(status.error());
    }
    h.fs.heal();
    DbStats stats = h.db->stats();
    for (std::size_t level = 0; level < stats.table_count_per_level.size(); ++level)
      if (stats.table_count_per_level[level] > 0) totals.deepest_level = std::max(totals.deepest_level, level);
  }
  DbStats stats = h.db->stats();
  totals.crashes += h.crash_count;
  totals.errors += h.error_count;
  totals.partial_recoveries += h.partial_recovery_count;
  h.crash_and_recover();
}

TEST_CASE("storage: Db agrees with a std::map model across crashes and I/O failures") {
  Totals totals;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    run_seed(seed, 1500, totals);
  }
  MESSAGE("crashes " << totals.crashes << ", injected errors " << totals.errors << ", recoveries keeping unsynced writes "
                     << totals.partial_recoveries << ", deepest level " << totals.deepest_level);
  // The run must reach what it claims to test.
  CHECK(totals.errors > 10);
  CHECK(totals.partial_recoveries > 10);
  CHECK(totals.deepest_level >= 2);
}

}  // namespace
}  // namespace bftsim::test_storage_db_model_test
