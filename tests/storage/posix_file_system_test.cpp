// Tests of core/storage/posix_file_system.h. Goal: the FileSystem contract
// holds over real files. Method: a scratch directory under /tmp named by the
// process id; append, read back, rename over, list, remove; errors name paths.
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "core/storage/coding.h"
#include "core/storage/posix_file_system.h"

namespace bftsim::test_storage_posix_file_system_test {
namespace {

TEST_CASE("storage: PosixFileSystem appends, reads, renames, lists and removes") {
  PosixFileSystem fs;
  std::string dir = "/tmp/bftsim_posix_fs_test_" + std::to_string(::getpid()) + "/a/b";
  REQUIRE(fs.create_dir(dir).has_value());
  REQUIRE(fs.create_dir(dir).has_value());  // ok when it exists

  std::string path = join_path(dir, "file");
  {
    auto file = fs.open_writable(path, OpenMode::truncate);
    REQUIRE(file.has_value());
    REQUIRE((*file)->append(as_bytes("hello ")).has_value());
    REQUIRE((*file)->sync().has_value());
    REQUIRE((*file)->close().has_value());
  }
  {
    auto file = fs.open_writable(path, OpenMode::append);
    REQUIRE(file.has_value());
    CHECK((*file)->size() == 6);
    REQUIRE((*file)->append(as_bytes("world")).has_value());
    CHECK((*file)->size() == 11);
  }
  REQUIRE(fs.sync_dir(dir).has_value());
  auto readable = fs.open_readable(path);
  REQUIRE(readable.has_value());
  CHECK((*readable)->size() == 11);
  auto middle = (*readable)->read(3, 5);
  REQUIRE(middle.has_value());
  CHECK(as_text(*middle) == "lo wo");
  auto tail = (*readable)->read(8, 100);  // short only at the end
  REQUIRE(tail.has_value());
  CHECK(as_text(*tail) == "rld");
  auto past = (*readable)->read(50, 4);
  REQUIRE(past.has_value());
  CHECK(past->empty());
  CHECK(as_text((*readable)->mapped_bytes()) == "hello world");

  std::string other = join_path(dir, "other");
  REQUIRE(fs.rename(path, other).has_value());
  CHECK_FALSE(fs.exists(path));
  CHECK(fs.file_size(other).value() == 11);
  auto names = fs.list(dir);
  REQUIRE(names.has_value());
  CHECK(*names == std::vector<std::string>{"other"});

  auto missing = fs.open_readable(path);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find(path) == 0);

  REQUIRE(fs.remove(other).has_value());
  auto removed_again = fs.remove(other);
  REQUIRE_FALSE(removed_again.has_value());
  CHECK(removed_again.error().message.find(other + ": ") == 0);
  ::rmdir(dir.c_str());
  ::rmdir((dir.substr(0, dir.size() - 2)).c_str());
  ::rmdir((dir.substr(0, dir.size() - 4)).c_str());
}

}  // namespace
}  // namespace bftsim::test_storage_posix_file_system_test
