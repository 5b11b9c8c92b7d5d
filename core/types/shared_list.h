// A list whose copies share one immutable buffer until one of them is
// edited. A certificate's signature list is the reason: at n = 1000 a QC holds
// 667 signatures (45 KB), and a replica copies QCs into its high and locked QC,
// into every safety state it persists and into the blocks it builds; with a
// plain vector those copies were a sixth of an n = 1000 run's CPU. Reads never
// copy; edit() hands out a vector this value alone owns, copying the shared
// buffer first only when another value still holds it. Copies may be read
// from several threads (the reference count is atomic); an edit is a write.
#pragma once

#include <compare>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace bftsim {

template <class T>
class SharedList {
 public:
  using value_type = T;
  using const_iterator = typename std::vector<T>::const_iterator;
  using iterator = const_iterator;  // reads only: write through edit()

  SharedList() = default;
  SharedList(std::initializer_list<T> items) : SharedList(std::vector<T>(items)) {}
  explicit SharedList(std::vector<T> items)
      : items_(items.empty() ? nullptr : std::make_shared<std::vector<T>>(std::move(items))) {}

  const std::vector<T>& vector() const { return items_ ? *items_ : none(); }
  operator const std::vector<T>&() const { return vector(); }  // NOLINT: reads as a vector

  std::size_t size() const { return items_ ? items_->size() : 0; }
  bool empty() const { return size() == 0; }
  const_iterator begin() const { return vector().begin(); }
  const_iterator end() const { return vector().end(); }
  const T& operator[](std::size_t i) const { return vector()[i]; }
  const T& front() const { return vector().front(); }
  const T& back() const { return vector().back(); }

  // The list to change, owned by this value alone until it is next copied:
  // finish the edit before copying the value.
  std::vector<T>& edit() {
    if (!items_) {
      items_ = std::make_shared<std::vector<T>>();
    } else if (items_.use_count() > 1) {
      items_ = std::make_shared<std::vector<T>>(*items_);
    }
    return *items_;
  }

  friend bool operator==(const SharedList& a, const SharedList& b) {
    return a.items_ == b.items_ || a.vector() == b.vector();
  }
  friend auto operator<=>(const SharedList& a, const SharedList& b) { return a.vector() <=> b.vector(); }

 private:
  static const std::vector<T>& none() {
    static const std::vector<T> none;
    return none;
  }

  std::shared_ptr<std::vector<T>> items_;  // null: empty
};

}  // namespace bftsim
