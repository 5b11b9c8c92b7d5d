// Tests of core/storage/manifest.h. Goal: every crash point of an update
// leaves a readable manifest holding either the old or the new state (the new
// one whenever the update returned ok), and damage is an error with an
// offset. Method: MemoryFileSystem fails the k-th mutating call for every k,
// then crashes (dropping, or tearing, unsynced bytes and directory changes).
#include <doctest/doctest.h>

#include <string>

#include "core/storage/coding.h"
#include "core/storage/file_names.h"
#include "core/storage/manifest.h"
#include "tests/storage/memory_file_system.h"

namespace bftsim::test_storage_manifest_test {
namespace {

ManifestState state_with(int table_count, std::uint64_t next_file_number) {
  ManifestState state;
  state.next_file_number = next_file_number;
  state.last_sequence = next_file_number * 100;
  state.log_number = next_file_number - 1;
  for (int i = 0; i < table_count; ++i)
    state.tables.push_back(TableMeta{i % 3, static_cast<std::uint64_t>(i + 1), 1000u + static_cast<std::uint64_t>(i), 10,
                                     "a" + std::to_string(i), "z" + std::to_string(i)});
  return state;
}

TEST_CASE("storage: manifest round trip and a missing manifest") {
  test::MemoryFileSystem fs;
  auto none = read_manifest(fs, "db");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  ManifestState state = state_with(7, 20);
  REQUIRE(write_manifest(fs, "db", state).has_value());
  auto read = read_manifest(fs, "db");
  REQUIRE(read.has_value());
  REQUIRE(read->has_value());
  CHECK(**read == state);
}

TEST_CASE("storage: manifest update survives a crash at every step with the old or the new state") {
  const ManifestState old_state = state_with(3, 10);
  const ManifestState new_state = state_with(5, 12);
  for (int torn = 0; torn < 2; ++torn) {
    bool saw_old = false, saw_new = false;
    for (std::uint64_t step = 0;; ++step) {
      CAPTURE(step);
      CAPTURE(torn);
      test::MemoryFileSystem fs;
      REQUIRE(write_manifest(fs, "db", old_state).has_value());
      fs.fail_at_step(step);
      bool update_ok = write_manifest(fs, "db", new_state).has_value();
      bool fault_hit = fs.failed();
      fs.crash(torn ? std::optional<std::uint64_t>(step) : std::nullopt);
      auto read = read_manifest(fs, "db");
      REQUIRE(read.has_value());
      REQUIRE(read->has_value());
      bool is_old = **read == old_state;
      bool is_new = **read == new_state;
      CHECK((is_old || is_new));
      if (update_ok) CHECK(is_new);
      saw_old |= is_old;
      saw_new |= is_new;
      if (!fault_hit) break;  // the update ran to its end without a fault
    }
    CHECK(saw_old);
    CHECK(saw_new);
  }
}

TEST_CASE("storage: a damaged or truncated manifest is an error naming file and offset") {
  test::MemoryFileSystem fs;
  REQUIRE(write_manifest(fs, "db", state_with(4, 9)).has_value());
  auto inode = fs.inode("db/MANIFEST");
  const auto original = inode->data;
  for (std::size_t byte = 0; byte < original.size(); ++byte) {
    CAPTURE(byte);
    inode->data = original;
    inode->data[byte] ^= 0x08;
    auto read = read_manifest(fs, "db");
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().code == ErrorCode::corruption);
    CHECK(read.error().message.find("db/MANIFEST: offset ") == 0);
  }
  for (std::size_t size = 0; size < original.size(); ++size) {
    CAPTURE(size);
    inode->data.assign(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(size));
    auto read = read_manifest(fs, "db");
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().message.find("db/MANIFEST: offset ") == 0);
  }
}

TEST_CASE("storage: file names parse back to their kind and number") {
  CHECK(wal_file_name(7) == "000007.log");
  CHECK(table_file_name(1234567) == "1234567.sst");
  auto table = parse_file_name("000012.sst");
  REQUIRE(table.has_value());
  CHECK(table->kind == FileKind::table);
  CHECK(table->number == 12);
  CHECK(parse_file_name("000012.log")->kind == FileKind::wal);
  CHECK_FALSE(parse_file_name("MANIFEST").has_value());
  CHECK_FALSE(parse_file_name("MANIFEST.tmp").has_value());
  CHECK_FALSE(parse_file_name("12a.sst").has_value());
  CHECK_FALSE(parse_file_name(".sst").has_value());
}

}  // namespace
}  // namespace bftsim::test_storage_manifest_test
