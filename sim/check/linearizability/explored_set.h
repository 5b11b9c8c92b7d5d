// The search's cache of explored (linearized set, state) keys (internal to
// search.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/types/assert.h"

namespace bftsim::lin {

// The set of explored (linearized set, state) keys: open addressing with
// linear probing over a flat arena of key words, which keeps a lookup to a
// cache miss or two. Only looked up, never iterated, so its layout cannot
// reach the result.
class ExploredSet {
 public:
  void clear() {
    slots_.assign(capacity_min, Slot{});
    words_.clear();
    size_ = 0;
  }

  // Adds `key` (not empty); false if it was there already.
  bool insert(const std::vector<std::uint64_t>& key) {
    BFTSIM_ASSERT(!key.empty());
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = hash_words(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.length == 0) {
        slot = Slot{.hash = hash, .offset = words_.size(), .length = key.size()};
        words_.insert(words_.end(), key.begin(), key.end());
        ++size_;
        return true;
      }
      if (slot.hash == hash && slot.length == key.size() &&
          std::equal(key.begin(), key.end(),
                     words_.begin() + static_cast<std::ptrdiff_t>(slot.offset))) {
        return false;
      }
    }
  }

 private:
  static constexpr std::size_t capacity_min = 1024;  // a power of two

  struct Slot {
    std::uint64_t hash = 0;
    std::size_t offset = 0;  // into words_
    std::size_t length = 0;  // 0: empty
  };

  // splitmix64's finalizer over each word in turn.
  static std::uint64_t hash_words(const std::vector<std::uint64_t>& words) {
    std::uint64_t hash = words.size();
    for (std::uint64_t word : words) {
      hash = (hash ^ word) + 0x9e3779b97f4a7c15ULL;
      hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
      hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
      hash ^= hash >> 31;
    }
    return hash;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.length == 0) continue;
      std::size_t i = static_cast<std::size_t>(slot.hash) & mask;
      while (slots_[i].length != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_ = std::vector<Slot>(capacity_min);
  std::vector<std::uint64_t> words_;
  std::size_t size_ = 0;
};


}  // namespace bftsim::lin
