// EventQueue: the scheduler's pending events, a 4-ary min-heap ordered by
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
  // The earliest event, as top() shows it: valid until the next push or pop.
  struct Top {
    Instant at;
    std::uint64_t sequence;
    const Payload& payload;
  };

  // Requires: size_max > 0.
  explicit EventQueue(std::size_t size_max) : size_max_(size_max) {
    BFTSIM_ASSERT(size_max > 0);
    heap_.reserve(std::min<std::size_t>(size_max, reserve_size_max));
    payloads_.reserve(std::min<std::size_t>(size_max, reserve_size_max));
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
      BFTSIM_ASSERT(payloads_.size() < std::numeric_limits<std::uint32_t>::max());
      slot = static_cast<std::uint32_t>(payloads_.size());
      payloads_.emplace_back(std::move(payload));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      payloads_[slot].emplace(std::move(payload));
    }
    heap_.push_back(Key{at, sequence, slot});
    sift_up(heap_.size() - 1);
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
    return Top{key.at, key.sequence, *payloads_[key.slot]};
  }

  // Removes and returns the earliest event. Requires: !empty().
  Entry pop() {
    BFTSIM_ASSERT(!heap_.empty());
    const Key top = heap_.front();
    const Key last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(last);
    BFTSIM_ASSERT(top.at >= popped_at_last_);  // the heap's own promise
    popped_at_last_ = top.at;
    std::optional<Payload>& stored = payloads_[top.slot];
    Entry entry{top.at, top.sequence, std::move(*stored)};
    stored.reset();
    free_slots_.push_back(top.slot);
    return entry;
  }

  // The time of the last popped event (the lowest Instant before any pop).
  Instant popped_at_last() const { return popped_at_last_; }

  // The sequence number the next push will get: the number of pushes so far.
  std::uint64_t sequence_next() const { return sequence_next_; }

 private:
  // Caps the up-front allocation when size_max is a generous bound.
  static constexpr std::size_t reserve_size_max = 4096;
  // A 4-ary heap of small keys; the payloads stay in their slots. At
  // n = 1,000 thousands of events are pending, and a binary heap of whole
  // events (96 bytes) moved and missed a cache line per level of each pop.
  static constexpr std::size_t arity = 4;
  struct Key {
    Instant at;
    std::uint64_t sequence;
    std::uint32_t slot;  // in payloads_
  };
  static bool earlier(const Key& a, const Key& b) {
    if (a.at != b.at) return a.at < b.at;
    return a.sequence < b.sequence;
  }

  void sift_up(std::size_t index) {
    const Key key = heap_[index];
    while (index > 0) {
      const std::size_t parent = (index - 1) / arity;
      if (!earlier(key, heap_[parent])) break;
      heap_[index] = heap_[parent];
      index = parent;
    }
    heap_[index] = key;
  }

  // Puts `key` at the root (whose old key is gone) and moves it down.
  void sift_down(const Key& key) {
    const std::size_t size = heap_.size();
    std::size_t index = 0;
    for (;;) {
      const std::size_t first = arity * index + 1;
      if (first >= size) break;
      const std::size_t last = std::min(first + arity, size);
      std::size_t best = first;
      for (std::size_t child = first + 1; child < last; ++child)
        if (earlier(heap_[child], heap_[best])) best = child;
      if (!earlier(heap_[best], key)) break;
      heap_[index] = heap_[best];
      index = best;
    }
    heap_[index] = key;
  }

  std::vector<Key> heap_;
  std::vector<std::optional<Payload>> payloads_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t size_max_;
  std::uint64_t sequence_next_ = 0;
  Instant popped_at_last_ = std::numeric_limits<Instant>::min();
};

}  // namespace bftsim
