// BLAKE2b-256 (libsodium's crypto_generichash): block hashes, state digests,
// key derivation. Pure function; safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>

#include "core/crypto/hash.h"

namespace bftsim {

Hash32 blake2b_256(std::span<const std::uint8_t> bytes);

}  // namespace bftsim
