// Tests of core/storage/crc32c.h. Goal: our wrapper around ISA-L computes the
// standard CRC-32C. Method: published check values (RFC 3720 B.4 and the
// "123456789" check value), and extend() over every split of one input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"

namespace bftsim::test_storage_crc32c_test {
namespace {

TEST_CASE("storage: crc32c matches the published test vectors") {
  CHECK(crc32c(as_bytes("123456789")) == 0xE3069283u);
  CHECK(crc32c({}) == 0u);
  std::vector<std::uint8_t> zeros(32, 0x00);
  CHECK(crc32c(zeros) == 0x8A9136AAu);  // RFC 3720 B.4: 32 bytes of zeros
  std::vector<std::uint8_t> ones(32, 0xFF);
  CHECK(crc32c(ones) == 0x62A8AB43u);  // RFC 3720 B.4: 32 bytes of 0xFF
  std::vector<std::uint8_t> ascending(32);
  for (std::size_t i = 0; i < ascending.size(); ++i) ascending[i] = static_cast<std::uint8_t>(i);
  CHECK(crc32c(ascending) == 0x46DD794Eu);  // RFC 3720 B.4: 0..31
}

TEST_CASE("storage: crc32c_extend equals the CRC of the concatenation") {
  std::string text = "The quick brown fox jumps over the lazy dog";
  std::uint32_t whole = crc32c(as_bytes(text));
  for (std::size_t split = 0; split <= text.size(); ++split) {
    std::uint32_t first = crc32c(as_bytes(std::string_view(text).substr(0, split)));
    CHECK(crc32c_extend(first, as_bytes(std::string_view(text).substr(split))) == whole);
  }
}

}  // namespace
}  // namespace bftsim::test_storage_crc32c_test
