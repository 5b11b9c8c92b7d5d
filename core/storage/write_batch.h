// WriteBatch: puts and deletes applied to the Db together. The Db writes a
// batch as one WAL record (docs/wal_format.md, "Write batch payload"), so
// after a crash either every operation of the batch is there or none is.
// The batch keeps its operations already encoded as that payload's body
// (everything after the sequence and count): adding one is one append to a
// byte buffer, and the Db logs the buffer as it is, with no per-operation
// allocation and no second encoding pass. clear() keeps the capacity, so a
// writer that reuses one batch allocates only when a batch outgrows the last.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/entry.h"
#include "core/types/assert.h"

namespace bftsim {

class WriteBatch {
 public:
  // One operation, viewing the batch's bytes: valid until the batch changes.
  struct Operation {
    EntryKind kind = EntryKind::value;  // tombstone: a delete
    std::string_view key;
    std::string_view value;  // empty for a delete
  };

  void put(std::string_view key, std::string_view value);
  void remove(std::string_view key);
  // The same for the key key_prefix + key, without building it.
  void put_prefixed(std::string_view key_prefix, std::string_view key, std::string_view value);
  void remove_prefixed(std::string_view key_prefix, std::string_view key);
  // A put whose value the caller writes in place: returns its
  // `value_size_bytes` bytes (zeroed), to be filled before the batch changes
  // again. Saves encoding a value elsewhere and copying it in.
  std::span<std::uint8_t> put_in_place(std::string_view key, std::size_t value_size_bytes);
  void clear() {
    operations_bytes_.clear();
    operation_count_ = 0;
  }

  bool empty() const { return operation_count_ == 0; }
  std::size_t operation_count() const { return operation_count_; }
  // The encoded operations: the payload body after its 12-byte header.
  std::span<const std::uint8_t> operations_bytes() const { return operations_bytes_; }

  // Calls visit(const Operation&) for each operation in order.
  template <typename Visit>
  void for_each(Visit&& visit) const;
  // Every operation, for callers that want a vector (tests, tools).
  std::vector<Operation> operations() const;

 private:
  friend struct WriteBatchDecoder;
  // Appends the kind and the key, leaving room for `extra_bytes` more.
  std::uint8_t* add(EntryKind kind, std::string_view key_prefix, std::string_view key, std::size_t extra_bytes);

  Bytes operations_bytes_;
  std::uint32_t operation_count_ = 0;
};

// The payload header: u64 sequence of the first operation, u32 count.
inline constexpr std::size_t write_batch_header_size_bytes = 12;

// Into `out` (appended): the payload of a batch of one operation with
// sequence `sequence`, the same bytes as a WriteBatch holding it.
void encode_single_write(EntryKind kind, std::string_view key, std::string_view value, std::uint64_t sequence,
                         Bytes& out);

struct DecodedWriteBatch {
  std::uint64_t first_sequence = 0;
  WriteBatch batch;
};

// ErrorCode::malformed with the byte offset inside `payload` in the message.
Result<DecodedWriteBatch> decode_write_batch(std::span<const std::uint8_t> payload);

template <typename Visit>
void WriteBatch::for_each(Visit&& visit) const {
  // The bytes were written by add() (or checked by decode_write_batch), so a
  // failed read here is our bug.
  Decoder decoder(operations_bytes_);
  for (std::uint32_t i = 0; i < operation_count_; ++i) {
    std::uint8_t kind = 0;
    Operation operation;
    bool ok = decoder.u8(kind) && decoder.string(operation.key);
    operation.kind = static_cast<EntryKind>(kind);
    if (ok && operation.kind == EntryKind::value) ok = decoder.string(operation.value);
    BFTSIM_ASSERT(ok);
    visit(static_cast<const Operation&>(operation));
  }
}

}  // namespace bftsim
