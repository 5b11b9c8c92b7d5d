// SortedWindow: a small ordered map for keys that mostly arrive in ascending
// order and leave from the bottom, such as a client's cached replies by
// request number or a replica's verified certificates by view. The items sit
// in one vector in key order, so a lookup touches one buffer instead of a
// tree node per level (at n = 1,000 each replica's std::map nodes were cache
// misses, one replica's after another's). A key above the largest is found
// absent, and appended, in O(1); erasing from the bottom moves a start index
// and compacts the buffer once the dead prefix is half of it, so it is O(1)
// amortized. Inserting below the largest key shifts the items above it.
// Iteration is in ascending key order, like the std::map it replaces.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace bftsim {

template <class Key, class Value>
class SortedWindow {
 public:
  using Item = std::pair<Key, Value>;

  bool empty() const { return first_ == items_.size(); }
  std::size_t size() const { return items_.size() - first_; }
  const Item* begin() const { return items_.data() + first_; }
  const Item* end() const { return items_.data() + items_.size(); }
  // Require: !empty().
  const Item& front() const { return items_[first_]; }
  const Item& back() const { return items_.back(); }

  const Value* find(const Key& key) const {
    const Item* item = locate(key);
    return item == end() || item->first != key ? nullptr : &item->second;
  }
  Value* find(const Key& key) { return const_cast<Value*>(std::as_const(*this).find(key)); }
  bool contains(const Key& key) const { return find(key) != nullptr; }
  // The first item whose key is not below `key`, or end().
  const Item* lower_bound(const Key& key) const { return locate(key); }

  // Adds (key, value) unless the key is present; returns the stored value and
  // whether it was added.
  std::pair<Value*, bool> emplace(const Key& key, Value value) {
    if (empty() || back().first < key) {
      items_.emplace_back(key, std::move(value));
      return {&items_.back().second, true};
    }
    const Item* at = locate(key);
    if (at->first == key) return {const_cast<Value*>(&at->second), false};
    const auto position = items_.begin() + (at - items_.data());
    auto inserted = items_.emplace(position, key, std::move(value));
    return {&inserted->second, true};
  }

  // Removes every item with key <= bound, calling on_removed(key) for each in
  // ascending order; returns how many it removed.
  template <class OnRemoved>
  std::size_t erase_through(const Key& bound, OnRemoved&& on_removed) {
    std::size_t removed = 0;
    while (!empty() && !(bound < front().first)) {
      on_removed(front().first);
      pop_front();
      removed += 1;
    }
    return removed;
  }

  // Removes the smallest item. Requires: !empty().
  void pop_front() {
    items_[first_] = Item();  // frees what the value holds now, not at compaction
    first_ += 1;
    if (first_ == items_.size()) {
      items_.clear();
      first_ = 0;
    } else if (first_ >= 16 && first_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(first_));
      first_ = 0;
    }
  }

 private:
  // The first live item whose key is not below `key`, or end().
  const Item* locate(const Key& key) const {
    return std::lower_bound(begin(), end(), key, [](const Item& item, const Key& k) { return item.first < k; });
  }

  std::vector<Item> items_;
  std::size_t first_ = 0;  // items_[0, first_) are erased
};

}  // namespace bftsim
