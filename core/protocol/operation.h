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

enum class OpType : std::uint8_t { put = 1, get = 2, del = 3, txn = 4 };

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
  std::string key;    // put, get, del
  std::string value;  // put
  std::vector<TxnCondition> conditions;  // txn: all must hold
  std::vector<TxnWrite> writes;          // txn: applied atomically, in order
  auto operator<=>(const Operation&) const = default;
};

enum class ResultStatus : std::uint8_t {
  ok = 0,
  not_found = 1,         // get or del of an absent key
  condition_failed = 2,  // a txn whose conditions did not hold; nothing written
};

struct OpResult {
  ResultStatus status = ResultStatus::ok;
  std::optional<std::string> value;  // get: the value read
  auto operator<=>(const OpResult&) const = default;
};

inline const char* op_type_name(OpType type) {
  switch (type) {
    case OpType::put: return "put";
    case OpType::get: return "get";
    case OpType::del: return "del";
    case OpType::txn: return "txn";
  }
  return "unknown";
}

inline const char* result_status_name(ResultStatus status) {
  switch (status) {
    case ResultStatus::ok: return "ok";
    case ResultStatus::not_found: return "not_found";
    case ResultStatus::condition_failed: return "condition_failed";
  }
  return "unknown";
}

}  // namespace bftsim
