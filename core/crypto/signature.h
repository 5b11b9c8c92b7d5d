// A 64-byte signature (Ed25519, or the simulator's keyed BLAKE2b MAC padded to
// 64 bytes), compared and ordered as bytes. What it signs is core/protocol's
// business (signing.h); who made it is the Verifier's (keys.h).
#pragma once

#include <array>
#include <compare>
#include <cstdint>

namespace bftsim {

struct Signature {
  std::array<std::uint8_t, 64> bytes{};
  auto operator<=>(const Signature&) const = default;
};

}  // namespace bftsim
