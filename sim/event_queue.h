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
#include <optional>
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
  // The next event, read in place.
  struct Top {
    Instant at;
    std::uint64_t sequence;
    const Payload& payload;
  };

  // Requires: size_max > 0.
  explicit EventQueue(std::size_t size_max) : size_max_(size_max) {
    BFTSIM_ASSERT(size_max > 0);
    BFTSIM_ASSERT(size_max <= std::numeric_limits<std::uint32_t>::max());
    heap_.reserve(std::min<std::size_t>(size_max, reserve_size_max));
    slots_.reserve(std::min<std::size_t>(size_max, reserve_size_max));
  }

  // Schedules `payload` at `at` and returns its sequence number (0, 1, 2, ...
  // in push order). Requires: size() < size_max; at is not earlier than the
  // last popped event (scheduling into the past is a bug of the caller).
  std::uint64_t push(Instant at, Payload payload) {
    BFTSIM_ASSERT(heap_.size() < size_max_);
    BFTSIM_ASSERT(at >= popped_at_last_);
    const std::uint64_t sequence = sequence_next_++;
    std::uint32_t slot;
    if (free_slots_.empty()) {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back(std::move(payload));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[slot].emplace(std::move(payload));
    }
    heap_.push_back(Key{at, sequence, slot});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    return sequence;
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  std::size_t size_max() const { return size_max_; }

  // The earliest event. Requires: !empty(). The payload reference is
  // invalidated by the next push or pop.
  Top top() const {
    BFTSIM_ASSERT(!heap_.empty());
    const Key& key = heap_.front();
    return Top{key.at, key.sequence, *slots_[key.slot]};
  }

  // Removes and returns the earliest event. Requires: !empty().
  Entry pop() {
    BFTSIM_ASSERT(!heap_.empty());
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const Key key = heap_.back();
    heap_.pop_back();
    BFTSIM_ASSERT(key.at >= popped_at_last_);  // the heap's own promise
    popped_at_last_ = key.at;
    std::optional<Payload>& slot = slots_[key.slot];
    Entry entry{key.at, key.sequence, std::move(*slot)};
    slot.reset();
    free_slots_.push_back(key.slot);
    return entry;
  }

  // The time of the last popped event (the lowest Instant before any pop).
  Instant popped_at_last() const { return popped_at_last_; }

  // The sequence number the next push will get: the number of pushes so far.
  std::uint64_t sequence_next() const { return sequence_next_; }

 private:
  // Caps the up-front allocation when size_max is a generous bound.
  static constexpr std::size_t reserve_size_max = 4096;

  // The heap orders small keys; the payloads stay in their slots, so a
  // push or pop moves 24-byte keys, not events (an Event is ~100 bytes with
  // a shared_ptr: moving those through the heap's levels was most of the
  // queue's cost). Slots are reused; which slot an event gets never affects
  // the order, which is (time, sequence) alone.
  struct Key {
    Instant at;
    std::uint64_t sequence;
    std::uint32_t slot;
  };
  // std::*_heap build a max-heap, so "less" is "later": the root is earliest.
  struct Later {
    bool operator()(const Key& a, const Key& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.sequence > b.sequence;
    }
  };

  std::vector<Key> heap_;
  std::vector<std::optional<Payload>> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t size_max_;
  std::uint64_t sequence_next_ = 0;
  Instant popped_at_last_ = std::numeric_limits<Instant>::min();
};

}  // namespace bftsim
