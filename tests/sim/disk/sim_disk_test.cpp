// Tests for sim/disk/sim_disk.h: every durability rule of the FileSystem
// contract across crash() (synced bytes survive, unsynced do not, names need
// sync_dir), the torn, corrupt, slow and full faults, handles dying in a
// crash, and determinism of the random choices. Every case name says "disk"
// so `-tc='*disk*'` runs them all.
#include "sim/disk/sim_disk.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace bftsim::test_sim_disk_sim_disk_test {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

SimDisk make_disk(std::uint64_t seed = 7) { return SimDisk(SimDisk::disk_stream(seed, 2)); }

// Opens `path`, appends `text`, optionally syncs, and closes.
void write_file(SimDisk& disk, const std::string& path, std::string_view text, bool sync,
                OpenMode mode = OpenMode::truncate) {
  auto file = disk.open_writable(path, mode);
  REQUIRE_MESSAGE(file.has_value(), file.error().message);
  REQUIRE((*file)->append(bytes_of(text)).has_value());
  if (sync) REQUIRE((*file)->sync().has_value());
  REQUIRE((*file)->close().has_value());
}

// The whole file as text, or "<missing>".
std::string contents(SimDisk& disk, const std::string& path) {
  auto file = disk.open_readable(path);
  if (!file) {
    CHECK(file.error().code == ErrorCode::not_found);
    return "<missing>";
  }
  auto bytes = (*file)->read(0, (*file)->size());
  REQUIRE(bytes.has_value());
  return std::string(bytes->begin(), bytes->end());
}

TEST_CASE("disk: synced bytes survive a crash, unsynced appends do not") {
  // Goal: a file holds exactly its synced bytes after a crash. Method: sync
  // "abc", append "def" without a sync, dir-sync the name, crash; a control
  // file synced after both appends keeps all six bytes.
  SimDisk disk = make_disk();
  REQUIRE(disk.create_dir("db").has_value());
  auto file = disk.open_writable("db/wal", OpenMode::truncate);
  REQUIRE(file.has_value());
  REQUIRE((*file)->append(bytes_of("abc")).has_value());
  REQUIRE((*file)->sync().has_value());
  REQUIRE((*file)->append(bytes_of("def")).has_value());
  CHECK((*file)->size() == 6);
  CHECK(contents(disk, "db/wal") == "abcdef");  // reads see unsynced bytes
  write_file(disk, "db/control", "abcdef", true);
  REQUIRE(disk.sync_dir("db").has_value());
  disk.crash();
  CHECK(contents(disk, "db/wal") == "abc");
  CHECK(contents(disk, "db/control") == "abcdef");
  CHECK(disk.file_size("db/wal") == 3U);
  CHECK(disk.counters().crashes == 1);
}

TEST_CASE("disk: an unsynced truncation reverts to the synced bytes") {
  // Goal: reopening with OpenMode::truncate is volatile until sync. Method:
  // sync "old", reopen truncating and append "new" without a sync, crash.
  SimDisk disk = make_disk();
  write_file(disk, "f", "old", true);
  REQUIRE(disk.sync_dir("").has_value());
  write_file(disk, "f", "new", false);
  CHECK(contents(disk, "f") == "new");
  disk.crash();
  CHECK(contents(disk, "f") == "old");
  write_file(disk, "f", "+more", false, OpenMode::append);
  CHECK(contents(disk, "f") == "old+more");
}

TEST_CASE("disk: a created name that was never dir-synced disappears in a crash") {
  // Goal: like POSIX without a directory fsync, a synced file whose entry was
  // not dir-synced is gone. Method: create and sync two files, dir-sync after
  // the first only, crash.
  SimDisk disk = make_disk();
  REQUIRE(disk.create_dir("db").has_value());
  write_file(disk, "db/kept", "1", true);
  REQUIRE(disk.sync_dir("db").has_value());
  write_file(disk, "db/lost", "2", true);
  CHECK(disk.exists("db/lost"));
  disk.crash();
  CHECK(contents(disk, "db/kept") == "1");
  CHECK_FALSE(disk.exists("db/lost"));
  CHECK(disk.list("db") == std::vector<std::string>{"kept"});
}

TEST_CASE("disk: a rename that was not dir-synced reverts, a dir-synced one stays") {
  // Goal: rename is durable only after sync_dir, and atomic: the target holds
  // the old file or the new one. Method: MANIFEST (synced, "v1") is replaced
  // by renaming TMP ("v2") over it; crash before and after sync_dir.
  SimDisk disk = make_disk();
  write_file(disk, "MANIFEST", "v1", true);
  write_file(disk, "TMP", "v2", true);
  REQUIRE(disk.sync_dir("").has_value());
  REQUIRE(disk.rename("TMP", "MANIFEST").has_value());
  CHECK(contents(disk, "MANIFEST") == "v2");
  CHECK_FALSE(disk.exists("TMP"));
  disk.crash();
  CHECK(contents(disk, "MANIFEST") == "v1");
  CHECK(contents(disk, "TMP") == "v2");  // the old name comes back with its durable bytes

  REQUIRE(disk.rename("TMP", "MANIFEST").has_value());
  REQUIRE(disk.sync_dir("").has_value());
  disk.crash();
  CHECK(contents(disk, "MANIFEST") == "v2");
  CHECK_FALSE(disk.exists("TMP"));
}

TEST_CASE("disk: a rename of a file whose bytes were never synced keeps only synced bytes") {
  // Goal: the name and the bytes are separate promises. Method: write "data"
  // without a sync, rename it and dir-sync, crash: the name survives, empty.
  SimDisk disk = make_disk();
  write_file(disk, "tmp", "data", false);
  REQUIRE(disk.rename("tmp", "final").has_value());
  REQUIRE(disk.sync_dir("").has_value());
  disk.crash();
  CHECK(contents(disk, "final").empty());
  CHECK_FALSE(disk.exists("tmp"));
}

TEST_CASE("disk: a remove that was not dir-synced reverts") {
  // Goal: remove is durable only after sync_dir. Method: remove a synced
  // file, crash (it returns with its bytes), remove again with sync_dir,
  // crash (it stays gone).
  SimDisk disk = make_disk();
  write_file(disk, "old.sst", "table", true);
  REQUIRE(disk.sync_dir("").has_value());
  REQUIRE(disk.remove("old.sst").has_value());
  CHECK_FALSE(disk.exists("old.sst"));
  CHECK(disk.remove("old.sst").error().code == ErrorCode::not_found);
  disk.crash();
  CHECK(contents(disk, "old.sst") == "table");
  REQUIRE(disk.remove("old.sst").has_value());
  REQUIRE(disk.sync_dir("").has_value());
  disk.crash();
  CHECK_FALSE(disk.exists("old.sst"));
}

TEST_CASE("disk: sync_dir covers only its own directory") {
  // Goal: a directory sync makes only that directory's entries durable.
  // Method: create files in "a" and "b", dir-sync "a" only, crash.
  SimDisk disk = make_disk();
  REQUIRE(disk.create_dir("a").has_value());
  REQUIRE(disk.create_dir("b/c").has_value());
  write_file(disk, "a/x", "1", true);
  write_file(disk, "b/y", "2", true);
  REQUIRE(disk.sync_dir("a").has_value());
  disk.crash();
  CHECK(disk.exists("a/x"));
  CHECK_FALSE(disk.exists("b/y"));
  CHECK(disk.exists("b/c"));  // directories are durable when created
  CHECK(disk.list("b") == std::vector<std::string>{"c"});
  CHECK(disk.list("b/") == std::vector<std::string>{"c"});
  CHECK(disk.list("") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("disk: handles opened before a crash fail with io_error") {
  // Goal: a crash kills every open handle. Method: open a writer and a
  // reader, crash, use both; a handle opened after the crash works.
  SimDisk disk = make_disk();
  write_file(disk, "f", "abc", true);
  REQUIRE(disk.sync_dir("").has_value());
  auto writer = disk.open_writable("f", OpenMode::append);
  auto reader = disk.open_readable("f");
  REQUIRE(writer.has_value());
  REQUIRE(reader.has_value());
  disk.crash();
  CHECK((*writer)->append(bytes_of("x")).error().code == ErrorCode::io_error);
  CHECK((*writer)->sync().error().code == ErrorCode::io_error);
  CHECK((*writer)->close().error().code == ErrorCode::io_error);
  CHECK((*reader)->read(0, 3).error().code == ErrorCode::io_error);
  auto fresh = disk.open_writable("f", OpenMode::append);
  REQUIRE(fresh.has_value());
  CHECK((*fresh)->size() == 3);
  CHECK((*fresh)->append(bytes_of("d")).has_value());
  CHECK((*fresh)->close().has_value());
  CHECK((*fresh)->append(bytes_of("e")).error().code == ErrorCode::io_error);  // after close
}

TEST_CASE("disk: path errors are values") {
  // Goal: bad calls return errors, never assert. Method: each bad call once.
  SimDisk disk = make_disk();
  CHECK(disk.open_readable("nope").error().code == ErrorCode::not_found);
  CHECK(disk.file_size("nope").error().code == ErrorCode::not_found);
  CHECK(disk.open_writable("no/dir/file", OpenMode::truncate).error().code == ErrorCode::not_found);
  CHECK(disk.rename("nope", "x").error().code == ErrorCode::not_found);
  CHECK(disk.list("nope").error().code == ErrorCode::not_found);
  CHECK(disk.sync_dir("nope").error().code == ErrorCode::not_found);
  REQUIRE(disk.create_dir("d").has_value());
  CHECK(disk.open_writable("d", OpenMode::truncate).error().code == ErrorCode::invalid_argument);
  CHECK(disk.remove("d").error().code == ErrorCode::invalid_argument);
  CHECK(disk.create_dir("d").has_value());  // ok when it exists
}

TEST_CASE("disk: torn keeps a prefix of the last unsynced append only") {
  // Goal: with torn on, a crash keeps the synced bytes, the earlier unsynced
  // appends whole, and a strict prefix of the last append. Method: sync
  // "AAAA", append "BBBB" and "CCCCCCCC", crash torn, over several seeds; a
  // synced-only file and a file without torn are the controls.
  bool saw_partial = false;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimDisk disk = make_disk(seed);
    auto file = disk.open_writable("wal", OpenMode::truncate);
    REQUIRE(file.has_value());
    REQUIRE((*file)->append(bytes_of("AAAA")).has_value());
    REQUIRE((*file)->sync().has_value());
    REQUIRE((*file)->append(bytes_of("BBBB")).has_value());
    REQUIRE((*file)->append(bytes_of("CCCCCCCC")).has_value());
    write_file(disk, "synced", "SSSS", true);
    REQUIRE(disk.sync_dir("").has_value());
    disk.set_torn(true);
    disk.crash();
    const std::string kept = contents(disk, "wal");
    CAPTURE(kept);
    REQUIRE(kept.size() >= 8);
    CHECK(kept.size() < 16);
    CHECK(kept.substr(0, 8) == "AAAABBBB");
    CHECK(kept.substr(8) == std::string(kept.size() - 8, 'C'));
    CHECK(contents(disk, "synced") == "SSSS");
    CHECK(disk.counters().torn_appends == 1);
    saw_partial = saw_partial || kept.size() > 8;
    // The tear is durable: a second crash changes nothing.
    disk.crash();
    CHECK(contents(disk, "wal") == kept);
  }
  CHECK(saw_partial);

  SimDisk control = make_disk();
  write_file(control, "wal", "AAAA", true);
  REQUIRE(control.sync_dir("").has_value());
  write_file(control, "wal", "BBBB", false, OpenMode::append);
  control.crash();
  CHECK(contents(control, "wal") == "AAAA");
  CHECK(control.counters().torn_appends == 0);
}

TEST_CASE("disk: corrupt flips bits at the named offset of durable data") {
  // Goal: corrupt(path, offset, mask) changes exactly that byte, reads return
  // it, and it survives a crash. Method: flip bit 0 then bits 0xF0 of "abc".
  SimDisk disk = make_disk();
  write_file(disk, "sst", "abc", true);
  REQUIRE(disk.sync_dir("").has_value());
  REQUIRE(disk.corrupt("sst", 1).has_value());
  CHECK(contents(disk, "sst") == std::string("a") + static_cast<char>('b' ^ 0x01) + "c");
  disk.crash();
  CHECK(contents(disk, "sst") == std::string("a") + static_cast<char>('b' ^ 0x01) + "c");
  REQUIRE(disk.corrupt("sst", 2, 0xF0).has_value());
  CHECK(static_cast<std::uint8_t>(contents(disk, "sst")[2]) == ('c' ^ 0xF0));
  CHECK(disk.corrupt("sst", 3).error().code == ErrorCode::invalid_argument);  // past the synced bytes
  CHECK(disk.corrupt("nope", 0).error().code == ErrorCode::not_found);
  CHECK(disk.counters().bit_flips == 2);
  CHECK(disk.counters().faults_injected == 2);
}

TEST_CASE("disk: corrupt_random flips bits only in synced data, deterministically") {
  // Goal: random corruption picks among files with synced bytes, and the same
  // seed makes the same choices. Method: two disks from one seed get the same
  // files and flips; a third seed differs; the unsynced tail is never hit.
  const auto setup = [](SimDisk& disk) {
    write_file(disk, "a", std::string(64, 'a'), true);
    write_file(disk, "empty", "", true);
    write_file(disk, "b", std::string(64, 'b'), true);
    write_file(disk, "b", std::string(64, 'u'), false, OpenMode::append);
    write_file(disk, "unsynced", "zzzz", false);
  };
  SimDisk first = make_disk(11);
  SimDisk again = make_disk(11);
  SimDisk other = make_disk(12);
  setup(first);
  setup(again);
  setup(other);
  const std::vector<DiskCorruption> flips = first.corrupt_random(16);
  REQUIRE(flips.size() == 16);
  CHECK(again.corrupt_random(16) == flips);
  CHECK(other.corrupt_random(16) != flips);
  for (const DiskCorruption& flip : flips) {
    CAPTURE(flip.path);
    CHECK((flip.path == "a" || flip.path == "b"));
    CHECK(flip.offset < 64);
    CHECK((flip.mask != 0 && (flip.mask & (flip.mask - 1)) == 0));  // one bit
  }
  CHECK(contents(first, "b").substr(64) == std::string(64, 'u'));
  CHECK(contents(first, "unsynced") == "zzzz");
  CHECK(make_disk().corrupt_random(3).empty());  // nothing to corrupt, no draw
}

TEST_CASE("disk: torn and corrupt draws depend only on the seed and their own stream") {
  // Goal: determinism and stream independence. Method: the same seed tears to
  // the same length; a corruption drawn before the crash does not change the
  // tear (separate streams "torn" and "corrupt").
  const auto tear = [](std::uint64_t seed, bool corrupt_first) {
    SimDisk disk = make_disk(seed);
    write_file(disk, "wal", "synced", true);
    REQUIRE(disk.sync_dir("").has_value());
    write_file(disk, "wal", std::string(1000, 'x'), false, OpenMode::append);
    if (corrupt_first) CHECK(disk.corrupt_random(5).size() == 5);
    disk.set_torn(true);
    disk.crash();
    return disk.file_size("wal").value();
  };
  CHECK(tear(5, false) == tear(5, false));
  CHECK(tear(5, false) == tear(5, true));
  bool differs = false;
  for (std::uint64_t seed = 6; seed < 12; ++seed) differs = differs || tear(seed, false) != tear(5, false);
  CHECK(differs);
}

TEST_CASE("disk: full fails appends with io_error at the capacity") {
  // Goal: `full` refuses appends past the capacity, or every append without
  // one, and clearing it lets writes through. Method: capacity 10 bytes with
  // 6 stored; then no capacity; then cleared.
  SimDisk disk = make_disk();
  write_file(disk, "f", "123456", true);
  disk.set_full(10);
  auto file = disk.open_writable("f", OpenMode::append);
  REQUIRE(file.has_value());
  CHECK((*file)->append(bytes_of("7890")).has_value());  // exactly at the capacity
  const Status refused = (*file)->append(bytes_of("x"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::io_error);
  CHECK(refused.error().message.find("no space") != std::string::npos);
  CHECK((*file)->size() == 10);
  CHECK(disk.stored_bytes() == 10);
  disk.set_full(std::nullopt);
  CHECK((*file)->append(bytes_of("")).error().code == ErrorCode::io_error);
  CHECK((*file)->sync().has_value());  // only appends fail
  disk.clear_full();
  CHECK((*file)->append(bytes_of("x")).has_value());
  CHECK(disk.counters().full_rejections == 2);
  CHECK(disk.counters().bytes_written == 11);
}

TEST_CASE("disk: slow syncs accumulate their latency until taken") {
  // Goal: each sync and sync_dir adds the slow latency (the base latency
  // otherwise) and take_delay returns and resets it. Method: base 0 adds
  // nothing; slow 20ms over two syncs; base 1us after clear_slow.
  SimDisk disk = make_disk();
  write_file(disk, "f", "x", true);
  CHECK(disk.take_delay() == 0);
  disk.set_slow(20 * ns_per_ms);
  write_file(disk, "f", "y", true, OpenMode::append);
  REQUIRE(disk.sync_dir("").has_value());
  CHECK(disk.take_delay() == 40 * ns_per_ms);
  CHECK(disk.take_delay() == 0);
  disk.clear_slow();
  REQUIRE(disk.sync_dir("").has_value());
  CHECK(disk.take_delay() == 0);
  CHECK(disk.counters().syncs == 2);
  CHECK(disk.counters().dir_syncs == 2);
  CHECK(disk.counters().slow_syncs == 2);
  CHECK(disk.counters().sync_delay_total == 40 * ns_per_ms);

  SimDisk based(SimDisk::disk_stream(1, 0), SimDiskOptions{.sync_latency_base = 1 * ns_per_us});
  REQUIRE(based.sync_dir("").has_value());
  CHECK(based.take_delay() == 1 * ns_per_us);
}

TEST_CASE("disk: an open writer keeps writing to its file after a rename") {
  // Goal: names point at inodes, so a handle follows its file. Method: open
  // "a", rename it to "b", append and sync through the handle, dir-sync, crash.
  SimDisk disk = make_disk();
  auto file = disk.open_writable("a", OpenMode::truncate);
  REQUIRE(file.has_value());
  REQUIRE(disk.rename("a", "b").has_value());
  REQUIRE((*file)->append(bytes_of("hello")).has_value());
  REQUIRE((*file)->sync().has_value());
  REQUIRE(disk.sync_dir("").has_value());
  disk.crash();
  CHECK(contents(disk, "b") == "hello");
  CHECK_FALSE(disk.exists("a"));
}

}  // namespace
}  // namespace bftsim::test_sim_disk_sim_disk_test
