// Client operations on the replicated key-value store and their results.
// These are plain values: the codec encodes them, the state machine applies
// them, clients and checkers compare them.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bftsim {

// incr adds the signed decimal 64-bit integer in `value` to the key's value
// (absent counts as 0) and returns the new value; append appends `value` and
// returns the new length in decimal. Both read, modify and write in one step.
// batch carries up to batch_ops_max operations (none a batch) under the one
// client signature of its request, so a client pays one signature and each
// replica one verification for many operations. They run in order, each on
// its own like separate requests (not atomic: use txn for that), and each
// gets its own result in OpResult::results.
enum class OpType : std::uint8_t { put = 1, get = 2, del = 3, txn = 4, incr = 5, append = 6, batch = 7 };
inline constexpr OpType op_type_last = OpType::batch;

// A guard of a txn: the key's current value must equal `expected`, or the key
// must be absent when `expected` is empty.
struct TxnCondition {
  std::string key;
  std::optional<std::string> expected;
  auto operator<=>(const TxnCondition&) const = default;
};

// One write of a txn: a put of `value`, or a delete when is_delete is true.
struct TxnWrite {
  bool is_delete = false;
  std::string key;
  std::string value;
  auto operator<=>(const TxnWrite&) const = default;
};

struct Operation {
  OpType type = OpType::get;
  std::string key;    // put, get, del, incr, append
  std::string value;  // put, append; incr: the delta in decimal ("1", "-5")
  std::vector<TxnCondition> conditions;  // txn: all must hold
  std::vector<TxnWrite> writes;          // txn: applied atomically, in order
  std::vector<Operation> ops = {};       // batch: the operations, run in order
  // Declared here and defaulted below: a defaulted comparison of a type that
  // holds a vector of itself needs the type complete.
  std::strong_ordering operator<=>(const Operation&) const;
  bool operator==(const Operation&) const;
};
inline std::strong_ordering Operation::operator<=>(const Operation&) const = default;
inline bool Operation::operator==(const Operation&) const = default;

enum class ResultStatus : std::uint8_t {
  ok = 0,
  not_found = 1,         // get or del of an absent key
  condition_failed = 2,  // a txn whose conditions did not hold; nothing written
  not_integer = 3,       // incr: the value or delta is not a decimal 64-bit integer, or the sum overflows; nothing written
  too_large = 4,         // append: the result would exceed value_size_bytes_max; nothing written
};
inline constexpr ResultStatus result_status_last = ResultStatus::too_large;

struct OpResult {
  ResultStatus status = ResultStatus::ok;
  std::optional<std::string> value;  // get: the value read
  std::vector<OpResult> results = {};  // batch: one per operation, in order (status ok)
  std::strong_ordering operator<=>(const OpResult&) const;
  bool operator==(const OpResult&) const;
};
inline std::strong_ordering OpResult::operator<=>(const OpResult&) const = default;
inline bool OpResult::operator==(const OpResult&) const = default;

inline const char* op_type_name(OpType type) {
  switch (type) {
    case OpType::put: return "put";
    case OpType::get: return "get";
    case OpType::del: return "del";
    case OpType::txn: return "txn";
    case OpType::incr: return "incr";
    case OpType::append: return "append";
    case OpType::batch: return "batch";
  }
  return "unknown";
}

inline const char* result_status_name(ResultStatus status) {
  switch (status) {
    case ResultStatus::ok: return "ok";
    case ResultStatus::not_found: return "not_found";
    case ResultStatus::condition_failed: return "condition_failed";
    case ResultStatus::not_integer: return "not_integer";
    case ResultStatus::too_large: return "too_large";
  }
  return "unknown";
}

}  // namespace bftsim
