// libFuzzer target for the wire codec (core/protocol/codec.h): any bytes
// either fail to decode, or decode to a value that re-encodes to exactly the
// same bytes (the codec admits one canonical encoding per value). Checked
// for whole messages, blocks and quorum certificates. Stateless per input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/protocol/codec.h"
#include "core/types/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  if (auto message = bftsim::decode_message(bytes)) {
    BFTSIM_ASSERT(bftsim::encode_message(*message) == input);
    BFTSIM_ASSERT(bftsim::encoded_message_size_bytes(*message) == size);
  }
  if (auto block = bftsim::decode_block(bytes)) BFTSIM_ASSERT(bftsim::encode_block(*block) == input);
  if (auto qc = bftsim::decode_quorum_cert(bytes)) BFTSIM_ASSERT(bftsim::encode_quorum_cert(*qc) == input);
  return 0;
}
