// EventQueue: the scheduler's pending events, a binary min-heap ordered by
// (time, sequence), where sequence counts pushes; so events at one instant pop
// in the order they were pushed, and the order never depends on addresses or
// hashing. The queue owns its payloads (moved in, moved out). Bounded by
// size_max (asserted on push). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/types/assert.h"
#include "core/types/ids.h"

namespace bftsim {

template <typename Payload>
class EventQueue {
 public:
  struct Entry {
    Instant at;
    std::uint64_t sequence;
    Payload payload;
  };

  // Requires: size_max > 0.
  explicit EventQueue(std::size_t size_max) : size_max_(size_max) {
    BFTSIM_ASSERT(size_max > 0);
    heap_.reserve(std::min<std::size_t>(size_max, reserve_size_max));
  }

  // Schedules `payload` at `at` and returns its sequence number (0, 1, 2, ...
  // in push order). Requires: size() < size_max; at is not earlier than the
  // last popped event (scheduling into the past is a bug of the caller).
  std::uint64_t push(Instant at, Payload payload) {
    BFTSIM_ASSERT(heap_.size() < size_max_);
    BFTSIM_ASSERT(at >= popped_at_last_);
    const std::uint64_t sequence = sequence_next_++;
    heap_.push_back(Entry{at, sequence, std::move(payload)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    return sequence;
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  std::size_t size_max() const { return size_max_; }

  // The earliest event. Requires: !empty(). The reference is invalidated by
  // the next push or pop.
  const Entry& top() const {
    BFTSIM_ASSERT(!heap_.empty());
    return heap_.front();
  }

  // Removes and returns the earliest event. Requires: !empty().
  Entry pop() {
    BFTSIM_ASSERT(!heap_.empty());
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    BFTSIM_ASSERT(entry.at >= popped_at_last_);  // the heap's own promise
    popped_at_last_ = entry.at;
    return entry;
  }

  // The time of the last popped event (the lowest Instant before any pop).
  Instant popped_at_last() const { return popped_at_last_; }

  // The sequence number the next push will get: the number of pushes so far.
  std::uint64_t sequence_next() const { return sequence_next_; }

 private:
  // Caps the up-front allocation when size_max is a generous bound.
  static constexpr std::size_t reserve_size_max = 4096;

  // std::*_heap build a max-heap, so "less" is "later": the root is earliest.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.sequence > b.sequence;
    }
  };

  std::vector<Entry> heap_;
  std::size_t size_max_;
  std::uint64_t sequence_next_ = 0;
  Instant popped_at_last_ = std::numeric_limits<Instant>::min();
};

}  // namespace bftsim
