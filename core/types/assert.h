// BFTSIM_ASSERT: an invariant of ours that must hold; on failure it prints the
// condition and location and aborts. It is on in every build (unlike assert(),
// which NDEBUG removes): a simulator that runs without its invariants checked
// finds fewer bugs. Peer input is never checked with it; see STYLE.md section 3.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace bftsim::detail {
[[noreturn]] inline void assert_fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "bftsim: assertion failed: %s at %s:%d\n", condition, file, line);
  std::fflush(stderr);
  std::abort();
}
}  // namespace bftsim::detail

#define BFTSIM_ASSERT(condition)                                          \
  do {                                                                    \
    if (!(condition)) [[unlikely]]                                        \
      ::bftsim::detail::assert_fail(#condition, __FILE__, __LINE__);      \
  } while (false)
