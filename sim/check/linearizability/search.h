// The exact search over one key's ops (internal to the linearizability
// checker).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/check/linearizability/projection.h"

namespace bftsim::lin {

enum class Outcome { linearizable, violation, exhausted };

// The search over one key's ops (Wing & Gong with Lowe's cache of explored
// (linearized set, state) pairs). Events sit in a doubly linked list sorted by
// time, calls before returns at equal times (so touching intervals overlap).
// Placing an op lifts its call and return out of the list; the ops that may
// go next are the calls before the first remaining return. An optional op
// (pending, or an earlier write at a window's start) may also be given up
// when its return comes first, as if it never took effect.
//
// Three rules keep closed-loop histories with many clients on one key cheap:
// - An op that may go now and never changes the state (a read that sees the
//   current state) is placed at once, with no alternative: any legal order
//   with it later stays legal with it moved here, since everything that must
//   precede it is placed and it changes nothing.
// - Writes are tried earliest deadline first: an op's deadline is its own
//   return or, if sooner, the return of a read that may go now and needs
//   the state it leaves. On random 8- to 50-client histories of one key and
//   on simulator runs with 16 clients x 4 requests on one key, this took
//   about one step per op, where other orders (readers' needs first, or
//   unread writes first) ran out of a million steps.
// - Per value, the search counts the required ops still to read it and the
//   ops still to write it. A value with readers and no writers left must be
//   the current state and stay so: other nodes are dead, and writes that
//   would change it are not tried. With unique put values (the workload's
//   random values) this finds most dead ends at once instead of at a return.
//
// The linearized set is keyed compactly: completed ops get slots in
// invocation order, and the key holds p (every slot below p is linearized)
// plus the bit words from p up to the highest linearized slot, which for a
// closed-loop workload span only the ops running at once. Pending ops, which
// may stay unlinearized forever, get their own words so they never hold p back.
class KeySearch {
 public:
  // Values no op compares against behave alike, so writes of them all
  // leave `unnamed_id` (absent stays itself): orders of such writes then
  // meet in the cache. Requires: ops sorted by invocation; no op compares
  // against unnamed_id.
  KeySearch(const std::vector<KeyOp>& ops, ValueId unnamed_id);
  ~KeySearch();
  KeySearch(const KeySearch&) = delete;
  KeySearch& operator=(const KeySearch&) = delete;

  // Searches from `initial_state` for at most `step_budget` steps, adding the
  // steps taken to `step_count`. May be run again from another state.
  Outcome run(ValueId initial_state, std::uint64_t step_budget, std::uint64_t& step_count);
  // The latest return the search got past before it failed.
  Instant frontier() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bftsim::lin
