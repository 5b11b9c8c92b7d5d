// CRC-32C (Castagnoli, the iSCSI polynomial) over stored bytes, from ISA-L
// (Debian libisal-dev), the one place the project names that library.
// Conventions: initial value 0xFFFFFFFF and a final inversion, so
// crc32c("123456789") == 0xE3069283 (the published check value); ISA-L's
// crc32_iscsi() itself does neither, so the wrapper adds both.
#pragma once

#include <cstdint>
#include <span>

namespace bftsim {

// The CRC-32C of `bytes`.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes);

// The CRC-32C of A followed by `bytes`, given crc = crc32c(A), so a checksum
// can be computed over pieces: crc32c_extend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace bftsim
