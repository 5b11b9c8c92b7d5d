// CRC-32C through ISA-L; see crc32c.h for the init/final-xor conventions.
#include "core/storage/crc32c.h"

#include <climits>

#include <isa-l/crc.h>

#include "core/types/assert.h"

namespace bftsim {

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  // ISA-L takes an int length and a non-const pointer it only reads.
  std::uint32_t state = ~crc;
  while (!bytes.empty()) {
    std::size_t chunk = bytes.size() < static_cast<std::size_t>(INT_MAX) ? bytes.size() : INT_MAX;
    state = crc32_iscsi(const_cast<unsigned char*>(bytes.data()), static_cast<int>(chunk), state);
    bytes = bytes.subspan(chunk);
  }
  return ~state;
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) { return crc32c_extend(0, bytes); }

}  // namespace bftsim
