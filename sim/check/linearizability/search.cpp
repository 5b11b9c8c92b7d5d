// The search over one key (search.h): Wing & Gong with Lowe's cache of
// explored states (explored_set.h), with the pruning rules below.
#include "sim/check/linearizability/search.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <set>
#include <utility>

#include "core/types/assert.h"
#include "sim/check/linearizability/explored_set.h"

namespace bftsim::lin {

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
class KeySearch::Impl {
 public:
  // Values no op compares against behave alike, so writes of them all
  // leave `unnamed_id` (absent stays itself): orders of such writes then
  // meet in the cache. Requires: ops sorted by invocation; no op compares
  // against unnamed_id.
  Impl(const std::vector<KeyOp>& ops, ValueId unnamed_id) : ops_(ops) {
    std::set<ValueId> named{absent_id};
    for (const KeyOp& op : ops_) {
      if (op.requirement.kind == Require::equals || op.requirement.kind == Require::not_equals) {
        named.insert(op.requirement.value);
      }
    }
    BFTSIM_ASSERT(named.count(unnamed_id) == 0);
    value_limit_ = std::max<std::size_t>(*named.rbegin(), unnamed_id) + 1;
    initial_readers_.assign(value_limit_, 0);
    initial_writers_.assign(value_limit_, 0);
    for (KeyOp& op : ops_) {
      if (op.write && named.count(*op.write) == 0) op.write = unnamed_id;
      if (reads(op)) ++initial_readers_[op.requirement.value];
      if (op.write) ++initial_writers_[*op.write];
    }

    const std::size_t op_count = ops_.size();
    slot_.resize(op_count);
    for (std::size_t i = 0; i < op_count; ++i) {
      BFTSIM_ASSERT(i == 0 || ops_[i - 1].invoked_at <= ops_[i].invoked_at);
      BFTSIM_ASSERT(ops_[i].optional || ops_[i].completed_at);
      if (ops_[i].completed_at) slot_[i] = completed_count_++;
      if (!ops_[i].optional) ++required_count_;
    }
    completed_words_ = (completed_count_ + 63) / 64;
    std::size_t pending_index = 0;
    for (std::size_t i = 0; i < op_count; ++i) {
      if (!ops_[i].completed_at) slot_[i] = completed_words_ * 64 + pending_index++;
    }
    word_count_ = completed_words_ + (pending_index + 63) / 64;

    struct Event {
      Instant at;
      bool is_return;
      std::size_t op;
    };
    std::vector<Event> events;
    for (std::size_t i = 0; i < op_count; ++i) {
      events.push_back({ops_[i].invoked_at, false, i});
      if (ops_[i].completed_at) events.push_back({*ops_[i].completed_at, true, i});
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      if (a.at != b.at) return a.at < b.at;
      return !a.is_return && b.is_return;
    });

    // Node 0 is the head and node 1 the tail sentinel.
    const std::size_t node_count = events.size() + 2;
    initial_next_.assign(node_count, tail_node);
    initial_prev_.assign(node_count, head_node);
    node_op_.assign(node_count, 0);
    node_is_call_.assign(node_count, false);
    call_node_.assign(op_count, 0);
    return_node_.assign(op_count, no_node);
    std::size_t previous = head_node;
    for (std::size_t e = 0; e < events.size(); ++e) {
      const std::size_t node = e + 2;
      node_op_[node] = events[e].op;
      node_is_call_[node] = !events[e].is_return;
      (events[e].is_return ? return_node_ : call_node_)[events[e].op] = node;
      initial_next_[previous] = node;
      initial_prev_[node] = previous;
      previous = node;
    }
    initial_next_[previous] = tail_node;
    initial_prev_[tail_node] = previous;
  }

  // The latest return the last run had to place an op by: after a
  // violation, roughly where the history stops being linearizable (a hint
  // only, since pruning looks at later ops too).
  Instant frontier() const { return frontier_; }

  // Searches from `initial_state`, spending at most step_budget steps; adds
  // the steps taken to step_count.
  Outcome run(ValueId initial_state, std::uint64_t step_budget, std::uint64_t& step_count) {
    BFTSIM_ASSERT(initial_state < value_limit_);
    next_ = initial_next_;
    prev_ = initial_prev_;
    bits_.assign(word_count_, 0);
    explored_.clear();
    stack_.clear();
    alternatives_.clear();
    state_ = initial_state;
    prefix_ = 0;
    highest_ = -1;
    remaining_ = required_count_;
    frontier_ = std::numeric_limits<Instant>::min();
    readers_ = initial_readers_;
    writers_ = initial_writers_;
    orphan_count_ = 0;
    orphan_sum_ = 0;
    for (ValueId value = 0; value < value_limit_; ++value) {
      if (orphan(value)) {
        ++orphan_count_;
        orphan_sum_ += value;
      }
    }

    std::uint64_t steps = 0;
    Outcome outcome = Outcome::linearizable;
    // Each turn expands the node (set, state) the path has reached; a dead
    // node backtracks to the latest frame with an alternative left.
    while (remaining_ > 0) {
      if (steps == step_budget) {
        outcome = Outcome::exhausted;
        break;
      }
      ++steps;
      if (expand()) continue;
      if (!backtrack()) {
        outcome = Outcome::violation;
        break;
      }
    }
    step_count += steps;
    return outcome;
  }

 private:
  static constexpr std::size_t head_node = 0;
  static constexpr std::size_t tail_node = 1;
  static constexpr std::size_t no_node = static_cast<std::size_t>(-1);
  // Marks an alternative that gives up an optional op rather than placing it.
  static constexpr std::size_t skip_bit = std::size_t{1} << (sizeof(std::size_t) * 8 - 1);
  static constexpr Instant never_due = std::numeric_limits<Instant>::max();

  // One step of the path. Its untried alternatives are
  // alternatives_[next_alternative, end), where end is the start of the
  // next frame's range (or the end of alternatives_ for the top frame).
  struct Frame {
    std::size_t op;
    ValueId state;  // before the op
    std::size_t prefix;
    std::int64_t highest;
    std::size_t alternatives_begin;
    std::size_t next_alternative;
  };

  // An op's deadline: its own return, or sooner, the return of a read that
  // may go now and needs the state it leaves.
  struct Ranked {
    Instant deadline;
    std::size_t op;
    auto operator<=>(const Ranked&) const = default;
  };

  // Gathers the ops that may go next (the calls before the first remaining
  // return) and returns the op of that return. Requires: remaining_ > 0.
  std::size_t gather_candidates() {
    candidates_.clear();
    std::size_t node = next_[head_node];
    while (node_is_call_[node]) {
      candidates_.push_back(node_op_[node]);
      node = next_[node];
    }
    BFTSIM_ASSERT(node != tail_node);
    return node_op_[node];
  }

  // Moves the path one op deeper from the current node; false if the node
  // is dead (no op may go, or every move reaches an explored node).
  bool expand() {
    // A value some required op must read but nothing left writes: unless it
    // is the current state, that op can never go.
    if (orphan_count_ > 1 || (orphan_count_ == 1 && orphan_sum_ != state_)) return false;
    const std::size_t due = gather_candidates();
    frontier_ = std::max(frontier_, *ops_[due].completed_at);
    const std::size_t begin = alternatives_.size();
    for (std::size_t op : candidates_) {
      if (neutral(ops_[op]) && apply(state_, ops_[op])) return place(op, state_, begin, begin);
    }
    // The reads that may go now but need another value: per value, the
    // earliest return.
    needed_.clear();
    for (std::size_t op : candidates_) {
      const KeyOp& read = ops_[op];
      if (read.requirement.kind != Require::equals || !read.completed_at) continue;
      Instant& needed_at = needed_at_for(read.requirement.value);
      needed_at = std::min(needed_at, *read.completed_at);
    }
    ranked_.clear();
    for (std::size_t op : candidates_) {
      const std::optional<ValueId> next_state = apply(state_, ops_[op]);
      if (!next_state || starves(op, *next_state)) continue;
      ranked_.push_back(Ranked{
          .deadline = std::min(needed_at_for(*next_state),
                               ops_[op].completed_at.value_or(never_due)),
          .op = op});
    }
    std::sort(ranked_.begin(), ranked_.end());
    // An optional op about to return may also never take effect: tried
    // first unless a read waits for its value.
    const bool skippable = ops_[due].optional;
    const bool wanted =
        skippable && ops_[due].write && needed_at_for(*ops_[due].write) != never_due;
    if (skippable && !wanted) alternatives_.push_back(due | skip_bit);
    for (const Ranked& ranked : ranked_) alternatives_.push_back(ranked.op);
    if (skippable && wanted) alternatives_.push_back(due | skip_bit);
    return try_alternatives(begin, begin);
  }

  // The slot in needed_ for `value` (never_due if no read needs it yet).
  Instant& needed_at_for(ValueId value) {
    for (auto& [needed_value, needed_at] : needed_) {
      if (needed_value == value) return needed_at;
    }
    needed_.emplace_back(value, never_due);
    return needed_.back().second;
  }

  // Places the first alternative in [from, end) that leads somewhere new,
  // as a frame owning the range from `begin`; drops the range if none does.
  bool try_alternatives(std::size_t begin, std::size_t from) {
    for (std::size_t i = from; i < alternatives_.size(); ++i) {
      const bool skip = (alternatives_[i] & skip_bit) != 0;
      const std::size_t op = alternatives_[i] & ~skip_bit;
      const std::optional<ValueId> next_state = skip ? state_ : apply(state_, ops_[op]);
      if (next_state && place(op, *next_state, begin, i + 1)) return true;
    }
    alternatives_.resize(begin);
    return false;
  }

  // Undoes frames until one has an alternative that leads somewhere new;
  // false when the path is back at the root with none left.
  bool backtrack() {
    while (!stack_.empty()) {
      const Frame frame = stack_.back();
      stack_.pop_back();
      state_ = frame.state;
      prefix_ = frame.prefix;
      highest_ = frame.highest;
      clear_bit(slot_[frame.op]);
      unlift(frame.op);
      count_done(ops_[frame.op], +1);
      if (!ops_[frame.op].optional) ++remaining_;
      if (try_alternatives(frame.alternatives_begin, frame.next_alternative)) return true;
    }
    return false;
  }

  // Marks `op` done (placed, or given up if optional) leading to
  // `next_state`, unless that (set, state) pair was explored before; then
  // pushes the undo frame and lifts the op. Returns whether it did.
  bool place(std::size_t op, ValueId next_state, std::size_t alternatives_begin,
             std::size_t next_alternative) {
    const std::size_t slot = slot_[op];
    set_bit(slot);
    std::size_t next_prefix = prefix_;
    std::int64_t next_highest = highest_;
    if (ops_[op].completed_at) {
      next_highest = std::max(highest_, static_cast<std::int64_t>(slot));
      while (next_prefix < completed_count_ && test_bit(next_prefix)) ++next_prefix;
    }
    if (!explored_.insert(explored_key(next_state, next_prefix, next_highest))) {
      clear_bit(slot);
      return false;
    }
    stack_.push_back(Frame{.op = op, .state = state_, .prefix = prefix_, .highest = highest_,
                           .alternatives_begin = alternatives_begin,
                           .next_alternative = next_alternative});
    state_ = next_state;
    prefix_ = next_prefix;
    highest_ = next_highest;
    lift(op);
    count_done(ops_[op], -1);
    if (!ops_[op].optional) --remaining_;
    return true;
  }

  // Whether `op` must see its required value (optional ops may not go at all).
  static bool reads(const KeyOp& op) {
    return !op.optional && op.requirement.kind == Require::equals;
  }

  bool orphan(ValueId value) const { return readers_[value] > 0 && writers_[value] == 0; }

  // Moves `op` out of (delta -1) or back into (+1) the reader and writer
  // counts, keeping the orphan tally.
  void count_done(const KeyOp& op, int delta) {
    if (reads(op)) adjust(readers_, op.requirement.value, delta);
    if (op.write) adjust(writers_, *op.write, delta);
  }
  void adjust(std::vector<std::uint32_t>& counts, ValueId value, int delta) {
    const bool was_orphan = orphan(value);
    counts[value] = static_cast<std::uint32_t>(static_cast<std::int64_t>(counts[value]) + delta);
    const bool is_orphan = orphan(value);
    if (was_orphan == is_orphan) return;
    orphan_count_ = is_orphan ? orphan_count_ + 1 : orphan_count_ - 1;
    orphan_sum_ = is_orphan ? orphan_sum_ + value : orphan_sum_ - value;
  }

  // Whether placing `op` (leading to next_state) leaves a required read of
  // the current value with no way to see it. Requires: the node is not dead.
  bool starves(std::size_t op, ValueId next_state) const {
    if (orphan_count_ == 0 || next_state == state_) return false;
    const bool reads_state = reads(ops_[op]) && ops_[op].requirement.value == state_;
    return readers_[state_] > (reads_state ? 1U : 0U);
  }

  // Whether the op never changes the state wherever it may go: a put that
  // happens to rewrite the current value is not neutral, since elsewhere it
  // would change the state.
  static bool neutral(const KeyOp& op) {
    return !op.write ||
           (op.requirement.kind == Require::equals && *op.write == op.requirement.value);
  }

  static std::optional<ValueId> apply(ValueId state, const KeyOp& op) {
    switch (op.requirement.kind) {
      case Require::any: break;
      case Require::equals:
        if (state != op.requirement.value) return std::nullopt;
        break;
      case Require::not_equals:
        if (state == op.requirement.value) return std::nullopt;
        break;
      case Require::never: return std::nullopt;
    }
    return op.write.value_or(state);
  }

  void set_bit(std::size_t slot) { bits_[slot / 64] |= std::uint64_t{1} << (slot % 64); }
  void clear_bit(std::size_t slot) { bits_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64)); }
  bool test_bit(std::size_t slot) const { return (bits_[slot / 64] >> (slot % 64)) & 1U; }

  // Canonical for (set, state): the words below prefix/64 are all ones and
  // those above highest/64 all zero, so leaving them out loses nothing; the
  // pending words have a fixed count, so the length fixes the layout.
  const std::vector<std::uint64_t>& explored_key(ValueId state, std::size_t prefix,
                                                 std::int64_t highest) {
    key_.clear();
    key_.push_back(std::uint64_t{state} | (std::uint64_t{prefix} << 32));
    if (highest > static_cast<std::int64_t>(prefix)) {
      for (std::size_t w = prefix / 64; w <= static_cast<std::size_t>(highest) / 64; ++w) {
        key_.push_back(bits_[w]);
      }
    }
    for (std::size_t w = completed_words_; w < word_count_; ++w) key_.push_back(bits_[w]);
    return key_;
  }

  void unlink(std::size_t node) {
    next_[prev_[node]] = next_[node];
    prev_[next_[node]] = prev_[node];
  }
  void relink(std::size_t node) {
    next_[prev_[node]] = node;
    prev_[next_[node]] = node;
  }
  // Lifts are undone in reverse order, so relinking restores the list exactly.
  void lift(std::size_t op) {
    unlink(call_node_[op]);
    if (return_node_[op] != no_node) unlink(return_node_[op]);
  }
  void unlift(std::size_t op) {
    if (return_node_[op] != no_node) relink(return_node_[op]);
    relink(call_node_[op]);
  }

  // Fixed by the constructor.
  std::vector<KeyOp> ops_;
  std::vector<std::size_t> slot_;
  std::size_t completed_count_ = 0;
  std::size_t required_count_ = 0;  // ops that must be placed
  std::size_t completed_words_ = 0;
  std::size_t word_count_ = 0;
  std::vector<std::size_t> initial_next_, initial_prev_;
  std::vector<std::size_t> node_op_;
  std::vector<bool> node_is_call_;
  std::vector<std::size_t> call_node_, return_node_;
  std::size_t value_limit_ = 0;  // value ids are below it
  std::vector<std::uint32_t> initial_readers_, initial_writers_;

  // The path: the event list, the placed set, the frames and the node reached.
  std::vector<std::size_t> next_, prev_;
  std::vector<std::uint64_t> bits_;
  std::vector<Frame> stack_;
  std::vector<std::size_t> alternatives_;  // the frames' ranges, in stack order
  ValueId state_ = absent_id;
  std::size_t prefix_ = 0;     // p: the first unplaced completed slot
  std::int64_t highest_ = -1;  // the highest placed completed slot
  std::size_t remaining_ = 0;  // required ops not yet placed
  Instant frontier_ = 0;       // see frontier()
  // Per value: required ops still to read it, ops still to write it. An
  // orphan has readers and no writers; orphan_sum_ names it when it is alone.
  std::vector<std::uint32_t> readers_, writers_;
  std::size_t orphan_count_ = 0;
  std::uint64_t orphan_sum_ = 0;
  ExploredSet explored_;

  // Scratch space, kept to save allocations.
  std::vector<std::uint64_t> key_;
  std::vector<std::size_t> candidates_;
  std::vector<std::pair<ValueId, Instant>> needed_;
  std::vector<Ranked> ranked_;
};

KeySearch::KeySearch(const std::vector<KeyOp>& ops, ValueId unnamed_id)
    : impl_(std::make_unique<Impl>(ops, unnamed_id)) {}
KeySearch::~KeySearch() = default;
Outcome KeySearch::run(ValueId initial_state, std::uint64_t step_budget, std::uint64_t& step_count) {
  return impl_->run(initial_state, step_budget, step_count);
}
Instant KeySearch::frontier() const { return impl_->frontier(); }

}  // namespace bftsim::lin
