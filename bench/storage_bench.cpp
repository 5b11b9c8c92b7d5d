// bench_storage: bftsim's LSM (core/storage/db.h) side by side with LevelDB,
// on real files (PosixFileSystem) in a fresh directory under $TMPDIR or /tmp
// that is removed at exit. Keys are 16 bytes (hex of splitmix64(index), so
// index order is a random key order), values 100 bytes, 1 M keys by default:
//   bench_storage [--keys=N] [Google Benchmark flags, e.g. --benchmark_repetitions=3]
// Rows are workload/engine; items_per_second counts key-value pairs (and
// fdatasync calls in fdatasync/posix). Both engines get the same settings
// (storage_engine.h: 4 MiB memtable, 10 Bloom bits per key, 4 KiB blocks,
// 2 MiB tables, no compression) and the same sync flags:
//   fillrandom  N puts in random key order into an empty database, sync=false
//   fillsync    one put per iteration, sync=true (one fdatasync per write)
//   fillgroup   a 64-put batch per iteration, sync=true (one fdatasync per 64 writes)
//   fdatasync/posix  append 116 bytes + fdatasync on a plain file: the disk's ceiling for fillsync
//   readrandom  get of a random existing key (all hits)
//   readseq     every pair in key order, in chunks of 1024 (bftsim: Db::scan from past the last key)
//   scan        100 pairs from the first key >= a random existing key
// The read rows share one database per engine, filled with N keys (sync=false)
// and fully compacted (Db::compact, LevelDB CompactRange) before any is timed.
// Fills time only the writes: LevelDB may still be compacting in the background
// when its fill ends, as in its own db_bench; bftsim compacts inside put().
// Without LevelDB at build time, only the bftsim rows exist (see the context).
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "bench/storage_engine.h"
#include "core/storage/posix_file_system.h"

namespace bftsim::bench {
namespace {

constexpr std::size_t key_size_bytes = 16;
constexpr std::size_t value_size_bytes = 100;
constexpr std::size_t group_size = 64;
constexpr std::size_t scan_length = 100;
constexpr std::size_t read_chunk_size = 1024;
constexpr std::uint64_t key_count_default = 1'000'000;

std::uint64_t key_count = key_count_default;
std::string root_dir;  // the temporary directory holding every database

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// splitmix64 is a bijection on 64 bits, so distinct indexes give distinct keys.
std::string key_of(std::uint64_t index) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string key(key_size_bytes, '0');
  std::uint64_t bits = splitmix64(index);
  for (std::size_t i = key_size_bytes; i-- > 0; bits >>= 4) key[i] = digits[bits & 15];
  return key;
}

std::string value_of(std::uint64_t index) {
  std::string value(value_size_bytes, 'a');
  std::uint64_t bits = splitmix64(index ^ 0x5DEECE66Dull);
  for (std::size_t i = 0; i < value_size_bytes; ++i) value[i] = static_cast<char>('a' + (bits >> (i % 8 * 8)) % 26);
  return value;
}

using Opener = Result<std::unique_ptr<StorageEngine>> (*)(const std::string&, const EngineOptions&);

struct EngineKind {
  const char* name;
  Opener open;
};

std::vector<EngineKind> engine_kinds() {
  std::vector<EngineKind> kinds{{"bftsim", &open_bftsim_engine}};
#ifdef BFTSIM_HAVE_LEVELDB
  kinds.push_back({"leveldb", &open_leveldb_engine});
#endif
  return kinds;
}

// A database in a new directory under root_dir, removed when this goes away.
class ScratchDb {
 public:
  ScratchDb(const EngineKind& kind, const std::string& label) {
    static int counter = 0;
    dir_ = fmt::format("{}/{}-{}-{}", root_dir, label, kind.name, counter++);
    auto engine = kind.open(dir_, EngineOptions{});
    if (!engine) {
      error_ = fmt::format("open {}: {}", dir_, engine.error().message);
      return;
    }
    engine_ = std::move(*engine);
  }
  ~ScratchDb() {
    engine_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;

  StorageEngine* engine() const { return engine_.get(); }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::unique_ptr<StorageEngine> engine_;
  std::string error_;
};

// The read benchmarks' database per engine: key_count keys, compacted.
// Built at first use, outside any timed loop; released in main.
std::map<std::string, std::unique_ptr<ScratchDb>> filled_dbs;

StorageEngine* filled_db(const EngineKind& kind, benchmark::State& state) {
  auto& slot = filled_dbs[kind.name];
  if (!slot) {
    slot = std::make_unique<ScratchDb>(kind, "filled");
    if (!slot->engine()) {
      state.SkipWithError(slot->error().c_str());
      return nullptr;
    }
    for (std::uint64_t i = 0; i < key_count; ++i) {
      if (auto status = slot->engine()->put(key_of(i), value_of(i), false); !status) {
        state.SkipWithError(("fill: " + status.error().message).c_str());
        slot.reset();
        return nullptr;
      }
    }
    if (auto status = slot->engine()->compact(); !status) {
      state.SkipWithError(("compact: " + status.error().message).c_str());
      slot.reset();
      return nullptr;
    }
  }
  return slot->engine();
}

void fill_random(benchmark::State& state, EngineKind kind) {
  // Iterations(1): opening before the loop and closing after it stay untimed.
  // LevelDB's close waits for its background compaction.
  ScratchDb db(kind, "fillrandom");
  if (!db.engine()) return state.SkipWithError(db.error().c_str());
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < key_count; ++i) {
      if (auto status = db.engine()->put(key_of(i), value_of(i), false); !status)
        return state.SkipWithError(status.error().message.c_str());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * key_count));
}

void fill_sync(benchmark::State& state, EngineKind kind) {
  ScratchDb db(kind, "fillsync");
  if (!db.engine()) return state.SkipWithError(db.error().c_str());
  std::uint64_t index = 0;
  for (auto _ : state) {
    if (auto status = db.engine()->put(key_of(index), value_of(index), true); !status)
      return state.SkipWithError(status.error().message.c_str());
    ++index;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(index));
}

void fill_group(benchmark::State& state, EngineKind kind) {
  ScratchDb db(kind, "fillgroup");
  if (!db.engine()) return state.SkipWithError(db.error().c_str());
  std::uint64_t index = 0;
  std::vector<KeyValue> group;
  for (auto _ : state) {
    group.clear();
    for (std::size_t i = 0; i < group_size; ++i, ++index) group.emplace_back(key_of(index), value_of(index));
    if (auto status = db.engine()->write_batch(group, true); !status)
      return state.SkipWithError(status.error().message.c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(index));
}

// The disk's own rate of small durable appends, through the same
// PosixFileSystem the bftsim engine uses, in the same directory tree.
void fdatasync_posix(benchmark::State& state) {
  PosixFileSystem fs;
  const std::string path = root_dir + "/fdatasync.log";
  auto file = fs.open_writable(path, OpenMode::truncate);
  if (!file) return state.SkipWithError(file.error().message.c_str());
  const std::vector<std::uint8_t> record(key_size_bytes + value_size_bytes, 0x5a);
  for (auto _ : state) {
    if (auto status = (*file)->append(record); !status) return state.SkipWithError(status.error().message.c_str());
    if (auto status = (*file)->sync(); !status) return state.SkipWithError(status.error().message.c_str());
  }
  (void)(*file)->close();
  (void)fs.remove(path);
  state.SetItemsProcessed(state.iterations());
}

void read_random(benchmark::State& state, EngineKind kind) {
  StorageEngine* engine = filled_db(kind, state);
  if (engine == nullptr) return;
  std::uint64_t draw = 0;
  for (auto _ : state) {
    const std::string key = key_of(splitmix64(draw++ ^ 0xA5A5) % key_count);
    auto value = engine->get(key);
    if (!value || !value->has_value()) return state.SkipWithError(("missing key " + key).c_str());
    benchmark::DoNotOptimize(value->value().data());
  }
  state.SetItemsProcessed(state.iterations());
}

void read_seq(benchmark::State& state, EngineKind kind) {
  StorageEngine* engine = filled_db(kind, state);
  if (engine == nullptr) return;
  std::vector<KeyValue> chunk;
  std::size_t read_count = 0;
  for (auto _ : state) {
    auto count = engine->read_all(read_chunk_size, chunk);
    if (!count) return state.SkipWithError(count.error().message.c_str());
    if (*count != key_count) return state.SkipWithError(fmt::format("read {} pairs of {}", *count, key_count).c_str());
    read_count += *count;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(read_count));
}

void scan(benchmark::State& state, EngineKind kind) {
  StorageEngine* engine = filled_db(kind, state);
  if (engine == nullptr) return;
  std::vector<KeyValue> pairs;
  std::uint64_t draw = 0;
  std::size_t read_count = 0;
  for (auto _ : state) {
    const std::string begin = key_of(splitmix64(draw++ ^ 0x5A5A) % key_count);
    if (auto status = engine->scan(begin, scan_length, pairs); !status)
      return state.SkipWithError(status.error().message.c_str());
    if (pairs.empty() || pairs.front().first != begin) return state.SkipWithError(("scan missed " + begin).c_str());
    read_count += pairs.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(read_count));
}

void register_benchmarks() {
  const std::vector<EngineKind> kinds = engine_kinds();
  auto each_engine = [&](const char* workload, void (*run)(benchmark::State&, EngineKind)) {
    std::vector<benchmark::internal::Benchmark*> rows;
    for (const EngineKind& kind : kinds)
      rows.push_back(benchmark::RegisterBenchmark(fmt::format("{}/{}", workload, kind.name).c_str(), run, kind)
                         ->UseRealTime()
                         ->Unit(benchmark::kMicrosecond));
    return rows;
  };
  // One fill of key_count keys per repetition: a second iteration would time
  // a different (bigger) job.
  for (auto* row : each_engine("fillrandom", fill_random)) row->Iterations(1)->Unit(benchmark::kMillisecond);
  each_engine("fillsync", fill_sync);
  each_engine("fillgroup", fill_group);
  benchmark::RegisterBenchmark("fdatasync/posix", fdatasync_posix)->UseRealTime()->Unit(benchmark::kMicrosecond);
  each_engine("readrandom", read_random);
  for (auto* row : each_engine("readseq", read_seq)) row->Unit(benchmark::kMillisecond);
  each_engine("scan", scan);
}

// Removes --keys=N from argv; false on a malformed value.
bool parse_key_count(int& argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--keys=")) {
      std::string_view digits = arg.substr(7);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), key_count);
      if (error != std::errc{} || end != digits.data() + digits.size() || key_count == 0) return false;
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  return true;
}

}  // namespace
}  // namespace bftsim::bench

int main(int argc, char** argv) {
  using namespace bftsim::bench;
  if (!parse_key_count(argc, argv)) {
    std::fprintf(stderr, "bench_storage: --keys=N needs a positive integer\n");
    return 2;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/bftsim-storage-bench-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "bench_storage: mkdtemp %s: %s\n", pattern.c_str(), std::strerror(errno));
    return 2;
  }
  root_dir = pattern;

  benchmark::AddCustomContext("keys", std::to_string(key_count));
  benchmark::AddCustomContext("key_value_bytes", fmt::format("{}+{}", key_size_bytes, value_size_bytes));
  benchmark::AddCustomContext("dir", root_dir);
#ifdef BFTSIM_HAVE_LEVELDB
  benchmark::AddCustomContext("leveldb", "yes (no compression, bloom 10, 4 MiB write buffer, 8 MiB block cache)");
#else
  benchmark::AddCustomContext("leveldb", "not found at build time: bftsim rows only (apt-get install libleveldb-dev)");
#endif
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  filled_dbs.clear();
  std::error_code ignored;
  std::filesystem::remove_all(root_dir, ignored);
  return 0;
}
