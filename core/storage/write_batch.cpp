// The write batch payload of a WAL record; see write_batch.h.
#include "core/storage/write_batch.h"

#include <fmt/format.h>

#include "core/types/assert.h"

namespace bftsim {

namespace {

void put_operation(Bytes& out, EntryKind kind, std::string_view key, std::string_view value) {
  put_u8(out, static_cast<std::uint8_t>(kind));
  put_string(out, key);
  if (kind == EntryKind::value) put_string(out, value);
}

}  // namespace

Bytes encode_write_batch(const WriteBatch& batch, std::uint64_t first_sequence) {
  Bytes out;
  encode_write_batch(batch, first_sequence, out);
  return out;
}

void encode_write_batch(const WriteBatch& batch, std::uint64_t first_sequence, Bytes& out) {
  BFTSIM_ASSERT(!batch.empty());
  out.clear();
  put_u64(out, first_sequence);
  put_u32(out, static_cast<std::uint32_t>(batch.operation_count()));
  for (const auto& operation : batch.operations()) put_operation(out, operation.kind, operation.key, operation.value);
}

void encode_single_write(EntryKind kind, std::string_view key, std::string_view value, std::uint64_t sequence,
                         Bytes& out) {
  BFTSIM_ASSERT(kind == EntryKind::value || value.empty());
  out.clear();
  put_u64(out, sequence);
  put_u32(out, 1);
  put_operation(out, kind, key, value);
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
