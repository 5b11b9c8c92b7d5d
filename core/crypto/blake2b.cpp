#include "core/crypto/blake2b.h"

#include "core/crypto/sodium_init.h"
#include "core/types/assert.h"

namespace bftsim {

Hash32 blake2b_256(std::span<const std::uint8_t> bytes) {
  detail::ensure_sodium();
  Hash32 hash;
  const int rc =
      crypto_generichash(hash.bytes.data(), hash.bytes.size(), bytes.data(), bytes.size(), nullptr, 0);
  BFTSIM_ASSERT(rc == 0);
  return hash;
}

}  // namespace bftsim
