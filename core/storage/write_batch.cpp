// The write batch payload of a WAL record; see write_batch.h.
#include "core/storage/write_batch.h"

#include <fmt/format.h>

namespace bftsim {

std::uint8_t* WriteBatch::add(EntryKind kind, std::string_view key_prefix, std::string_view key,
                              std::size_t extra_bytes) {
  BFTSIM_ASSERT(operation_count_ < UINT32_MAX);
  const std::size_t key_size = key_prefix.size() + key.size();
  std::uint8_t* at = grow(operations_bytes_, 1 + varint_size(key_size) + key_size + extra_bytes);
  *at++ = static_cast<std::uint8_t>(kind);
  at = store_varint(at, key_size);
  at = store_raw(at, key_prefix);
  at = store_raw(at, key);
  ++operation_count_;
  return at;
}

void WriteBatch::put(std::string_view key, std::string_view value) { put_prefixed({}, key, value); }

void WriteBatch::remove(std::string_view key) { add(EntryKind::tombstone, {}, key, 0); }

void WriteBatch::put_prefixed(std::string_view key_prefix, std::string_view key, std::string_view value) {
  std::uint8_t* at = add(EntryKind::value, key_prefix, key, varint_size(value.size()) + value.size());
  store_raw(store_varint(at, value.size()), value);
}

void WriteBatch::remove_prefixed(std::string_view key_prefix, std::string_view key) {
  add(EntryKind::tombstone, key_prefix, key, 0);
}

std::span<std::uint8_t> WriteBatch::put_in_place(std::string_view key, std::size_t value_size_bytes) {
  std::uint8_t* at = add(EntryKind::value, {}, key, varint_size(value_size_bytes) + value_size_bytes);
  at = store_varint(at, value_size_bytes);
  return {at, value_size_bytes};
}

std::vector<WriteBatch::Operation> WriteBatch::operations() const {
  std::vector<Operation> out;
  out.reserve(operation_count_);
  for_each([&](const Operation& operation) { out.push_back(operation); });
  return out;
}

void encode_single_write(EntryKind kind, std::string_view key, std::string_view value, std::uint64_t sequence,
                         Bytes& out) {
  BFTSIM_ASSERT(kind == EntryKind::value || value.empty());
  const bool is_value = kind == EntryKind::value;
  std::uint8_t* at = grow(out, write_batch_header_size_bytes + 1 + varint_size(key.size()) + key.size() +
                                   (is_value ? varint_size(value.size()) + value.size() : 0));
  at = store_u64(at, sequence);
  at = store_u32(at, 1);
  *at++ = static_cast<std::uint8_t>(kind);
  at = store_raw(store_varint(at, key.size()), key);
  if (is_value) store_raw(store_varint(at, value.size()), value);
}

// Checks a payload and adopts its body as the batch's bytes.
struct WriteBatchDecoder {
  static Result<DecodedWriteBatch> decode(std::span<const std::uint8_t> payload) {
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
      if (!ok)
        return make_error(ErrorCode::malformed, fmt::format("write batch operation {} at byte {} is malformed", i, offset));
    }
    if (!decoder.at_end())
      return make_error(ErrorCode::malformed, fmt::format("write batch has trailing bytes at byte {}", decoder.offset()));
    decoded.batch.operations_bytes_.assign(payload.begin() + write_batch_header_size_bytes, payload.end());
    decoded.batch.operation_count_ = count;
    return decoded;
  }
};

Result<DecodedWriteBatch> decode_write_batch(std::span<const std::uint8_t> payload) {
  return WriteBatchDecoder::decode(payload);
}

}  // namespace bftsim
