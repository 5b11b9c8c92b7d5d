// One key's view of a client history (internal to the linearizability
// checker): values interned per key, and each op projected onto the key as a
// requirement on the state at its linearization point plus an optional write.
// A txn projects onto each key it touches; results are taken exactly as the
// state machine gives them, so an impossible result becomes Require::never.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types/ids.h"
#include "sim/check/linearizability.h"

namespace bftsim::lin {

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

// The keys an op touches, sorted.
std::set<std::string> touched_keys(const Operation& op);

// The ops of `sources` (history indices in invocation order) as seen on `key`
// in the history cut at `cut` (ops invoked after it left out, ops completed
// after it pending), in the same order; ops that cannot constrain the key
// are left out.
std::vector<KeyOp> project_key(const std::vector<HistoryOp>& history,
                               const std::vector<std::size_t>& sources, const std::string& key,
                               std::optional<Instant> cut, ValueTable& values);

}  // namespace bftsim::lin
