// The storage engine's one key order: unsigned byte-wise (memcmp order, the
// order of std::string_view comparison on byte strings), computed 8 bytes at
// a time with inline big-endian loads. The memtable's map compares keys ~20
// times per insert, and most stored keys (a prefix byte plus big-endian
// numbers) differ only past their first bytes: an inline word compare costs
// a few instructions where a memcmp call costs a call and a dispatch.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bftsim {

// The byte swap below turns a little-endian load into a big-endian one.
static_assert(std::endian::native == std::endian::little);

// <0, 0 or >0 as a compares before, equal to or after b.
inline int compare_keys(std::string_view a, std::string_view b) {
  const std::size_t common = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= common; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  for (; i < common; ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// A transparent less-than for ordered containers of string_view keys.
struct KeyLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return compare_keys(a, b) < 0; }
};

}  // namespace bftsim
