// Tests of core/storage/wal.h. Goal: records come back in order; a torn tail
// (any cut inside the last record) replays cleanly and says where it stopped;
// damage followed by intact records is an error naming file and offset.
// Method: write logs into MemoryFileSystem, then cut or flip stored bytes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/wal.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_wal_test {
namespace {

std::vector<std::string> write_log(test::MemoryFileSystem& fs, const std::string& path, int record_count) {
  auto file = fs.open_writable(path, OpenMode::truncate);
  REQUIRE(file.has_value());
  WalWriter writer(path, std::move(*file));
  std::vector<std::string> payloads;
  for (int i = 0; i < record_count; ++i) {
    std::string payload = "record-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 7) * 5, 'x');
    REQUIRE(writer.append(as_bytes(payload)).has_value());
    payloads.push_back(payload);
  }
  REQUIRE(writer.sync().has_value());
  return payloads;
}

std::vector<std::string> payloads_of(const WalReplay& replay) {
  std::vector<std::string> out;
  for (const auto& record : replay.records) out.emplace_back(as_text(record.payload));
  return out;
}

TEST_CASE("storage: wal round trip, including an empty payload and an empty log") {
  test::MemoryFileSystem fs;
  auto payloads = write_log(fs, "db/1.log", 50);
  auto replay = replay_wal(fs, "db/1.log");
  REQUIRE(replay.has_value());
  CHECK(payloads_of(*replay) == payloads);
  CHECK_FALSE(replay->torn_tail.has_value());
  CHECK(replay->intact_size_bytes == fs.file_size("db/1.log").value());

  write_log(fs, "db/2.log", 0);
  auto empty = replay_wal(fs, "db/2.log");
  REQUIRE(empty.has_value());
  CHECK(empty->records.empty());
  CHECK_FALSE(empty->torn_tail.has_value());

  auto file = fs.open_writable("db/3.log", OpenMode::truncate);
  WalWriter writer("db/3.log", std::move(*file));
  REQUIRE(writer.append({}).has_value());
  auto one_empty = replay_wal(fs, "db/3.log");
  REQUIRE(one_empty.has_value());
  REQUIRE(one_empty->records.size() == 1);
  CHECK(one_empty->records[0].payload.empty());

  CHECK(replay_wal(fs, "db/missing.log").error().code == ErrorCode::not_found);
}

TEST_CASE("storage: wal replay with a torn tail at every byte offset of the last record") {
  test::MemoryFileSystem fs;
  auto payloads = write_log(fs, "db/1.log", 10);
  auto full = replay_wal(fs, "db/1.log");
  REQUIRE(full.has_value());
  std::uint64_t last_offset = full->records.back().offset;
  auto inode = fs.inode("db/1.log");
  const auto original = inode->data;
  for (std::size_t cut = last_offset; cut < original.size(); ++cut) {
    CAPTURE(cut);
    inode->data.assign(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(cut));
    auto replay = replay_wal(fs, "db/1.log");
    REQUIRE(replay.has_value());
    CHECK(payloads_of(*replay) == std::vector<std::string>(payloads.begin(), payloads.end() - 1));
    CHECK(replay->intact_size_bytes == last_offset);
    if (cut == last_offset) {
      CHECK_FALSE(replay->torn_tail.has_value());
    } else {
      REQUIRE(replay->torn_tail.has_value());
      CHECK(replay->torn_tail->offset == last_offset);
      CHECK(replay->torn_tail->reason.find("truncated") == 0);
    }
  }
  // Zeros after the end (a file system that extended the file) are a torn tail too.
  inode->data = original;
  inode->data.resize(original.size() + 100, 0);
  auto zeros = replay_wal(fs, "db/1.log");
  REQUIRE(zeros.has_value());
  CHECK(payloads_of(*zeros) == payloads);
  CHECK(zeros->torn_tail.has_value());
}

TEST_CASE("storage: wal reports a flipped bit in any record, the last included, with its offset") {
  // Goal: bytes that are all there but wrong are corruption, wherever they
  // are: the last record may be a synced one (a replica's vote record), so
  // calling it a torn tail would lose it silently. Method: flip each byte of
  // a middle record and of the last record in turn. Control: the last record
  // cut short, or zeros to the end, is a torn tail.
  test::MemoryFileSystem fs;
  write_log(fs, "db/7.log", 10);
  auto full = replay_wal(fs, "db/7.log");
  REQUIRE(full.has_value());
  auto inode = fs.inode("db/7.log");
  const auto original = inode->data;
  for (std::size_t record : {std::size_t{4}, std::size_t{9}}) {
    const std::uint64_t bad_offset = full->records[record].offset;
    const std::uint64_t next_offset = record + 1 < full->records.size() ? full->records[record + 1].offset
                                                                        : original.size();
    // A flip anywhere in the record: header length, checksums, type or payload.
    for (std::uint64_t byte = bad_offset; byte < next_offset; ++byte) {
      CAPTURE(byte);
      inode->data = original;
      inode->data[byte] ^= 0x10;
      auto replay = replay_wal(fs, "db/7.log");
      REQUIRE_FALSE(replay.has_value());
      CHECK(replay.error().code == ErrorCode::corruption);
      CHECK(replay.error().message.find("db/7.log: offset " + std::to_string(bad_offset) + ": ") == 0);
    }
  }
  inode->data = original;
  inode->data.resize(original.size() - 1);
  auto cut = replay_wal(fs, "db/7.log");
  REQUIRE(cut.has_value());
  CHECK(cut->records.size() == 9);
  REQUIRE(cut->torn_tail.has_value());
  inode->data = original;
  inode->data.resize(full->records[9].offset);
  inode->data.resize(original.size() + 20, 0);
  auto zeros = replay_wal(fs, "db/7.log");
  REQUIRE(zeros.has_value());
  CHECK(zeros->records.size() == 9);
  REQUIRE(zeros->torn_tail.has_value());
  CHECK(zeros->torn_tail->reason == "zeros to the end of the file");
}

}  // namespace
}  // namespace bftsim::test_storage_wal_test
