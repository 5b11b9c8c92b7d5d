// Delta debugging: Zeller and Hildebrandt's ddmin ("Simplifying and
// Isolating Failure-Inducing Input", TSE 2002), written for bisect. Given n
// parts of a failing input and a test that says whether a subset of them
// still fails, it returns a 1-minimal failing subset: removing any single
// part of it makes the test pass. It tries chunks, then complements of
// chunks, at a granularity that doubles when neither fails. Each subset is
// tested at most once (results are remembered). Deterministic: the same
// test gives the same answer and the same sequence of tests.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace bftsim {

// A subset as the indices it keeps, increasing.
using Subset = std::vector<std::size_t>;

struct DdminResult {
  Subset kept;             // 1-minimal: fails(kept), and no kept minus one part fails
  std::size_t tests = 0;   // calls of `fails` made (distinct subsets)
};

// Requires: fails({0, ..., count-1}) is true; the caller has checked it (it
// is not called again). The empty subset is tested first: when it fails, it
// is the answer.
DdminResult ddmin(std::size_t count, const std::function<bool(const Subset&)>& fails);

}  // namespace bftsim
