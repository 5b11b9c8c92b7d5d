// Entry: one stored version of a key (a value or a tombstone, with its
// sequence number), and EntryIterator, the forward cursor that the memtable,
// tables and the merging iterator share. An iterator yields keys in
// ascending byte order; for one key, newer (higher sequence) first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/types/result.h"

namespace bftsim {

enum class EntryKind : std::uint8_t {
  tombstone = 0,
  value = 1,
};

struct Entry {
  std::uint64_t sequence = 0;
  EntryKind kind = EntryKind::value;
  std::string value;  // empty for a tombstone
};

class EntryIterator {
 public:
  virtual ~EntryIterator() = default;
  virtual bool valid() const = 0;
  // Positions at the first entry with key >= `key`.
  virtual void seek(std::string_view key) = 0;
  virtual void seek_to_first() = 0;
  // Requires: valid().
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::uint64_t sequence() const = 0;
  virtual EntryKind kind() const = 0;
  virtual std::string_view value() const = 0;
  // An I/O or checksum error stops the iterator (valid() turns false); a
  // caller that sees !valid() checks status() before trusting the end.
  virtual Status status() const = 0;
};

}  // namespace bftsim
