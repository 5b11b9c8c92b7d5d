// The write batch payload of a WAL record; see write_batch.h.
#include "core/storage/write_batch.h"

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {

Bytes encode_write_batch(const WriteBatch& batch, std::uint64_t first_sequence) {
  BFTSIM_ASSERT(!batch.empty());
  Bytes out;
  put_u64(out, first_sequence);
  put_u32(out, static_cast<std::uint32_t>(batch.operation_count()));
  for (const auto& operation : batch.operations()) {
    put_u8(out, static_cast<std::uint8_t>(operation.kind));
    put_string(out, operation.key);
    if (operation.kind == EntryKind::value) put_string(out, operation.value);
  }
  return out;
}

Result<DecodedWriteBatch> decode_write_batch(std::span<const std::uint8_t> payload) {
  Decoder decoder(payload);
  DecodedWriteBatch decoded;
  std::uint32_t count = 0;
  if (!decoder.u64(decoded.first_sequence) || !decoder.u32(count) || count == 0)
    return make_error(ErrorCode::malformed, "write batch header truncated or empty");
  for (std::uint32_t i = 0; i < count; ++i) {
    std::size_t offset = decoder.offset();
    std::uint8_t kind = 0;
    std::string_view key, value;
    bool ok = decoder.u8(kind) && kind <= 1 && decoder.string(key);
    if (ok && kind == static_cast<std::uint8_t>(EntryKind::value)) ok = decoder.string(value);
    if (!ok) return make_error(ErrorCode::malformed, fmt::format("write batch operation {} at byte {} is malformed", i, offset));
    if (kind == static_cast<std::uint8_t>(EntryKind::value)) {
      decoded.batch.put(key, value);
    } else {
      decoded.batch.remove(key);
    }
  }
  if (!decoder.at_end()) return make_error(ErrorCode::malformed, fmt::format("write batch has trailing bytes at byte {}", decoder.offset()));
  return decoded;
}

}  // namespace bftsim
