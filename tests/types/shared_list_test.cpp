// SharedList: copies share one buffer, an edit never shows through another
// copy, and comparisons look at the items, not at the buffer.
#include "core/types/shared_list.h"

#include <doctest/doctest.h>

#include <vector>

namespace bftsim::test_types_shared_list_test {
namespace {

TEST_CASE("shared list: copies share their items until one is edited") {
  SharedList<int> original(std::vector<int>{1, 2, 3});
  const SharedList<int> copy = original;
  CHECK(copy.vector().data() == original.vector().data());  // no copy of the items

  original.edit().push_back(4);
  CHECK(original.vector() == std::vector<int>{1, 2, 3, 4});
  CHECK(copy.vector() == std::vector<int>{1, 2, 3});  // the copy kept its items
  CHECK(copy.vector().data() != original.vector().data());

  SharedList<int> other = copy;
  other.edit()[0] = 9;
  CHECK(copy[0] == 1);
  CHECK(other[0] == 9);
}

TEST_CASE("shared list: an edit of a list no other value holds copies nothing") {
  SharedList<int> list(std::vector<int>{1, 2});
  const int* before = list.vector().data();
  list.edit()[1] = 5;
  CHECK(list.vector().data() == before);
  {
    const SharedList<int> gone = list;  // shared, then released
  }
  list.edit()[0] = 7;
  CHECK(list.vector().data() == before);
  CHECK(list.vector() == std::vector<int>{7, 5});
}

TEST_CASE("shared list: empty lists, and equality and order by items") {
  SharedList<int> empty;
  CHECK(empty.empty());
  CHECK(empty.size() == 0);
  CHECK(empty.begin() == empty.end());
  SharedList<int> emptied(std::vector<int>{1});
  emptied.edit().clear();
  CHECK(emptied == empty);  // an empty buffer and no buffer are the same list

  const SharedList<int> a(std::vector<int>{1, 2});
  const SharedList<int> b(std::vector<int>{1, 2});
  const SharedList<int> c(std::vector<int>{1, 3});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a < c);
  CHECK(empty < a);
  int sum = 0;
  for (int item : a) sum += item;
  CHECK(sum == 3);
}

}  // namespace
}  // namespace bftsim::test_types_shared_list_test
