// Linearizability checker: see linearizability.h. Each key's sub-history is
// a list of single-key steps (a requirement on the state, then an optional
// write). Quick proofs catch impossible results and stale reads without a
// search; otherwise the search is Lowe's memoizing form of Wing & Gong's
// algorithm over call and return events, as in Porcupine, with pruning. A
// violation is then shrunk to a short window that still fails on its own.
#include "sim/check/linearizability.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/check/rmw_linearizability.h"

namespace bftsim {
namespace {

// A value of one key, interned per key: 0 is "absent", 1.. index the table.
using ValueId = std::uint32_t;
constexpr ValueId absent_id = 0;

class ValueTable {
 public:
  ValueId intern(const std::optional<std::string>& value) {
    if (!value) return absent_id;
    auto [it, inserted] = ids_.try_emplace(*value, static_cast<ValueId>(ids_.size() + 1));
    return it->second;
  }
  // An id no interned value has: "some value none of the window's ops names".
  ValueId fresh_id() const { return static_cast<ValueId>(ids_.size() + 1); }

 private:
  std::map<std::string, ValueId, std::less<>> ids_;
};

// What an op requires of its key's state at its linearization point.
enum class Require : std::uint8_t {
  any,
  equals,
  not_equals,
  never,  // a result the model can never give (e.g. put -> not_found)
};

struct Requirement {
  Require kind = Require::any;
  ValueId value = absent_id;
};

// One op projected onto one key.
struct KeyOp {
  std::size_t source = 0;  // index into the history
  Instant invoked_at = 0;
  std::optional<Instant> completed_at;  // nullopt: pending, so optional
  // An optional op may take effect or not. With a completed_at it takes
  // effect before then, if at all (an earlier op at a window's start).
  bool optional = false;
  Requirement requirement;
  std::optional<ValueId> write;  // the state the op leaves, if it writes
};

// Every condition holds: the state equals each expected value.
Requirement all_hold(const std::vector<ValueId>& expected) {
  if (expected.empty()) return {};
  for (ValueId value : expected) {
    if (value != expected.front()) return {Require::never, absent_id};
  }
  return {Require::equals, expected.front()};
}

// Some condition fails: the state differs from at least one expected value.
Requirement some_fails(const std::vector<ValueId>& expected) {
  if (expected.empty()) return {Require::never, absent_id};
  for (ValueId value : expected) {
    if (value != expected.front()) return {};
  }
  return {Require::not_equals, expected.front()};
}

// The keys an op touches, sorted.
std::set<std::string> touched_keys(const Operation& op) {
  std::set<std::string> keys;
  if (op.type != OpType::txn) {
    keys.insert(op.key);
    return keys;
  }
  for (const TxnCondition& condition : op.conditions) keys.insert(condition.key);
  for (const TxnWrite& write : op.writes) keys.insert(write.key);
  return keys;
}

std::optional<KeyOp> project_txn(const HistoryOp& op, bool completed, const std::string& key,
                                 KeyOp out, ValueTable& values) {
  std::vector<ValueId> expected;
  bool conditions_elsewhere = false;
  for (const TxnCondition& condition : op.op.conditions) {
    if (condition.key == key) {
      expected.push_back(values.intern(condition.expected));
    } else {
      conditions_elsewhere = true;
    }
  }
  std::optional<ValueId> last_write;
  for (const TxnWrite& write : op.op.writes) {
    if (write.key != key) continue;
    last_write = write.is_delete ? absent_id : values.intern(write.value);
  }

  if (completed && op.result->value) {
    out.requirement = {Require::never, absent_id};  // a txn returns no value
    return out;
  }
  if (!completed) {
    // It may apply (its conditions then held) or not; only a write matters.
    out.requirement = all_hold(expected);
    if (!last_write || out.requirement.kind == Require::never) return std::nullopt;
    out.write = last_write;
    return out;
  }
  switch (op.result->status) {
    case ResultStatus::ok:
      out.requirement = all_hold(expected);
      out.write = last_write;
      return out;
    case ResultStatus::condition_failed:
      // The failed condition may be on any key. Only when every condition is
      // on this key do we learn something here (some condition of it fails).
      // With conditions on several keys the txn is a no-op on each of them:
      // sound, but weaker than checking the keys jointly.
      if (conditions_elsewhere) return std::nullopt;
      out.requirement = some_fails(expected);
      return out;
    case ResultStatus::not_found:
    case ResultStatus::not_integer:
    case ResultStatus::too_large:
      break;
  }
  out.requirement = {Require::never, absent_id};
  return out;
}

// Results are checked exactly as the state machine gives them: a put, del or
// txn result carrying a value is impossible, like a put answered not_found.
//
// `op` as seen on `key` in the history cut at `cut` (ops invoked after it
// left out, ops completed after it pending); nullopt when it cannot
// constrain the key.
std::optional<KeyOp> project(const HistoryOp& op, std::size_t source, const std::string& key,
                             std::optional<Instant> cut, ValueTable& values) {
  if (cut && op.invoked_at > *cut) return std::nullopt;
  const bool completed = op.completed_at && (!cut || *op.completed_at <= *cut);
  KeyOp out{.source = source,
            .invoked_at = op.invoked_at,
            .completed_at = completed ? op.completed_at : std::nullopt,
            .optional = !completed,
            .requirement = {},
            .write = std::nullopt};
  std::optional<KeyOp> projected;
  switch (op.op.type) {
    case OpType::get:
      if (!completed) return std::nullopt;  // a read with no answer says nothing
      if (op.result->status == ResultStatus::ok && op.result->value) {
        out.requirement = {Require::equals, values.intern(op.result->value)};
      } else if (op.result->status == ResultStatus::not_found && !op.result->value) {
        out.requirement = {Require::equals, absent_id};
      } else {
        out.requirement = {Require::never, absent_id};
      }
      projected = out;
      break;
    case OpType::put:
      out.write = values.intern(op.op.value);
      if (completed && (op.result->status != ResultStatus::ok || op.result->value)) {
        out.requirement = {Require::never, absent_id};
      }
      projected = out;
      break;
    case OpType::del:
      // A pending del leaves the key absent whether or not it was present.
      out.write = absent_id;
      if (completed) {
        if (op.result->value) {
          out.requirement = {Require::never, absent_id};
        } else if (op.result->status == ResultStatus::ok) {
          out.requirement = {Require::not_equals, absent_id};
        } else if (op.result->status == ResultStatus::not_found) {
          out.requirement = {Require::equals, absent_id};
          out.write = std::nullopt;
        } else {
          out.requirement = {Require::never, absent_id};
        }
      }
      projected = out;
      break;
    case OpType::txn:
      projected = project_txn(op, completed, key, out, values);
      break;
    case OpType::incr:
    case OpType::append:
      BFTSIM_ASSERT(false);  // keys with read-modify-write ops go to check_rmw_key
      break;
  }
  // A completed op that accepts every state and writes nothing always fits.
  if (projected && projected->completed_at && projected->requirement.kind == Require::any &&
      !projected->write) {
    return std::nullopt;
  }
  return projected;
}

// `sources` are history indices in invocation order; so is the result.
std::vector<KeyOp> project_key(const std::vector<HistoryOp>& history,
                               const std::vector<std::size_t>& sources, const std::string& key,
                               std::optional<Instant> cut, ValueTable& values) {
  std::vector<KeyOp> ops;
  for (std::size_t source : sources) {
    if (auto op = project(history[source], source, key, cut, values)) ops.push_back(*op);
  }
  return ops;
}

enum class Outcome { linearizable, violation, exhausted };

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
  KeySearch(const std::vector<KeyOp>& ops, ValueId unnamed_id) : ops_(ops) {
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

// How a window was shown to fail: by the search, or by a quick argument
// about one op (the culprit) that needs no search.
enum class Proof : std::uint8_t {
  search,
  impossible_result,  // the culprit has a result the model never gives (put -> not_found)
  unwritten_value,    // the culprit must see a value no op invoked before it returned writes
  stale_read,         // every write of the value the culprit sees was overwritten before it began
};

struct QuickProof {
  Proof proof = Proof::search;
  std::size_t culprit = 0;       // index into the key's ops
  std::vector<std::size_t> ops;  // indices into the key's ops, ascending; the culprit among them
};

// The writes of a key in invocation order, to ask: among the required
// writes invoked after time t, which completes first, with a value other
// than x? Suffix minima keep the first two completions with distinct values.
class OverwriteIndex {
 public:
  explicit OverwriteIndex(const std::vector<KeyOp>& ops) : ops_(ops) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (!ops[i].optional && ops[i].write) writes_.push_back(i);
    }
    best_.resize(writes_.size() + 1);
    for (std::size_t k = writes_.size(); k-- > 0;) {
      best_[k] = best_[k + 1];
      const std::size_t op = writes_[k];
      Best& best = best_[k];
      if (best.first == none || completes(op) < completes(best.first)) {
        if (best.first != none && *ops_[best.first].write != *ops_[op].write) {
          best.second = best.first;
        }
        best.first = op;
      } else if (*ops_[op].write != *ops_[best.first].write &&
                 (best.second == none || completes(op) < completes(best.second))) {
        best.second = op;
      }
    }
  }

  // The required write invoked after `after` completing first with a value
  // other than `value`, if it completes before `before`; none otherwise.
  std::size_t overwrite(Instant after, ValueId value, Instant before) const {
    auto it = std::upper_bound(
        writes_.begin(), writes_.end(), after,
        [this](Instant t, std::size_t op) { return t < ops_[op].invoked_at; });
    const Best& best = best_[static_cast<std::size_t>(it - writes_.begin())];
    const std::size_t op =
        best.first != none && *ops_[best.first].write != value ? best.first : best.second;
    return op != none && completes(op) < before ? op : none;
  }

  static constexpr std::size_t none = static_cast<std::size_t>(-1);

 private:
  struct Best {
    std::size_t first = none;   // the earliest completion
    std::size_t second = none;  // the earliest with a value other than first's
  };
  Instant completes(std::size_t op) const { return *ops_[op].completed_at; }

  const std::vector<KeyOp>& ops_;
  std::vector<std::size_t> writes_;  // required writes (all completed), by invocation
  std::vector<Best> best_;           // best_[k]: over writes_[k..]
};

// A stale read: the culprit must see `value`, and every op that may write
// it before the culprit returns (or the initial state, for absent) was
// followed, strictly in real time, by a completed write of another value
// that completed before the culprit was invoked. Whichever write of the
// value goes last before the culprit, its overwrite comes between them.
std::optional<QuickProof> stale_read(const std::vector<KeyOp>& ops, std::size_t culprit,
                                     const std::map<ValueId, std::vector<std::size_t>>& writers,
                                     const OverwriteIndex& index) {
  constexpr std::size_t writers_max = 64;  // bounds the work per read
  const KeyOp& read = ops[culprit];
  const ValueId value = read.requirement.value;
  QuickProof proof{.proof = Proof::stale_read, .culprit = culprit, .ops = {culprit}};
  std::vector<Instant> written_at;  // when each possible write of the value completed
  if (value == absent_id) written_at.push_back(std::numeric_limits<Instant>::min());
  auto it = writers.find(value);
  if (it != writers.end()) {
    if (it->second.size() > writers_max) return std::nullopt;
    for (std::size_t writer : it->second) {
      if (ops[writer].invoked_at > *read.completed_at) continue;  // cannot precede the read
      if (ops[writer].optional || writer == culprit) return std::nullopt;
      written_at.push_back(*ops[writer].completed_at);
      proof.ops.push_back(writer);
    }
  }
  if (written_at.empty()) {
    // Written only by ops invoked after the culprit returned.
    return QuickProof{.proof = Proof::unwritten_value, .culprit = culprit, .ops = {culprit}};
  }
  for (Instant after : written_at) {
    const std::size_t overwrite = index.overwrite(after, value, read.invoked_at);
    if (overwrite == OverwriteIndex::none) return std::nullopt;
    proof.ops.push_back(overwrite);
  }
  std::sort(proof.ops.begin(), proof.ops.end());
  proof.ops.erase(std::unique(proof.ops.begin(), proof.ops.end()), proof.ops.end());
  return proof;
}

// A failure that needs no search, for the culprit completing first; nullopt
// if none is found. Requires: ops sorted by invocation.
std::optional<QuickProof> quick_proof(const std::vector<KeyOp>& ops) {
  std::map<ValueId, std::vector<std::size_t>> writers;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].write) writers[*ops[i].write].push_back(i);
  }
  const OverwriteIndex index(ops);
  std::optional<QuickProof> first;
  std::optional<Instant> first_at;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    if (!op.completed_at || op.optional || (first_at && *op.completed_at >= *first_at)) continue;
    std::optional<QuickProof> proof;
    if (op.requirement.kind == Require::never) {
      proof = QuickProof{.proof = Proof::impossible_result, .culprit = i, .ops = {i}};
    } else if (op.requirement.kind == Require::equals) {
      if (op.requirement.value != absent_id && writers.count(op.requirement.value) == 0) {
        proof = QuickProof{.proof = Proof::unwritten_value, .culprit = i, .ops = {i}};
      } else {
        proof = stale_read(ops, i, writers, index);
      }
    }
    if (proof) {
      first = std::move(proof);
      first_at = op.completed_at;
    }
  }
  return first;
}

// A failing window of one key. With earlier_count > 0 the window starts at
// the invocation `start_at` of one op: the earlier ops are summarized by the
// states they may leave (absent or a value one of them wrote), and the first
// `relaxed_count` ops of `ops` are earlier writes still running at start_at,
// taken as optional (they may take effect inside the window, or before it).
struct Window {
  std::vector<KeyOp> ops;
  std::optional<Instant> cut;  // the history was cut here (ops invoked later left out)
  std::size_t earlier_count = 0;
  std::size_t relaxed_count = 0;
  Instant start_at = 0;
  Proof proof = Proof::search;
  std::size_t culprit_source = 0;  // for a quick proof: the culprit's history index
};

// The window of a quick proof over `ops`.
Window quick_window(const std::vector<KeyOp>& ops, const QuickProof& proof,
                    std::optional<Instant> cut) {
  Window window{.ops = {}, .cut = cut, .earlier_count = 0, .relaxed_count = 0, .start_at = 0,
                .proof = proof.proof, .culprit_source = ops[proof.culprit].source};
  for (std::size_t i : proof.ops) window.ops.push_back(ops[i]);
  return window;
}

// Shrinks a failing key to a small failing window, spending at most four
// step budgets on top of the search that found the failure.
class Minimizer {
 public:
  Minimizer(const std::vector<HistoryOp>& history, const std::vector<std::size_t>& sources,
            const std::string& key, ValueTable& values, std::uint64_t step_budget,
            std::uint64_t& step_count)
      : history_(history),
        sources_(sources),
        key_(key),
        values_(values),
        step_budget_(step_budget),
        step_count_(step_count),
        step_limit_(step_count + std::min(step_budget, minimize_budget_max) * 4) {}

  // Requires: the whole sub-history `full` is known to fail from absent.
  // `frontier`: where the search that found it got stuck, if known.
  Window minimize(std::vector<KeyOp> full, std::optional<Instant> frontier) {
    if (std::optional<QuickProof> proof = quick_proof(full)) {
      return quick_window(full, *proof, std::nullopt);
    }
    Window window{.ops = std::move(full), .cut = std::nullopt, .earlier_count = 0,
                  .relaxed_count = 0, .start_at = 0, .proof = Proof::search,
                  .culprit_source = 0};
    if (frontier && near_frontier(window, *frontier)) return window;
    shortest_prefix(window, frontier);
    // The cut may leave a quick proof (a read of a value first written by an
    // op invoked after it returned).
    if (std::optional<QuickProof> proof = quick_proof(window.ops)) {
      return quick_window(window.ops, *proof, window.cut);
    }
    latest_start(window, window.ops.size());
    return window;
  }

 private:
  static constexpr std::uint64_t minimize_budget_max = std::uint64_t{1} << 60;

  // Short windows near where the search got stuck, tried before any probe of
  // a whole prefix (which costs as much as the search when it fails): for
  // each cut from the frontier on (one by one, then with doubling steps),
  // the windows ending there of up to local_window_ops_max ops. Returns
  // whether one failed; `window` is then that one.
  bool near_frontier(Window& window, Instant frontier) {
    constexpr std::size_t cuts_one_by_one = 16;
    constexpr std::size_t cuts_tried_max = 48;
    constexpr std::size_t local_window_ops_max = 256;
    std::vector<Instant> cuts;
    for (const KeyOp& op : window.ops) {
      if (op.completed_at && *op.completed_at >= frontier) cuts.push_back(*op.completed_at);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::size_t distance = 1;
    std::size_t tried = 0;
    for (std::size_t i = 0; i < cuts.size() && tried < cuts_tried_max; i += distance) {
      Window prefix{.ops = project_key(history_, sources_, key_, cuts[i], values_), .cut = cuts[i],
                    .earlier_count = 0, .relaxed_count = 0, .start_at = 0,
                    .proof = Proof::search, .culprit_source = 0};
      if (std::optional<QuickProof> proof = quick_proof(prefix.ops)) {
        window = quick_window(prefix.ops, *proof, prefix.cut);
        return true;
      }
      const std::optional<bool> found = latest_start(prefix, local_window_ops_max);
      if (!found) return false;
      if (*found) {
        window = std::move(prefix);
        return true;
      }
      if (++tried >= cuts_one_by_one) distance *= 2;
    }
    return false;
  }

  // The earliest cut (at a response time) whose prefix still fails. A history
  // that is linearizable has linearizable prefixes, so failing is monotone in
  // the cut and bisection applies; an exhausted probe counts as passing.
  // Probes that fail cost a full search, those that pass usually about one
  // step per op, so the cut at the frontier hint and the one before it go
  // first: when the hint is right, that is one failing probe in all.
  void shortest_prefix(Window& window, std::optional<Instant> frontier) {
    std::vector<Instant> cuts;
    for (const KeyOp& op : window.ops) {
      if (op.completed_at) cuts.push_back(*op.completed_at);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::size_t low = 0;
    std::size_t high = cuts.size();  // cuts.size(): the whole history, known to fail
    std::vector<KeyOp> best;
    std::vector<std::size_t> guesses;
    if (frontier) {
      const auto hint = std::lower_bound(cuts.begin(), cuts.end(), *frontier);
      const std::size_t index = static_cast<std::size_t>(hint - cuts.begin());
      guesses = {index, index - 1};  // index - 1 may wrap; such guesses are skipped
    }
    std::size_t guess = 0;
    while (low < high) {
      std::size_t middle = (low + high) / 2;
      while (guess < guesses.size()) {
        const std::size_t candidate = guesses[guess++];
        if (candidate >= low && candidate < high) {
          middle = candidate;
          break;
        }
      }
      std::vector<KeyOp> ops = project_key(history_, sources_, key_, cuts[middle], values_);
      const std::optional<Outcome> outcome = probe(ops, {absent_id});
      if (!outcome) break;
      if (*outcome == Outcome::violation) {
        high = middle;
        best = std::move(ops);
      } else {
        low = middle + 1;
      }
    }
    if (high < cuts.size()) {
      window.ops = std::move(best);
      window.cut = cuts[high];
    }
  }

  // A late start that still fails, so the window is short. Take any
  // linearization of the history and the first op at or after the start in
  // it: the ops before that point are earlier ops, leaving the key absent or
  // holding a value one of them wrote; an earlier op after that point
  // overlaps the start (it completed after some later-invoked op began) and
  // still precedes its own return. So if the later ops plus the overlapping
  // earlier writes (optional: they may have gone before the start) fail from
  // every such state, the history fails. Violations are usually local, so
  // starts are tried one by one from the end, then with doubling steps (on
  // long windows), for windows of up to window_ops_max of the ops; each
  // accepted window is proven, though a shorter one may exist. Returns
  // whether one failed (`window` is then that one); nullopt when the step
  // cap ran out.
  std::optional<bool> latest_start(Window& window, std::size_t window_ops_max) {
    constexpr std::size_t one_by_one_max = 32;
    const std::size_t op_count = window.ops.size();
    std::size_t distance = 1;
    std::size_t tried = 0;
    for (std::size_t start = op_count; start > distance && op_count - start < window_ops_max;) {
      start -= distance;
      Window candidate = start_window(window, start);
      const std::optional<bool> fails = window_fails(window.ops, start, candidate);
      if (!fails) return std::nullopt;
      if (*fails) {
        window = std::move(candidate);
        return true;
      }
      if (++tried >= one_by_one_max) distance *= 2;
    }
    return false;
  }

  // The window of ops[start..] with the earlier writes still running at its
  // start put first, as optional ops.
  static Window start_window(const Window& whole, std::size_t start) {
    const std::vector<KeyOp>& ops = whole.ops;
    Window window{.ops = {}, .cut = whole.cut, .earlier_count = start, .relaxed_count = 0,
                  .start_at = ops[start].invoked_at, .proof = Proof::search,
                  .culprit_source = 0};
    for (std::size_t i = 0; i < start; ++i) {
      const bool running = !ops[i].completed_at || *ops[i].completed_at >= window.start_at;
      if (!running || !ops[i].write) continue;
      KeyOp relaxed = ops[i];
      relaxed.optional = true;
      window.ops.push_back(relaxed);
    }
    window.relaxed_count = window.ops.size();
    window.ops.insert(window.ops.end(), ops.begin() + static_cast<std::ptrdiff_t>(start),
                      ops.end());
    return window;
  }

  // Whether `window` fails from every state ops[..start] may leave; nullopt
  // when the step cap is spent first.
  std::optional<bool> window_fails(const std::vector<KeyOp>& ops, std::size_t start,
                                   const Window& window) {
    std::set<ValueId> named;  // values the window's ops compare against
    for (const KeyOp& op : window.ops) {
      if (op.requirement.kind == Require::equals || op.requirement.kind == Require::not_equals) {
        named.insert(op.requirement.value);
      }
    }
    // Absent is always included: more states only make failing harder.
    std::set<ValueId> states{absent_id};
    for (std::size_t i = 0; i < start; ++i) {
      if (!ops[i].write) continue;
      // Values the window never names behave alike: one stands for all.
      const ValueId value = *ops[i].write;
      states.insert(value == absent_id || named.count(value) > 0 ? value : values_.fresh_id());
    }
    const std::optional<Outcome> outcome =
        probe(window.ops, std::vector<ValueId>(states.begin(), states.end()));
    if (!outcome) return std::nullopt;
    return *outcome == Outcome::violation;
  }

  // violation if `ops` fail from every initial state; nullopt when the cap
  // is spent before an answer.
  std::optional<Outcome> probe(const std::vector<KeyOp>& ops,
                               const std::vector<ValueId>& initial_states) {
    KeySearch search(ops, values_.fresh_id());
    for (ValueId state : initial_states) {
      if (step_count_ >= step_limit_) return std::nullopt;
      const std::uint64_t budget = std::min(step_budget_, step_limit_ - step_count_);
      const Outcome outcome = search.run(state, budget, step_count_);
      if (outcome != Outcome::violation) return outcome;
    }
    return Outcome::violation;
  }

  const std::vector<HistoryOp>& history_;
  const std::vector<std::size_t>& sources_;
  const std::string& key_;
  ValueTable& values_;
  std::uint64_t step_budget_;
  std::uint64_t& step_count_;
  std::uint64_t step_limit_;
};

// A value for a report: quoted, escaped, long values shortened.
std::string quote(std::string_view text) {
  constexpr std::size_t shown_max = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < shown_max; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > shown_max) out += fmt::format("...({} bytes)", text.size());
  out += '"';
  return out;
}

std::string describe_operation(const Operation& op) {
  switch (op.type) {
    case OpType::put: return fmt::format("put {} = {}", quote(op.key), quote(op.value));
    case OpType::get: return fmt::format("get {}", quote(op.key));
    case OpType::del: return fmt::format("del {}", quote(op.key));
    case OpType::incr: return fmt::format("incr {} by {}", quote(op.key), op.value);
    case OpType::append: return fmt::format("append {} {}", quote(op.key), quote(op.value));
    case OpType::txn: break;
  }
  std::string out = "txn if [";
  for (std::size_t i = 0; i < op.conditions.size(); ++i) {
    const TxnCondition& condition = op.conditions[i];
    if (i > 0) out += ", ";
    out += condition.expected
               ? fmt::format("{} == {}", quote(condition.key), quote(*condition.expected))
               : fmt::format("{} absent", quote(condition.key));
  }
  out += "] then [";
  for (std::size_t i = 0; i < op.writes.size(); ++i) {
    const TxnWrite& write = op.writes[i];
    if (i > 0) out += ", ";
    out += write.is_delete ? fmt::format("del {}", quote(write.key))
                           : fmt::format("put {} = {}", quote(write.key), quote(write.value));
  }
  out += "]";
  return out;
}

std::string describe_history_op(const HistoryOp& op, std::optional<Instant> cut) {
  std::string line = fmt::format("  op {} (client {}, request {}): {} [{} ns, ", op.id, op.client,
                                 op.number, describe_operation(op.op), op.invoked_at);
  if (!op.completed_at) return line + "pending]";
  line += fmt::format("{} ns] -> {}", *op.completed_at, result_status_name(op.result->status));
  if (op.result->value) line += " " + quote(*op.result->value);
  if (cut && *op.completed_at > *cut) line += " (completes after the cut: taken as pending)";
  return line;
}

std::string explain(const std::vector<HistoryOp>& history, const std::string& key,
                    std::size_t key_op_count, const Window& window) {
  if (window.proof != Proof::search) {
    const HistoryOp& culprit = history[window.culprit_source];
    std::string why;
    switch (window.proof) {
      case Proof::search: break;
      case Proof::impossible_result:
        why = fmt::format("op {} has a result the KV model never gives", culprit.id);
        break;
      case Proof::unwritten_value:
        why = fmt::format("op {} sees a value that no op on the key invoked before it returned "
                          "writes",
                          culprit.id);
        break;
      case Proof::stale_read: {
        const bool sees_absent =
            std::any_of(window.ops.begin(), window.ops.end(), [&window](const KeyOp& op) {
              return op.source == window.culprit_source && op.requirement.value == absent_id;
            });
        why = fmt::format(
            "op {} sees {}, but after each write of it{} came a write of another value that "
            "completed before op {} was invoked",
            culprit.id, sees_absent ? "the key absent" : "a value",
            sees_absent ? " (and after the initial absence)" : "", culprit.id);
        break;
      }
    }
    std::string text = fmt::format("linearizability violation on key {} ({} ops): {}:\n",
                                   quote(key), key_op_count, why);
    for (const KeyOp& op : window.ops) {
      text += describe_history_op(history[op.source], window.cut);
      text += '\n';
    }
    return text;
  }
  std::string text = fmt::format(
      "linearizability violation on key {}: these {} of its {} ops admit no legal order",
      quote(key), window.ops.size(), key_op_count);
  if (window.earlier_count == 0) {
    text += ", starting from the key absent";
  } else {
    text += fmt::format(
        ", starting at {} ns from the key absent or holding any value written by its {} "
        "earlier ops",
        window.start_at, window.earlier_count);
  }
  if (window.cut) text += fmt::format("; history cut at {} ns", *window.cut);
  text += ":\n";
  for (std::size_t i = 0; i < window.ops.size(); ++i) {
    text += describe_history_op(history[window.ops[i].source], window.cut);
    if (i < window.relaxed_count) {
      text += " (earlier, still running: may take effect before or in the window)";
    }
    text += '\n';
  }
  return text;
}

}  // namespace

LinearizabilityResult check_linearizability(const std::vector<HistoryOp>& history,
                                            std::uint64_t step_budget) {
  BFTSIM_ASSERT(step_budget > 0);
  for (const HistoryOp& op : history) {
    BFTSIM_ASSERT(op.completed_at.has_value() == op.result.has_value());
    BFTSIM_ASSERT(!op.completed_at || *op.completed_at >= op.invoked_at);
  }

  // Invocation order, ties by id, so the input's order cannot matter.
  std::vector<std::size_t> order(history.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&history](std::size_t a, std::size_t b) {
    if (history[a].invoked_at != history[b].invoked_at) {
      return history[a].invoked_at < history[b].invoked_at;
    }
    return history[a].id < history[b].id;
  });
  std::map<std::string, std::vector<std::size_t>> sources_by_key;
  for (std::size_t source : order) {
    for (const std::string& key : touched_keys(history[source].op)) {
      sources_by_key[key].push_back(source);
    }
  }

  LinearizabilityResult result;
  // A txn with no conditions and no writes touches no key; the model still
  // answers it ok with no value, and nothing else.
  for (std::size_t source : order) {
    const HistoryOp& op = history[source];
    if (!touched_keys(op.op).empty() || !op.result) continue;
    if (*op.result == OpResult{ResultStatus::ok, std::nullopt}) continue;
    result.linearizable = false;
    result.op_ids = {op.id};
    result.explanation = "a txn with no conditions and no writes must answer ok with no value:\n" +
                         describe_history_op(op, std::nullopt);
    return result;
  }
  for (const auto& [key, sources] : sources_by_key) {
    const bool read_modify_write = std::any_of(sources.begin(), sources.end(), [&](std::size_t source) {
      const OpType type = history[source].op.type;
      return type == OpType::incr || type == OpType::append;
    });
    if (read_modify_write) {
      RmwKeyOutcome outcome = check_rmw_key(history, sources, key, step_budget, result.step_count);
      if (outcome.kind == RmwKeyOutcome::Kind::linearizable) continue;
      if (outcome.kind == RmwKeyOutcome::Kind::exhausted) {
        result.exhausted = true;
        result.exhausted_keys.push_back(key);
        continue;
      }
      result.linearizable = false;
      result.key = key;
      result.op_ids = outcome.op_ids;
      result.explanation = fmt::format("no order of the {} ops on key {} (it has read-modify-write ops) fits the KV model:\n",
                                       sources.size(), quote(key));
      for (std::size_t source : sources) result.explanation += describe_history_op(history[source], std::nullopt) + "\n";
      break;
    }
    ValueTable values;
    std::vector<KeyOp> ops = project_key(history, sources, key, std::nullopt, values);
    // Some failures need no search.
    std::optional<Instant> frontier;
    Outcome outcome = Outcome::violation;
    if (!quick_proof(ops)) {
      KeySearch search(ops, values.fresh_id());
      outcome = search.run(absent_id, step_budget, result.step_count);
      frontier = search.frontier();
    }
    if (outcome == Outcome::linearizable) continue;
    if (outcome == Outcome::exhausted) {
      result.exhausted = true;
      result.exhausted_keys.push_back(key);
      continue;
    }
    const std::size_t key_op_count = ops.size();
    Minimizer minimizer(history, sources, key, values, step_budget, result.step_count);
    const Window window = minimizer.minimize(std::move(ops), frontier);
    result.linearizable = false;
    result.key = key;
    for (const KeyOp& op : window.ops) result.op_ids.push_back(history[op.source].id);
    result.explanation = explain(history, key, key_op_count, window);
    break;
  }
  return result;
}

}  // namespace bftsim
