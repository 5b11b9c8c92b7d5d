// ChunkedBytes: the contents of one simulated file, as 64 KiB chunks rather
// than one vector. A growing file then never moves its bytes: a vector that
// doubles copies everything it holds and touches twice the memory, which on
// a replica's WAL (megabytes appended a record at a time) costs more than
// the appends. Chunk k holds bytes [k * chunk_size, (k + 1) * chunk_size);
// only the last chunk is partial, and it grows like a vector up to the chunk
// size, so a small file stays small. Owns its bytes; movable, not copyable.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/types/assert.h"

namespace bftsim {

class ChunkedBytes {
 public:
  static constexpr std::size_t chunk_size_bytes = 64u << 10;

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void append(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      if (chunks_.empty() || chunks_.back().size() == chunk_size_bytes) chunks_.emplace_back();
      std::vector<std::uint8_t>& last = chunks_.back();
      const std::size_t taken = std::min(bytes.size(), chunk_size_bytes - last.size());
      last.insert(last.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(taken));
      bytes = bytes.subspan(taken);
      size_ += taken;
    }
  }

  // Keeps the first `size` bytes. Requires: size <= size().
  void truncate(std::uint64_t size) {
    BFTSIM_ASSERT(size <= size_);
    const std::size_t chunk_count = static_cast<std::size_t>((size + chunk_size_bytes - 1) / chunk_size_bytes);
    chunks_.resize(chunk_count);
    if (chunk_count != 0) chunks_.back().resize(static_cast<std::size_t>(size - (chunk_count - 1) * chunk_size_bytes));
    size_ = size;
  }
  void clear() { truncate(0); }

  // Requires: offset < size().
  std::uint8_t& operator[](std::uint64_t offset) {
    BFTSIM_ASSERT(offset < size_);
    return chunks_[static_cast<std::size_t>(offset / chunk_size_bytes)][static_cast<std::size_t>(offset % chunk_size_bytes)];
  }

  // Bytes [offset, offset + size) clipped to the end. Requires: offset <= size().
  std::vector<std::uint8_t> read(std::uint64_t offset, std::uint64_t size) const {
    BFTSIM_ASSERT(offset <= size_);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(std::min(size, size_ - offset)));
    std::size_t done = 0;
    while (done < out.size()) {
      const std::uint64_t at = offset + done;
      const auto& chunk = chunks_[static_cast<std::size_t>(at / chunk_size_bytes)];
      const std::size_t within = static_cast<std::size_t>(at % chunk_size_bytes);
      const std::size_t taken = std::min(out.size() - done, chunk.size() - within);
      std::memcpy(out.data() + done, chunk.data() + within, taken);
      done += taken;
    }
    return out;
  }

 private:
  std::vector<std::vector<std::uint8_t>> chunks_;
  std::uint64_t size_ = 0;
};

}  // namespace bftsim
