// A 32-byte digest (BLAKE2b-256 for block hashes), compared and ordered as
// bytes. Printing shows hex; short_hex the first 8 bytes for logs and CSV.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace bftsim {

struct Hash32 {
  std::array<std::uint8_t, 32> bytes{};

  auto operator<=>(const Hash32&) const = default;
  bool is_zero() const {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }
  std::string hex() const { return to_hex(bytes.size()); }
  std::string short_hex() const { return to_hex(8); }

 private:
  std::string to_hex(std::size_t count) const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(count * 2);
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back(digits[bytes[i] >> 4]);
      out.push_back(digits[bytes[i] & 0xf]);
    }
    return out;
  }
};

}  // namespace bftsim
