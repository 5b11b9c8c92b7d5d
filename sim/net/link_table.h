// LinkTable: a value per directed link (from, to), found by two vector
// indexes instead of a search. At n = 1,000 every replica sends to every
// other over a run, and a std::map of a million links, searched once per
// message, was 8% of the run's CPU. Rows and columns grow as links appear;
// absent values take no memory beyond their slot (an optional). Iteration is
// never needed: the simulator only looks links up.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace bftsim {

template <class T>
class LinkTable {
 public:
  // The link's value, made by make() the first time the link is asked for.
  template <class Make>
  T& get(std::uint32_t from, std::uint32_t to, Make&& make) {
    if (rows_.size() <= from) rows_.resize(from + 1);
    std::vector<std::optional<T>>& row = rows_[from];
    if (row.size() <= to) row.resize(to + 1);
    std::optional<T>& slot = row[to];
    if (!slot) slot.emplace(make());
    return *slot;
  }

 private:
  std::vector<std::vector<std::optional<T>>> rows_;
};

}  // namespace bftsim
