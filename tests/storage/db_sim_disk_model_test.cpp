// Model test of core/storage/db.h on the simulated disk (STYLE.md section 8).
// Goal: with the disk's faults on (crashes that lose unsynced bytes, torn
// appends, power failing in the middle of a Db call or of recovery, a full
// disk, slow syncs, bit flips in synced data), every acknowledged synced write
// survives, nothing unwritten appears, errors stick until a reopen, and damage
// is reported as corruption naming a file and an offset, never read as other
// data. Method: per seed, the stream Rng::stream(seed, "model/ops") drives
// random puts, deletes, batches, syncs, gets, scans, flushes, compactions,
// crashes, clean reopens, power cuts and full-disk episodes against a Db with
// tiny thresholds on a SimDisk (torn appends on for half of the seeds). The
// model keeps `synced` (the state as of the last successful sync, flush or
// open), `current` (every acknowledged write) and the batches written since
// `synced`; a reopened Db must hold `synced` plus the first k of those batches
// for some k, found by scanning everything. A second case also flips random
// synced bits at some crashes; a third runs seeds twice and compares a digest
// of every outcome. BFTSIM_MODEL_SEED=n runs one seed (a failure prints it),
// BFTSIM_MODEL_SEEDS=first:count a longer hunt, BFTSIM_MODEL_TRACE=1 prints
// every outcome.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/db.h"
#include "sim/disk/sim_disk.h"
#include "sim/distributions.h"
#include "sim/rng.h"

namespace bftsim::test_storage_db_sim_disk_model_test {
namespace {

using Model = std::map<std::string, std::string>;

const std::string db_dir = "db";

// Tiny sizes, so a few hundred operations flush, compact into several levels
// and roll the WAL over.
DbOptions small_options() {
  DbOptions options;
  options.memtable_size_bytes_max = 2000;
  options.wal_size_bytes_max = 3000;
  options.table.block_size_bytes = 256;
  options.table_size_bytes_target = 1200;
  options.level_count = 4;
  options.level0_table_count_max = 2;
  options.level1_size_bytes_max = 3000;
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

// The SimDisk as the Db sees it, with one more fault: the power fails in the
// middle of a Db call. Armed with n, the (n+1)-th file-system or writable-file
// call from then on crashes the disk instead of running, and it and every
// later call fail, as they would for the dead process, until revive(). The
// disk's own crash() does the losing and tearing.
class PowerCutFileSystem final : public FileSystem {
 public:
  explicit PowerCutFileSystem(SimDisk& disk) : disk_(disk) {}

  void arm(std::uint64_t calls_before_cut) { calls_left_ = calls_before_cut; }
  void disarm() { calls_left_.reset(); }
  bool cut() const { return cut_; }
  void revive() {
    cut_ = false;
    calls_left_.reset();
  }

  // Runs before every call: counts down, cuts the power, fails when cut.
  Status step(std::string_view what) {
    if (!cut_ && calls_left_) {
      if (*calls_left_ == 0) {
        disk_.crash();
        cut_ = true;
        calls_left_.reset();
      } else {
        --*calls_left_;
      }
    }
    if (cut_) return make_error(ErrorCode::io_error, fmt::format("{}: the power failed", what));
    return {};
  }

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override {
    if (auto alive = step(path); !alive) return tl::unexpected(alive.error());
    auto file = disk_.open_writable(path, mode);
    if (!file) return file;
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, std::move(*file)));
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    if (auto alive = step(path); !alive) return tl::unexpected(alive.error());
    return disk_.open_readable(path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override {
    if (auto alive = step(path); !alive) return tl::unexpected(alive.error());
    return disk_.file_size(path);
  }
  bool exists(const std::string& path) override { return step(path) && disk_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override {
    if (auto alive = step(from); !alive) return alive;
    return disk_.rename(from, to);
  }
  Status remove(const std::string& path) override {
    if (auto alive = step(path); !alive) return alive;
    return disk_.remove(path);
  }
  Result<std::vector<std::string>> list(const std::string& dir) override {
    if (auto alive = step(dir); !alive) return tl::unexpected(alive.error());
    return disk_.list(dir);
  }
  Status create_dir(const std::string& dir) override {
    if (auto alive = step(dir); !alive) return alive;
    return disk_.create_dir(dir);
  }
  Status sync_dir(const std::string& dir) override {
    if (auto alive = step(dir); !alive) return alive;
    return disk_.sync_dir(dir);
  }

 private:
  class File final : public WritableFile {
   public:
    File(PowerCutFileSystem& fs, std::unique_ptr<WritableFile> file) : fs_(fs), file_(std::move(file)) {}
    Status append(std::span<const std::uint8_t> bytes) override {
      if (auto alive = fs_.step("append"); !alive) return alive;
      return file_->append(bytes);
    }
    Status sync() override {
      if (auto alive = fs_.step("sync"); !alive) return alive;
      return file_->sync();
    }
    Status close() override {
      if (auto alive = fs_.step("close"); !alive) return alive;
      return file_->close();
    }
    std::uint64_t size() const override { return file_->size(); }

   private:
    PowerCutFileSystem& fs_;
    std::unique_ptr<WritableFile> file_;
  };

  SimDisk& disk_;
  std::optional<std::uint64_t> calls_left_;
  bool cut_ = false;
};

struct Config {
  std::uint32_t crash_corrupt_ppm = 0;  // chance that a crash also flips synced bits
};

struct Totals {
  std::uint64_t seeds = 0;
  std::uint64_t operations = 0;
  std::uint64_t crashes = 0;
  std::uint64_t clean_reopens = 0;
  std::uint64_t power_cuts = 0;        // crashes in the middle of a Db call
  std::uint64_t power_cuts_in_open = 0;
  std::uint64_t torn_appends = 0;      // the disk tore an append at a crash
  std::uint64_t torn_wal_tails = 0;    // the Db reported a torn WAL tail at open
  std::uint64_t kept_unsynced = 0;     // crashes whose recovery kept some unsynced batch
  std::uint64_t lost_unsynced = 0;     // crashes whose recovery lost an acknowledged unsynced batch
  std::uint64_t full_episodes = 0;
  std::uint64_t full_errors = 0;       // episodes in which an error stuck
  std::uint64_t full_reopen_failures = 0;  // opens refused while the disk was full
  std::uint64_t corruption_events = 0;     // crashes followed by bit flips
  std::uint64_t bit_flips = 0;
  std::uint64_t detected_at_open = 0;
  std::uint64_t detected_at_scan = 0;  // open succeeded, the full scan after it failed
  std::uint64_t detected_later = 0;    // first judged harmless, a later read or write failed
  std::uint64_t harmless = 0;          // the Db opened and held an allowed state
  std::uint64_t flushes = 0;
  std::uint64_t compactions = 0;
  std::size_t deepest_level = 0;

  std::uint64_t detected() const { return detected_at_open + detected_at_scan + detected_later; }
};

// Ends a seed early: corruption was detected, the Db cannot go on.
struct SeedOver {};

class Harness {
 public:
  Harness(std::uint64_t seed, Config config, Totals& totals)
      : config_(config), totals_(totals), rng_(Rng::stream(seed, "model/ops")),
        disk_(Rng::stream(seed, "model/disk")), fs_(disk_) {
    disk_.set_torn(uniform_u64(rng_, 2) == 0);
    note(disk_.torn() ? "torn" : "clean");
    reopen();
  }

  void run(int operation_count) {
    try {
      for (int i = 0; i < operation_count; ++i) {
        ++totals_.operations;
        step();
      }
      // Every seed ends in a crash, so every run checks a recovery.
      crash_and_reopen();
    } catch (const SeedOver&) {
    }
    db_.reset();
    totals_.crashes += disk_.counters().crashes;
    totals_.torn_appends += disk_.counters().torn_appends;
    note(fmt::format("disk {} {} {} {}", disk_.counters().syncs, disk_.counters().dir_syncs,
                     disk_.counters().bytes_written, disk_.counters().full_rejections));
  }

  std::uint64_t digest() const { return digest_; }

 private:
  // ---- the operations ------------------------------------------------------
  void step() {
    const std::uint64_t dice = uniform_u64(rng_, 1000);
    if (dice < 150) return get_op();
    if (dice < 220) return scan_op();
    if (dice < 800) return data_step(dice);
    if (dice < 860) return crash_and_reopen();
    if (dice < 880) return clean_reopen();
    if (dice < 895) return full_episode();
    if (dice < 935) return power_cut_step();
    if (dice < 940) return toggle_slow();
    write_op();
  }

  // Anything but a crash, a reopen or a new full episode.
  void data_step(std::uint64_t dice) {
    if (dice < 220) return get_op();
    if (dice < 650) {
      write_op();
      return;
    }
    if (dice < 720) return sync_op();
    if (dice < 770) return flush_op();
    return compact_op();
  }

  // A write, sync, flush or compaction during which the power may fail.
  void power_cut_step() {
    fs_.arm(uniform_u64(rng_, 20));
    switch (uniform_u64(rng_, 6)) {
      case 0: sync_op(); break;
      case 1: flush_op(); break;
      case 2: compact_op(); break;
      default: write_op(); break;  // perhaps a flush too
    }
    fs_.disarm();
    if (!fs_.cut()) return;
    ++totals_.power_cuts;
    note("power cut");
    count_db_work();
    db_.reset();
    fs_.revive();
    if (!reopen()) FAIL("open after a power cut failed");
  }

  // Slow syncs only cost simulated time; the Db must not notice.
  void toggle_slow() {
    if (disk_.slow_latency()) {
      disk_.clear_slow();
    } else {
      disk_.set_slow(1 + static_cast<Duration>(uniform_u64(rng_, 1000)));
    }
    note(fmt::format("slow {}", disk_.take_delay()));
  }

  std::string random_key() { return fmt::format("k{:03}", uniform_u64(rng_, 120)); }
  std::string random_value() {
    std::string value(uniform_u64(rng_, 48), static_cast<char>('a' + uniform_u64(rng_, 26)));
    return value + std::to_string(++value_counter_);
  }

  // Returns whether the write was acknowledged.
  bool write_op() {
    WriteBatch batch;
    const std::uint64_t size = uniform_u64(rng_, 3) == 0 ? 2 + uniform_u64(rng_, 5) : 1;
    for (std::uint64_t i = 0; i < size; ++i) {
      if (uniform_u64(rng_, 4) == 0) {
        batch.remove(random_key());
      } else {
        batch.put(random_key(), random_value());
      }
    }
    const bool sync = uniform_u64(rng_, 5) == 0;
    const std::uint64_t flushes_before = db_->stats().flush_count;
    Status status;
    if (size == 1 && uniform_u64(rng_, 2) == 0) {
      const WriteBatch::Operation operation = batch.operations().front();
      status = operation.kind == EntryKind::value ? db_->put(operation.key, operation.value, sync)
                                                   : db_->remove(operation.key, sync);
    } else {
      status = db_->write(batch, sync);
    }
    note_status(sync ? "write+sync" : "write", status);
    // Even a failed write may be in the log (its flush may have failed).
    pending_.push_back(batch);
    if (!status) {
      on_error(status.error(), &batch);
      return false;
    }
    apply_batch(current_, batch);
    acknowledged_ = pending_.size();
    // A write that filled the memtable flushed it: everything is durable.
    if (sync || db_->stats().flush_count != flushes_before) made_durable();
    return true;
  }

  void sync_op() {
    Status status = db_->sync();
    note_status("sync", status);
    if (!status) return on_error(status.error(), nullptr);
    made_durable();
  }

  void flush_op() {
    Status status = db_->flush();
    note_status("flush", status);
    if (!status) return on_error(status.error(), nullptr);
    made_durable();
  }

  void compact_op() {
    Status status = db_->compact();
    note_status("compact", status);
    if (!status) return on_error(status.error(), nullptr);
    made_durable();
    const DbStats stats = db_->stats();
    for (std::size_t level = 0; level + 1 < stats.table_count_per_level.size(); ++level)
      if (stats.table_count_per_level[level] != 0) FAIL("compact() left tables at level " << level);
  }

  void get_op() {
    const std::string key = random_key();
    auto got = db_->get(key);
    if (!got) return on_read_error(got.error());
    const auto it = current_.find(key);
    const std::optional<std::string> expected =
        it == current_.end() ? std::nullopt : std::optional<std::string>(it->second);
    if (*got != expected)
      FAIL("get(" << key << ") = " << got->value_or("<absent>") << ", model says " << expected.value_or("<absent>"));
    note(fmt::format("get {} {}", key, got->value_or("-")));
  }

  void scan_op() {
    const std::string begin = uniform_u64(rng_, 8) == 0 ? std::string() : random_key();
    const std::string end = uniform_u64(rng_, 4) == 0 ? std::string() : random_key();
    const std::size_t count_max = uniform_u64(rng_, 3) == 0 ? 1 + uniform_u64(rng_, 10) : SIZE_MAX;
    auto got = db_->scan(begin, end, count_max);
    if (!got) return on_read_error(got.error());
    std::vector<std::pair<std::string, std::string>> expected;
    for (auto it = current_.lower_bound(begin);
         it != current_.end() && (end.empty() || it->first < end) && expected.size() < count_max; ++it)
      expected.emplace_back(*it);
    if (*got != expected)
      FAIL("scan [" << begin << ", " << end << ") gave " << got->size() << " pairs, model " << expected.size());
    note(fmt::format("scan {} {} {}", begin, end, got->size()));
  }

  // ---- errors --------------------------------------------------------------
  // A mutating call failed. Only damage from flips (corruption), a power cut
  // (the process is dead) or a full disk may fail a call; then the error must
  // stick: every later write fails with it,
  // while reads still see the acknowledged writes (and maybe the failed batch,
  // whose flush may be what failed).
  void on_error(const Error& error, const WriteBatch* batch) {
    if (error.code == ErrorCode::corruption && !flips_.empty()) detected(error, Where::later);
    if (fs_.cut()) return;  // the process is dead; power_cut_step reopens
    if (stuck_) {
      if (error.message != stuck_->message)
        FAIL("a stuck Db changed its error: first \"" << stuck_->message << "\", now \"" << error.message << "\"");
      return;
    }
    if (!disk_.full()) FAIL("a call failed although the disk is not full: " << error.message);
    if (error.code != ErrorCode::io_error) FAIL("a full disk gave a non-I/O error: " << error.message);
    stuck_ = error;
    auto contents = db_->scan("", "");
    if (!contents) FAIL("reads fail after a write error: " << contents.error().message);
    const Model seen(contents->begin(), contents->end());
    if (seen != current_) {
      Model with_batch = current_;
      if (batch != nullptr) apply_batch(with_batch, *batch);
      if (seen != with_batch) FAIL("after a write error the Db holds neither the model nor the model plus that write");
      current_ = with_batch;  // still unacknowledged: acknowledged_ stays
    }
  }

  void on_read_error(const Error& error) {
    if (error.code == ErrorCode::corruption && !flips_.empty()) detected(error, Where::later);
    FAIL("a read failed: " << error.message);
  }

  // Checks that a corruption error names a file under the db directory and
  // an offset, and that the file is one the flips hit.
  void check_corruption_message(const Error& error) {
    if (error.code != ErrorCode::corruption)
      FAIL("damaged data gave " << error_code_name(error.code) << ", not corruption: " << error.message);
    const std::string& message = error.message;
    const std::size_t at = message.find(": offset ");
    if (message.rfind(db_dir + "/", 0) != 0 || at == std::string::npos || at + 9 >= message.size() ||
        std::isdigit(static_cast<unsigned char>(message[at + 9])) == 0)
      FAIL("a corruption error must name a file under " << db_dir << "/ and an offset: " << message);
    const std::string path = message.substr(0, at);
    const bool flipped = std::any_of(flips_.begin(), flips_.end(),
                                     [&](const DiskCorruption& flip) { return flip.path == path; });
    if (!flipped) FAIL("the corruption error names " << path << ", which no flip hit: " << message);
    note("corrupt " + message);
  }

  // Damage was found: counted by where, and the seed ends (the Db cannot go
  // on). Flips already judged harmless count as detected later.
  enum class Where { open, scan, later };
  [[noreturn]] void detected(const Error& error, Where where) {
    check_corruption_message(error);
    if (!unjudged_flips_) {
      --totals_.harmless;
      where = Where::later;
    }
    ++(where == Where::open ? totals_.detected_at_open
       : where == Where::scan ? totals_.detected_at_scan
                              : totals_.detected_later);
    throw SeedOver{};
  }

  // ---- durability bookkeeping ----------------------------------------------
  void made_durable() {
    synced_ = current_;
    pending_.clear();
    acknowledged_ = 0;
  }

  // Opens the Db after a crash or a clean close and checks that it holds
  // `synced_` plus the first k pending batches, for some k (when the disk has
  // not crashed since the last open, k covers every acknowledged batch).
  // Returns false when the open failed, which only a full disk allows; then
  // the model is unchanged. Damage detected ends the seed (SeedOver).
  bool reopen() {
    // Crashed since the last open: then unsynced writes may be lost.
    const bool crashed = disk_.counters().crashes != crashes_at_open_;
    db_.reset();
    // Sometimes the power fails during recovery too; then a second recovery
    // must do.
    const bool cut_in_open = uniform_u64(rng_, 8) == 0;
    if (cut_in_open) fs_.arm(uniform_u64(rng_, 30));
    auto opened = Db::open(fs_, db_dir, small_options());
    fs_.disarm();
    if (fs_.cut()) {
      if (opened) FAIL("open succeeded although the power failed during it");
      ++totals_.power_cuts_in_open;
      note("power cut in open");
      fs_.revive();
      return reopen();
    }
    if (!opened) {
      if (opened.error().code == ErrorCode::corruption && !flips_.empty()) {
        detected(opened.error(), Where::open);
      }
      if (!disk_.full()) FAIL("open failed although the disk is not full: " << opened.error().message);
      note_status("open", tl::unexpected(opened.error()));
      ++totals_.full_reopen_failures;
      return false;
    }
    db_ = std::move(*opened);
    stuck_.reset();
    crashes_at_open_ = disk_.counters().crashes;
    const DbStats stats = db_->stats();
    totals_.torn_wal_tails += stats.torn_wal_tail_count;
    auto contents = db_->scan("", "");
    if (!contents) {
      if (contents.error().code == ErrorCode::corruption && !flips_.empty()) {
        detected(contents.error(), Where::scan);
      }
      FAIL("scan after open failed: " << contents.error().message);
    }
    const Model recovered(contents->begin(), contents->end());
    Model candidate = synced_;
    std::optional<std::size_t> kept;
    for (std::size_t k = 0;; ++k) {
      if (recovered == candidate && (crashed || k >= acknowledged_)) kept = k;
      if (k == pending_.size()) break;
      apply_batch(candidate, pending_[k]);
    }
    if (!kept) {
      FAIL("the reopened Db (" << recovered.size() << " keys) is not the synced state (" << synced_.size()
                               << " keys) plus a prefix of the " << pending_.size() << " later batches ("
                               << acknowledged_ << " acknowledged); crashed " << crashed << ", torn " << disk_.torn());
    }
    if (crashed && *kept > 0) ++totals_.kept_unsynced;
    if (crashed && *kept < acknowledged_) ++totals_.lost_unsynced;
    if (unjudged_flips_) {
      ++totals_.harmless;
      unjudged_flips_ = false;
    }
    note(fmt::format("open {} {} {} {}", crashed, *kept, recovered.size(), stats.torn_wal_tail_count));
    // Recovery flushed what it replayed: all of it is durable now.
    current_ = recovered;
    made_durable();
    return true;
  }

  void crash_and_reopen() {
    note("crash");
    // Remember what the Db did before its counters go with it.
    count_db_work();
    db_.reset();
    disk_.crash();
    if (chance_ppm(rng_, config_.crash_corrupt_ppm)) {
      const auto flips = disk_.corrupt_random(1 + static_cast<std::uint32_t>(uniform_u64(rng_, 3)));
      ++totals_.corruption_events;
      totals_.bit_flips += flips.size();
      unjudged_flips_ = true;
      for (const DiskCorruption& flip : flips) {
        note(fmt::format("flip {} {} {}", flip.path, flip.offset, flip.mask));
        flips_.push_back(flip);
      }
    }
    if (!reopen()) FAIL("open after a crash failed");
  }

  void clean_reopen() {
    note("close");
    count_db_work();
    ++totals_.clean_reopens;
    if (!reopen()) FAIL("a clean reopen failed");
  }

  // The disk fills up (at once, or after a few more kilobytes) for a few
  // operations. When a write fails, its error must stick, also after the disk
  // has room again, until the Db is reopened; an open while the disk is still
  // full may fail (and the power may then fail too), and one after it has
  // room must succeed.
  void full_episode() {
    ++totals_.full_episodes;
    std::optional<std::uint64_t> capacity;
    if (uniform_u64(rng_, 4) != 0) capacity = disk_.stored_bytes() + uniform_u64(rng_, 4000);
    disk_.set_full(capacity);
    note(fmt::format("full {}", capacity.value_or(0)));
    const std::uint64_t steps = 1 + uniform_u64(rng_, 40);
    for (std::uint64_t i = 0; i < steps && !stuck_; ++i) {
      ++totals_.operations;
      data_step(uniform_u64(rng_, 800));
    }
    if (!stuck_) {
      disk_.clear_full();
      return;
    }
    ++totals_.full_errors;
    const auto expect_stuck = [&] {
      for (std::uint64_t i = 0, n = 1 + uniform_u64(rng_, 4); i < n; ++i) {
        const std::uint64_t what = uniform_u64(rng_, 4);
        if (what == 0) {
          // on_error checks the message; the batch stays unacknowledged.
          if (write_op()) FAIL("a write succeeded on a stuck Db");
          continue;
        }
        const Status status = what == 1 ? db_->sync() : what == 2 ? db_->flush() : db_->compact();
        if (status) FAIL("a sync, flush or compaction succeeded on a stuck Db");
        if (status.error().message != stuck_->message) FAIL("the stuck error changed: " << status.error().message);
        // Reads still work and still see the model.
        get_op();
      }
    };
    expect_stuck();
    const bool reopen_while_full = uniform_u64(rng_, 3) == 0;
    if (!reopen_while_full) disk_.clear_full();
    expect_stuck();  // room again: the Db does not notice by itself
    const bool crash = uniform_u64(rng_, 2) == 0;
    if (reopen_while_full) {
      count_db_work();
      if (crash) {
        db_.reset();
        disk_.crash();
      }
      if (reopen()) {
        disk_.clear_full();
        return;
      }
      // The open failed part way; maybe the power fails right after it.
      if (uniform_u64(rng_, 2) == 0) disk_.crash();
      disk_.clear_full();
      if (!reopen()) FAIL("open failed after the disk had room again");
      return;
    }
    if (crash) return crash_and_reopen();
    clean_reopen();
  }

  void count_db_work() {
    if (!db_) return;
    const DbStats stats = db_->stats();
    totals_.flushes += stats.flush_count;
    totals_.compactions += stats.compaction_count;
    for (std::size_t level = 0; level < stats.table_count_per_level.size(); ++level)
      if (stats.table_count_per_level[level] > 0) totals_.deepest_level = std::max(totals_.deepest_level, level);
  }

  // ---- determinism digest --------------------------------------------------
  // Every outcome goes into the digest, and to stderr with BFTSIM_MODEL_TRACE.
  void note(const std::string& outcome) {
    digest_ = fnv1a_64(outcome + "\n", digest_);
    if (trace_) fmt::print(stderr, "{}\n", outcome);
  }
  void note_status(const char* what, const Status& status) {
    note(status ? std::string(what) + " ok" : fmt::format("{} {}", what, status.error().message));
  }

  Config config_;
  Totals& totals_;
  Rng rng_;
  SimDisk disk_;
  PowerCutFileSystem fs_;  // what the Db sees
  std::unique_ptr<Db> db_;
  Model synced_;                    // survives any crash
  Model current_;                   // what reads must return now
  std::vector<WriteBatch> pending_;  // written since synced_; a crash keeps a prefix
  std::size_t acknowledged_ = 0;     // pending_[0, acknowledged_) returned ok
  std::uint64_t crashes_at_open_ = 0;  // the disk's crash count at the last open
  std::optional<Error> stuck_;       // the first error since the last open
  // Every flip of the seed: bits stay flipped (harmless ones hit data the Db
  // no longer needs), so a corruption error may name any of their files.
  std::vector<DiskCorruption> flips_;
  bool unjudged_flips_ = false;  // the latest flips still await their reopen
  std::uint64_t value_counter_ = 0;
  std::uint64_t digest_ = fnv1a_64_offset_basis;
  bool trace_ = std::getenv("BFTSIM_MODEL_TRACE") != nullptr;
};

std::string summary(const Totals& totals) {
  return fmt::format(
      "seeds {}, ops {}, crashes {} (kept unsynced {}, lost unsynced {}; power cuts in a call {}, in an open {}), "
      "clean reopens {}, torn appends {}, torn WAL tails {}, full episodes {} (stuck errors {}, opens refused {}), corruption events {} ({} flips: detected "
      "{} at open, {} at scan, {} later; harmless {}), flushes {}, compactions {}, deepest level {}",
      totals.seeds, totals.operations, totals.crashes, totals.kept_unsynced, totals.lost_unsynced, totals.power_cuts,
      totals.power_cuts_in_open, totals.clean_reopens,
      totals.torn_appends, totals.torn_wal_tails, totals.full_episodes, totals.full_errors, totals.full_reopen_failures,
      totals.corruption_events, totals.bit_flips, totals.detected_at_open, totals.detected_at_scan,
      totals.detected_later, totals.harmless, totals.flushes, totals.compactions,
      totals.deepest_level);
}

// The seeds to run: `count` from 1 by default; BFTSIM_MODEL_SEED (one seed,
// to reproduce a failure) or BFTSIM_MODEL_SEEDS=first:count (a longer hunt)
// override it.
struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t count = 0;
};

SeedRange seed_range(std::uint64_t default_count) {
  if (const char* one = std::getenv("BFTSIM_MODEL_SEED")) return SeedRange{std::strtoull(one, nullptr, 10), 1};
  if (const char* range = std::getenv("BFTSIM_MODEL_SEEDS")) {
    char* colon = nullptr;
    const std::uint64_t first = std::strtoull(range, &colon, 10);
    if (colon != nullptr && *colon == ':') return SeedRange{first, std::strtoull(colon + 1, nullptr, 10)};
  }
  return SeedRange{1, default_count};
}

std::uint64_t run_seed(std::uint64_t seed, Config config, int operation_count, Totals& totals) {
  ++totals.seeds;
  Harness harness(seed, config, totals);
  harness.run(operation_count);
  return harness.digest();
}

TEST_CASE("storage: Db on the simulated disk agrees with a model across crashes, torn writes and a full disk") {
  Totals totals;
  const SeedRange seeds = seed_range(1500);
  for (std::uint64_t seed = seeds.first; seed < seeds.first + seeds.count; ++seed) {
    INFO("seed ", seed, "; reproduce: BFTSIM_MODEL_SEED=", seed,
         " build-dev/tests/bftsim_tests -tc='*simulated disk agrees*'");
    run_seed(seed, Config{}, 120, totals);
  }
  MESSAGE(summary(totals));
  // The run must reach what it claims to test (checked on full runs only).
  if (seeds.count >= 1000) {
    CHECK(totals.kept_unsynced > 100);
    CHECK(totals.lost_unsynced > 100);
    CHECK(totals.torn_wal_tails > 100);
    CHECK(totals.full_errors > 100);
    CHECK(totals.full_reopen_failures > 10);
    CHECK(totals.deepest_level >= 2);
  }
}

TEST_CASE("storage: Db on the simulated disk reports flipped bits as corruption or reads an allowed state") {
  Totals totals;
  const SeedRange seeds = seed_range(1000);
  for (std::uint64_t seed = seeds.first; seed < seeds.first + seeds.count; ++seed) {
    INFO("seed ", seed, "; reproduce: BFTSIM_MODEL_SEED=", seed,
         " build-dev/tests/bftsim_tests -tc='*flipped bits*'");
    run_seed(seed, Config{.crash_corrupt_ppm = 300'000}, 100, totals);
  }
  MESSAGE(summary(totals));
  if (seeds.count >= 500) {
    CHECK(totals.detected() > 100);
    CHECK(totals.harmless > 10);
  }
}

TEST_CASE("storage: the Db model run on the simulated disk is deterministic") {
  Totals totals;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    const Config config{.crash_corrupt_ppm = 300'000};
    const std::uint64_t first = run_seed(seed, config, 200, totals);
    CHECK(run_seed(seed, config, 200, totals) == first);
    CHECK(run_seed(seed + 1000000, config, 200, totals) != first);
  }
}

}  // namespace
}  // namespace bftsim::test_storage_db_sim_disk_model_test
