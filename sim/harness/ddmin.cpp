// ddmin (ddmin.h), the recursive definition of the paper unrolled into a loop:
//   ddmin(c, n): split c into n chunks;
//     some chunk fails            -> ddmin(chunk, 2)
//     some complement fails       -> ddmin(complement, max(n - 1, 2))
//     n < |c|                     -> ddmin(c, min(2n, |c|))
//     otherwise                   -> c is 1-minimal.
#include "sim/harness/ddmin.h"

#include <algorithm>
#include <map>

#include "core/types/assert.h"

namespace bftsim {
namespace {

// The i-th of n nearly equal chunks of `set` (the first |set| mod n one longer).
Subset chunk(const Subset& set, std::size_t n, std::size_t i) {
  const std::size_t base = set.size() / n;
  const std::size_t extra = set.size() % n;
  const std::size_t begin = i * base + std::min(i, extra);
  const std::size_t length = base + (i < extra ? 1 : 0);
  return Subset(set.begin() + static_cast<std::ptrdiff_t>(begin),
                set.begin() + static_cast<std::ptrdiff_t>(begin + length));
}

Subset minus(const Subset& set, const Subset& part) {
  Subset out;
  std::set_difference(set.begin(), set.end(), part.begin(), part.end(), std::back_inserter(out));
  return out;
}

}  // namespace

DdminResult ddmin(std::size_t count, const std::function<bool(const Subset&)>& fails) {
  DdminResult result;
  std::map<Subset, bool> seen;
  Subset all(count);
  for (std::size_t i = 0; i < count; ++i) all[i] = i;
  seen.emplace(all, true);  // the caller's promise
  const auto test = [&](const Subset& subset) {
    auto it = seen.find(subset);
    if (it != seen.end()) return it->second;
    ++result.tests;
    const bool failed = fails(subset);
    seen.emplace(subset, failed);
    return failed;
  };

  Subset current = all;
  if (!current.empty() && test({})) current.clear();
  std::size_t n = 2;
  while (current.size() >= 2) {
    n = std::min(n, current.size());
    bool reduced = false;
    for (std::size_t i = 0; i < n && !reduced; ++i) {
      Subset part = chunk(current, n, i);
      if (test(part)) {
        current = std::move(part);
        n = 2;
        reduced = true;
      }
    }
    for (std::size_t i = 0; i < n && !reduced; ++i) {
      Subset rest = minus(current, chunk(current, n, i));
      if (test(rest)) {
        current = std::move(rest);
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (n >= current.size()) break;
    n = std::min(2 * n, current.size());
  }
  result.kept = std::move(current);
  return result;
}

}  // namespace bftsim
