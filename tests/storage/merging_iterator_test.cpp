// Tests of core/storage/merging_iterator.h. Goal: the merge yields each key
// once, in its newest version (a newer tombstone hides an older value), in
// key order from any seek, and an error in any child stops it rather than
// letting an older version show through. Method: three memtables with
// overlapping keys and known sequences, and a child that fails.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/storage/memtable.h"
#include "core/storage/merging_iterator.h"

namespace bftsim::test_storage_merging_iterator_test {
namespace {

struct Seen {
  std::string key;
  std::uint64_t sequence;
  EntryKind kind;
  std::string value;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> drain(MergingIterator& merged) {
  std::vector<Seen> out;
  for (; merged.valid(); merged.next())
    out.push_back(Seen{std::string(merged.key()), merged.sequence(), merged.kind(), std::string(merged.value())});
  return out;
}

TEST_CASE("storage: merging iterator yields each key once, newest version") {
  Memtable oldest, middle, newest;
  oldest.put("a", "a1", 1);
  oldest.put("b", "b2", 2);
  oldest.put("d", "d3", 3);
  middle.put("b", "b4", 4);
  middle.put("c", "c5", 5);
  middle.put("d", "d6", 6);
  newest.remove("d", 7);
  newest.put("e", "e8", 8);
  newest.put("a", "a9", 9);
  std::vector<std::unique_ptr<EntryIterator>> children;
  // The newest child is not first: the order of children must not matter.
  children.push_back(middle.iterator());
  children.push_back(newest.iterator());
  children.push_back(oldest.iterator());
  MergingIterator merged(std::move(children));
  merged.seek_to_first();
  const std::vector<Seen> expected{{"a", 9, EntryKind::value, "a9"},
                                   {"b", 4, EntryKind::value, "b4"},
                                   {"c", 5, EntryKind::value, "c5"},
                                   {"d", 7, EntryKind::tombstone, ""},
                                   {"e", 8, EntryKind::value, "e8"}};
  CHECK(drain(merged) == expected);
  CHECK(merged.status().has_value());
  merged.seek("bb");
  CHECK(drain(merged) == std::vector<Seen>(expected.begin() + 2, expected.end()));
  merged.seek("d");
  REQUIRE(merged.valid());
  CHECK(merged.kind() == EntryKind::tombstone);
}

// A child whose every position is an error.
class FailingIterator final : public EntryIterator {
 public:
  bool valid() const override { return false; }
  void seek(std::string_view) override {}
  void seek_to_first() override {}
  void next() override {}
  std::string_view key() const override { return {}; }
  std::uint64_t sequence() const override { return 0; }
  EntryKind kind() const override { return EntryKind::value; }
  std::string_view value() const override { return {}; }
  Status status() const override { return make_error(ErrorCode::corruption, "bad block"); }
};

TEST_CASE("storage: merging iterator stops at a failed child") {
  Memtable table;
  table.put("a", "1", 1);
  std::vector<std::unique_ptr<EntryIterator>> children;
  children.push_back(table.iterator());
  children.push_back(std::make_unique<FailingIterator>());
  MergingIterator merged(std::move(children));
  merged.seek_to_first();
  CHECK_FALSE(merged.valid());
  REQUIRE_FALSE(merged.status().has_value());
  CHECK(merged.status().error().message == "bad block");
}

}  // namespace
}  // namespace bftsim::test_storage_merging_iterator_test
