// WriteBatch: puts and deletes applied to the Db together. The Db writes a
// batch as one WAL record (docs/wal_format.md, "Write batch payload"), so
// after a crash either every operation of the batch is there or none is.
// The batch owns copies of its keys and values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/entry.h"

namespace bftsim {

class WriteBatch {
 public:
  struct Operation {
    EntryKind kind = EntryKind::value;  // tombstone: a delete
    std::string key;
    std::string value;
  };

  void put(std::string_view key, std::string_view value) {
    operations_.push_back(Operation{EntryKind::value, std::string(key), std::string(value)});
  }
  void remove(std::string_view key) { operations_.push_back(Operation{EntryKind::tombstone, std::string(key), {}}); }
  void clear() { operations_.clear(); }

  bool empty() const { return operations_.empty(); }
  std::size_t operation_count() const { return operations_.size(); }
  const std::vector<Operation>& operations() const { return operations_; }

 private:
  std::vector<Operation> operations_;
};

// Operation i gets sequence first_sequence + i. Requires: !batch.empty().
Bytes encode_write_batch(const WriteBatch& batch, std::uint64_t first_sequence);
// The same into `out` (cleared first), so a writer can reuse one buffer.
void encode_write_batch(const WriteBatch& batch, std::uint64_t first_sequence, Bytes& out);
// Into `out` (cleared first): the payload of a batch of one operation, the
// same bytes as a WriteBatch holding it, without building the WriteBatch.
void encode_single_write(EntryKind kind, std::string_view key, std::string_view value, std::uint64_t sequence,
                         Bytes& out);

struct DecodedWriteBatch {
  std::uint64_t first_sequence = 0;
  WriteBatch batch;
};

// ErrorCode::malformed with the byte offset inside `payload` in the message.
Result<DecodedWriteBatch> decode_write_batch(std::span<const std::uint8_t> payload);

}  // namespace bftsim
