// Tests for sim/check/linearizability.h: hand-made histories that must pass or
// fail (single-key ops, txns, pending ops), a randomized history from a real
// linearizable map with one corruption, and the step budget.
#include "sim/check/linearizability.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/rng.h"

namespace bftsim::test_sim_check_linearizability_test {
namespace {

Operation put_op(const std::string& key, const std::string& value) {
  return Operation{.type = OpType::put, .key = key, .value = value, .conditions = {}, .writes = {}};
}
Operation get_op(const std::string& key) {
  return Operation{.type = OpType::get, .key = key, .value = {}, .conditions = {}, .writes = {}};
}
Operation del_op(const std::string& key) {
  return Operation{.type = OpType::del, .key = key, .value = {}, .conditions = {}, .writes = {}};
}
Operation txn_op(std::vector<TxnCondition> conditions, std::vector<TxnWrite> writes) {
  return Operation{.type = OpType::txn,
                   .key = conditions.empty() ? std::string() : conditions.front().key,
                   .value = {},
                   .conditions = std::move(conditions),
                   .writes = std::move(writes)};
}
TxnWrite write_put(const std::string& key, const std::string& value) {
  return TxnWrite{.is_delete = false, .key = key, .value = value};
}
TxnWrite write_del(const std::string& key) {
  return TxnWrite{.is_delete = true, .key = key, .value = {}};
}

OpResult ok() { return OpResult{.status = ResultStatus::ok, .value = std::nullopt}; }
OpResult ok(const std::string& value) {
  return OpResult{.status = ResultStatus::ok, .value = value};
}
OpResult not_found() { return OpResult{.status = ResultStatus::not_found, .value = std::nullopt}; }
OpResult condition_failed() {
  return OpResult{.status = ResultStatus::condition_failed, .value = std::nullopt};
}

// Builds a history; ids count from 1 in the order ops are added.
class History {
 public:
  std::uint64_t done(ClientId client, Operation op, Instant invoked_at, Instant completed_at,
                     OpResult result) {
    ops_.push_back(HistoryOp{.id = next_id_, .client = client, .number = next_id_,
                             .op = std::move(op), .invoked_at = invoked_at,
                             .completed_at = completed_at, .result = std::move(result)});
    return next_id_++;
  }
  std::uint64_t pending(ClientId client, Operation op, Instant invoked_at) {
    ops_.push_back(HistoryOp{.id = next_id_, .client = client, .number = next_id_,
                             .op = std::move(op), .invoked_at = invoked_at,
                             .completed_at = std::nullopt, .result = std::nullopt});
    return next_id_++;
  }
  const std::vector<HistoryOp>& ops() const { return ops_; }
  std::vector<HistoryOp>& ops() { return ops_; }

 private:
  std::vector<HistoryOp> ops_;
  std::uint64_t next_id_ = 1;
};

bool passes(const History& history) {
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.exhausted);
  return result.linearizable;
}

TEST_CASE("linearizability: a sequential correct history passes") {
  // Goal: the model accepts each op's correct result. Method: one client runs
  // put/get/del/txn back to back on two keys; every result is what the state
  // machine returns, so the check passes; changing one result makes it fail.
  History history;
  history.done(1, get_op("a"), 0, 10, not_found());
  history.done(1, put_op("a", "1"), 20, 30, ok());
  history.done(1, get_op("a"), 40, 50, ok("1"));
  history.done(1, put_op("a", "2"), 60, 70, ok());
  history.done(1, get_op("a"), 80, 90, ok("2"));
  history.done(1, del_op("a"), 100, 110, ok());
  history.done(1, get_op("a"), 120, 130, not_found());
  history.done(1, del_op("a"), 140, 150, not_found());
  history.done(1, txn_op({{"b", std::nullopt}}, {write_put("b", "x")}), 160, 170, ok());
  const std::uint64_t last = history.done(1, get_op("b"), 180, 190, ok("x"));
  CHECK(passes(history));

  history.ops()[last - 1].result = not_found();
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.key == "b");
}

TEST_CASE("linearizability: concurrent ops that can be ordered pass") {
  // Goal: overlap allows either order. Method: a get overlapping a put of a
  // new value may read the old or the new value; a get overlapping two puts
  // may read either; a read of the new value followed by a read of the old
  // one (both overlapping the put) may not.
  for (const char* seen : {"old", "new"}) {
    History history;
    history.done(1, put_op("a", "old"), 0, 10, ok());
    history.done(1, put_op("a", "new"), 20, 60, ok());
    history.done(2, get_op("a"), 30, 50, ok(seen));
    CHECK(passes(history));
  }
  for (const char* seen : {"x", "y"}) {
    History history;
    history.done(1, put_op("a", "x"), 0, 50, ok());
    history.done(2, put_op("a", "y"), 10, 40, ok());
    history.done(3, get_op("a"), 60, 70, ok(seen));
    CHECK(passes(history));
  }
  History history;
  history.done(1, put_op("a", "old"), 0, 10, ok());
  history.done(1, put_op("a", "new"), 20, 100, ok());
  history.done(2, get_op("a"), 30, 40, ok("new"));
  history.done(2, get_op("a"), 50, 60, ok("old"));
  CHECK_FALSE(passes(history));
}

TEST_CASE("linearizability: a stale read after a completed write fails and is reported") {
  // Goal: the report names the smallest failing key and a minimal window.
  // Method: key "a" is fine; keys "m" and "z" both read a value overwritten
  // by a completed put. The result names "m", the window is the put of the
  // value, the overwriting put and the stale get, and the explanation lists
  // them with their times.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  history.done(2, get_op("a"), 20, 30, ok("1"));
  history.done(1, put_op("z", "1"), 0, 10, ok());
  history.done(1, put_op("z", "2"), 20, 30, ok());
  history.done(2, get_op("z"), 40, 50, ok("1"));
  const std::uint64_t write = history.done(1, put_op("m", "1"), 100, 110, ok());
  const std::uint64_t overwrite = history.done(1, put_op("m", "2"), 120, 130, ok());
  const std::uint64_t stale = history.done(2, get_op("m"), 140, 150, ok("1"));
  history.done(2, get_op("m"), 160, 170, ok("2"));

  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK_FALSE(result.exhausted);
  CHECK(result.key == "m");
  CHECK(result.op_ids == std::vector<std::uint64_t>{write, overwrite, stale});
  CHECK(result.explanation.find("key \"m\"") != std::string::npos);
  CHECK(result.explanation.find(
            "op 7 (client 1, request 7): put \"m\" = \"2\" [120 ns, 130 ns] -> ok") !=
        std::string::npos);
  CHECK(result.explanation.find(
            "op 8 (client 2, request 8): get \"m\" [140 ns, 150 ns] -> ok \"1\"") !=
        std::string::npos);
  CHECK(result.explanation.find("op 9") == std::string::npos);  // after the cut
}

TEST_CASE("linearizability: a read of a value never written fails") {
  // Goal: values cannot come from nowhere. Method: after a put of "1", a get
  // returns "2"; the window is the get alone, since no earlier state explains it.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  const std::uint64_t get = history.done(2, get_op("a"), 20, 30, ok("2"));
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.key == "a");
  CHECK(result.op_ids == std::vector<std::uint64_t>{get});
}

TEST_CASE("linearizability: a read of a value written only later fails alone") {
  // Goal: a read cannot see the future. Method: a get returns 2, whose put is
  // invoked after the get returned; the report cuts the history at the get's
  // return and names the get alone. With the put invoked earlier it passes.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  const std::uint64_t get = history.done(2, get_op("a"), 20, 30, ok("2"));
  const std::uint64_t put = history.done(1, put_op("a", "2"), 40, 50, ok());
  history.done(2, get_op("a"), 60, 70, ok("2"));
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{get});
  CHECK(result.explanation.find("invoked before it returned") != std::string::npos);
  history.ops()[put - 1].invoked_at = 25;
  CHECK(passes(history));
}

TEST_CASE("linearizability: a del returning not_found after a completed put fails") {
  // Goal: del reports presence correctly. Method: put then del -> not_found
  // with nothing in between fails; with a concurrent del -> ok in between it
  // passes (that del removed the key first).
  History history;
  const std::uint64_t put = history.done(1, put_op("a", "1"), 0, 10, ok());
  const std::uint64_t del = history.done(1, del_op("a"), 20, 30, not_found());
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{put, del});

  history.done(2, del_op("a"), 15, 25, ok());
  CHECK(passes(history));
}

TEST_CASE("linearizability: invalid results fail") {
  // Goal: results the state machine never gives are violations. Method: a put
  // answered not_found, and a txn answered not_found, each fail on their key.
  History bad_put;
  bad_put.done(1, put_op("a", "1"), 0, 10, not_found());
  CHECK_FALSE(passes(bad_put));
  History bad_txn;
  bad_txn.done(1, txn_op({{"b", std::nullopt}}, {write_put("b", "1")}), 0, 10, not_found());
  CHECK_FALSE(passes(bad_txn));
}

TEST_CASE("linearizability: a window keeps the earlier writes still running at its start") {
  // Goal: a short window is a proof, not just a failing fragment. Method: two
  // dels answer ok, but only one txn ever made the key present. From the
  // txn's start on, the txn (put 1 if absent) and the last get (not_found)
  // fail on their own, but the del still running then explains them (txn,
  // del, get), so that is no window; the report must reach back to the long
  // del. With that del answering not_found the history passes.
  History history;
  const std::uint64_t bad = history.done(2, del_op("b"), 36, 65, ok());
  const std::uint64_t del = history.done(3, del_op("b"), 39, 46, ok());
  const std::uint64_t txn =
      history.done(4, txn_op({{"b", std::nullopt}}, {write_put("b", "1")}), 44, 47, ok());
  const std::uint64_t get = history.done(5, get_op("b"), 48, 64, not_found());
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{bad, del, txn, get});
  history.ops()[bad - 1].result = not_found();
  CHECK(passes(history));
}

TEST_CASE("linearizability: a running earlier write may have taken effect before the window") {
  // Goal: the window search lets an earlier write that is still running at
  // the window's start go before it. Method: put 1 overlaps put 2, and later
  // gets read 2, so put 1 went first; a long get reads 1 anyway. From the
  // first short get on, the ops pass only if put 1 went before, so the
  // report must reach back to the long get.
  History history;
  const std::uint64_t first = history.done(1, put_op("b", "1"), 0, 50, ok());
  history.done(2, put_op("b", "2"), 10, 20, ok());
  const std::uint64_t bad = history.done(3, get_op("b"), 25, 80, ok("1"));
  const std::uint64_t read = history.done(4, get_op("b"), 30, 40, ok("2"));
  const std::uint64_t last = history.done(4, get_op("b"), 60, 70, ok("2"));
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{first, bad, read, last});
  history.ops()[bad - 1].result = ok("2");
  CHECK(passes(history));
}

TEST_CASE("linearizability: an impossible result is reported alone") {
  // Goal: a result the state machine never gives is its own window. Method:
  // among correct ops, a get answers not_found with a value; the report
  // names just that op.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  const std::uint64_t bad = history.done(2, get_op("a"), 5, 30,
                                         OpResult{.status = ResultStatus::not_found, .value = "1"});
  history.done(1, get_op("a"), 20, 25, ok("1"));
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{bad});
  CHECK(result.explanation.find("never gives") != std::string::npos);
}

TEST_CASE("linearizability: a successful CAS txn then a get of the new value passes") {
  // Goal: a txn's condition is a read and its write a write. Method: put 1,
  // txn if a==1 then a=2 -> ok, get -> 2 passes; get -> 1 fails.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  history.done(1, txn_op({{"a", "1"}}, {write_put("a", "2")}), 20, 30, ok());
  const std::uint64_t get = history.done(2, get_op("a"), 40, 50, ok("2"));
  CHECK(passes(history));
  history.ops()[get - 1].result = ok("1");
  CHECK_FALSE(passes(history));
}

TEST_CASE("linearizability: a txn projects onto every key it touches") {
  // Goal: a multi-key txn's writes count on each key. Method: put b=5, then
  // txn if a absent then a=1, del b -> ok; a later get b -> 5 fails, -> not_found
  // passes; a later get a -> not_found fails.
  History history;
  history.done(1, put_op("b", "5"), 0, 10, ok());
  history.done(1, txn_op({{"a", std::nullopt}}, {write_put("a", "1"), write_del("b")}), 20, 30,
               ok());
  const std::uint64_t get_b = history.done(2, get_op("b"), 40, 50, not_found());
  const std::uint64_t get_a = history.done(2, get_op("a"), 60, 70, ok("1"));
  CHECK(passes(history));
  history.ops()[get_b - 1].result = ok("5");
  CHECK(check_linearizability(history.ops()).key == "b");
  history.ops()[get_b - 1].result = not_found();
  history.ops()[get_a - 1].result = not_found();
  CHECK(check_linearizability(history.ops()).key == "a");
}

TEST_CASE("linearizability: two concurrent create-if-absent txns both ok fail") {
  // Goal: conditions serialize. Method: two overlapping "if a absent then put"
  // txns both answer ok: the second to go would have seen the first's value.
  // If one answers condition_failed the history passes.
  History history;
  history.done(1, txn_op({{"a", std::nullopt}}, {write_put("a", "x")}), 0, 10, ok());
  const std::uint64_t second =
      history.done(2, txn_op({{"a", std::nullopt}}, {write_put("a", "y")}), 5, 15, ok());
  const LinearizabilityResult result = check_linearizability(history.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.key == "a");
  CHECK(result.op_ids.size() == 2);
  history.ops()[second - 1].result = condition_failed();
  CHECK(passes(history));
}

TEST_CASE("linearizability: a condition_failed txn whose condition held throughout fails") {
  // Goal: a failed single condition is a read that saw something else.
  // Method: put 1, then txn if a==1 -> condition_failed with no write in
  // between fails; a concurrent put of 3 gives it a moment to fail, and
  // passes. A txn with conditions on two keys that fails is not checked, so
  // it passes even when both conditions held.
  History history;
  history.done(1, put_op("a", "1"), 0, 10, ok());
  history.done(1, txn_op({{"a", "1"}}, {write_put("a", "2")}), 20, 30, condition_failed());
  CHECK_FALSE(passes(history));
  history.done(2, put_op("a", "3"), 15, 35, ok());
  CHECK(passes(history));

  History two_keys;
  two_keys.done(1, put_op("a", "1"), 0, 10, ok());
  two_keys.done(1, txn_op({{"a", "1"}, {"b", std::nullopt}}, {write_put("a", "2")}), 20, 30,
                condition_failed());
  CHECK(passes(two_keys));
}

TEST_CASE("linearizability: pending ops may or may not take effect") {
  // Goal: a pending write may apply at any time after its invocation, or
  // never. Method: a pending put's value may be read, and a read before it
  // may still see the key absent; it may bring back an overwritten value; a
  // value from nowhere still fails; a pending txn's write may be read only if
  // its condition could hold; a pending get is ignored.
  History history;
  history.pending(1, put_op("a", "1"), 0);
  history.done(2, get_op("a"), 10, 20, not_found());
  history.done(2, get_op("a"), 30, 40, ok("1"));
  history.pending(3, get_op("a"), 50);
  CHECK(passes(history));

  History rewritten;  // a pending put may bring back an overwritten value
  rewritten.done(1, put_op("a", "1"), 0, 10, ok());
  rewritten.done(1, put_op("a", "2"), 20, 30, ok());
  rewritten.pending(2, put_op("a", "1"), 25);
  rewritten.done(3, get_op("a"), 40, 50, ok("1"));
  CHECK(passes(rewritten));

  History nowhere;
  nowhere.pending(1, put_op("a", "1"), 0);
  nowhere.done(2, get_op("a"), 30, 40, ok("2"));
  CHECK_FALSE(passes(nowhere));

  History after_invoke;  // the pending put is invoked after the read completed
  after_invoke.done(2, get_op("a"), 0, 10, ok("1"));
  after_invoke.pending(1, put_op("a", "1"), 20);
  CHECK_FALSE(passes(after_invoke));

  History txn_held;
  txn_held.pending(1, txn_op({{"a", std::nullopt}}, {write_put("a", "1")}), 0);
  txn_held.done(2, get_op("a"), 10, 20, ok("1"));
  CHECK(passes(txn_held));
  History txn_blocked;
  txn_blocked.done(1, put_op("a", "0"), 0, 5, ok());
  txn_blocked.pending(1, txn_op({{"a", std::nullopt}}, {write_put("a", "1")}), 6);
  txn_blocked.done(2, get_op("a"), 10, 20, ok("1"));
  CHECK_FALSE(passes(txn_blocked));
}

struct Workload {
  int client_count = 5;
  int ops_per_client = 100;
  int key_count = 5;
  Duration length_max = 100;  // an op takes 1..length_max ns
};

// A closed-loop run against a real linearizable map: each op takes effect at
// a random instant inside its interval. Returns the history; each client's
// last op is pending half the time (and then applied or not).
std::vector<HistoryOp> simulated_history(std::uint64_t seed, const Workload& workload) {
  const int client_count = workload.client_count;
  const int ops_per_client = workload.ops_per_client;
  std::vector<std::string> keys;
  for (int k = 0; k < workload.key_count; ++k) keys.push_back("k" + std::to_string(k));
  Rng rng(seed);
  auto below = [&rng](std::uint64_t bound) { return rng.next_u64() % bound; };

  struct Planned {
    HistoryOp op;
    std::optional<Instant> effect_at;  // nullopt: a pending op that never applies
  };
  std::vector<Planned> planned;
  std::map<std::string, std::vector<std::string>> written;  // per key, in plan order
  std::uint64_t next_id = 0;
  for (int client = 0; client < client_count; ++client) {
    Instant now = static_cast<Instant>(below(50));
    for (int n = 0; n < ops_per_client; ++n) {
      const std::string key = keys[below(keys.size())];
      const std::string value = "v" + std::to_string(client) + "_" + std::to_string(n);
      Operation op;
      const std::uint64_t pick = below(100);
      if (pick < 30) {
        op = put_op(key, value);
        written[key].push_back(value);
      } else if (pick < 65) {
        op = get_op(key);
      } else if (pick < 75) {
        op = del_op(key);
      } else {
        // A CAS on one key from a recent value (or absent), sometimes with a
        // second condition and a delete of another key.
        std::optional<std::string> expected;
        const std::vector<std::string>& recent = written[key];
        if (!recent.empty() && below(4) != 0) {
          expected = recent[recent.size() - 1 - below(std::min<std::size_t>(recent.size(), 3))];
        }
        std::vector<TxnCondition> conditions = {{key, expected}};
        std::vector<TxnWrite> writes = {write_put(key, value)};
        const std::string other = keys[below(keys.size())];
        if (below(3) == 0) conditions.push_back({other, std::nullopt});
        if (below(3) == 0) writes.push_back(write_del(other));
        op = txn_op(std::move(conditions), std::move(writes));
        written[key].push_back(value);
      }
      const Duration length =
          1 + static_cast<Duration>(below(static_cast<std::uint64_t>(workload.length_max)));
      Planned item{.op = HistoryOp{.id = next_id++, .client = static_cast<ClientId>(client),
                                   .number = static_cast<RequestNumber>(n + 1), .op = op,
                                   .invoked_at = now, .completed_at = now + length,
                                   .result = std::nullopt},
                   .effect_at = now + static_cast<Instant>(
                                            below(static_cast<std::uint64_t>(length) + 1))};
      if (n == ops_per_client - 1 && below(2) == 0) {
        item.op.completed_at = std::nullopt;
        if (below(2) == 0) item.effect_at = std::nullopt;
      }
      planned.push_back(std::move(item));
      now += length + static_cast<Duration>(below(20));
    }
  }

  // Apply in effect order to the reference map, as the state machine would.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    if (planned[i].effect_at) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&planned](std::size_t a, std::size_t b) {
    if (*planned[a].effect_at != *planned[b].effect_at) {
      return *planned[a].effect_at < *planned[b].effect_at;
    }
    return a < b;
  });
  std::map<std::string, std::string> state;
  for (std::size_t index : order) {
    HistoryOp& op = planned[index].op;
    OpResult result = ok();
    switch (op.op.type) {
      case OpType::put: state[op.op.key] = op.op.value; break;
      case OpType::get:
        result = state.count(op.op.key) > 0 ? ok(state[op.op.key]) : not_found();
        break;
      case OpType::del: result = state.erase(op.op.key) > 0 ? ok() : not_found(); break;
      case OpType::incr:
      case OpType::append: FAIL("this generator makes no read-modify-write ops"); break;
      case OpType::batch: FAIL("this generator makes no batches"); break;
      case OpType::txn: {
        bool holds = true;
        for (const TxnCondition& condition : op.op.conditions) {
          auto it = state.find(condition.key);
          const std::optional<std::string> current =
              it == state.end() ? std::nullopt : std::optional<std::string>(it->second);
          holds = holds && current == condition.expected;
        }
        if (!holds) {
          result = condition_failed();
          break;
        }
        for (const TxnWrite& write : op.op.writes) {
          if (write.is_delete) {
            state.erase(write.key);
          } else {
            state[write.key] = write.value;
          }
        }
        break;
      }
    }
    if (op.completed_at) op.result = result;
  }
  std::vector<HistoryOp> history;
  for (Planned& item : planned) history.push_back(std::move(item.op));
  return history;
}

TEST_CASE("linearizability: a random linearizable history passes, a corrupted one fails") {
  // Goal: no false alarms on realistic concurrent histories, and a single bad
  // read is caught. Method: 5 closed-loop clients, 500 ops over 5 keys, each
  // applied to a std::map at a random instant inside its interval; several
  // seeds must pass. Then one completed get (in the middle) returns a value
  // never written: the check fails on that get's key, its window is short,
  // holds the get and fails on its own. The result does not depend on the
  // input order.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    std::vector<HistoryOp> history = simulated_history(seed, Workload{});
    const LinearizabilityResult result = check_linearizability(history);
    CHECK(result.linearizable);
    CHECK_FALSE(result.exhausted);

    std::size_t corrupt = history.size();
    for (std::size_t i = history.size() / 2; i < history.size(); ++i) {
      if (history[i].op.type == OpType::get && history[i].result) {
        corrupt = i;
        break;
      }
    }
    REQUIRE(corrupt < history.size());
    history[corrupt].result = ok("corrupt");
    const LinearizabilityResult bad = check_linearizability(history);
    CHECK_FALSE(bad.linearizable);
    CHECK(bad.key == history[corrupt].op.key);
    CHECK(std::find(bad.op_ids.begin(), bad.op_ids.end(), history[corrupt].id) != bad.op_ids.end());
    CHECK(bad.op_ids.size() < 20);
    // The window on its own (later completions kept) fails too.
    std::vector<HistoryOp> window;
    for (const HistoryOp& op : history) {
      if (std::find(bad.op_ids.begin(), bad.op_ids.end(), op.id) != bad.op_ids.end()) {
        window.push_back(op);
      }
    }
    CHECK_FALSE(check_linearizability(window).linearizable);

    std::reverse(history.begin(), history.end());
    const LinearizabilityResult reversed = check_linearizability(history);
    CHECK(reversed.key == bad.key);
    CHECK(reversed.op_ids == bad.op_ids);
    CHECK(reversed.explanation == bad.explanation);
  }
}

// The reference model (core/kv/state_machine.cpp's semantics) on a whole map.
OpResult apply_to_map(std::map<std::string, std::string>& state, const Operation& op) {
  switch (op.type) {
    case OpType::put: state[op.key] = op.value; return ok();
    case OpType::get: return state.count(op.key) > 0 ? ok(state[op.key]) : not_found();
    case OpType::del: return state.erase(op.key) > 0 ? ok() : not_found();
    case OpType::incr:
    case OpType::append: FAIL("this model has no read-modify-write ops"); break;
    case OpType::batch: FAIL("this model has no batches"); break;
    case OpType::txn: break;
  }
  for (const TxnCondition& condition : op.conditions) {
    auto it = state.find(condition.key);
    const std::optional<std::string> current =
        it == state.end() ? std::nullopt : std::optional<std::string>(it->second);
    if (current != condition.expected) return condition_failed();
  }
  for (const TxnWrite& write : op.writes) {
    if (write.is_delete) {
      state.erase(write.key);
    } else {
      state[write.key] = write.value;
    }
  }
  return ok();
}

// Brute force over every order of a small history on the whole map: each
// completed op placed after the ops that returned before it was invoked,
// with the model's result; pending ops placed (taking effect) or not.
bool brute_force_linearizable(const std::vector<HistoryOp>& history,
                              std::vector<bool>& placed,
                              const std::map<std::string, std::string>& state) {
  bool all_completed_placed = true;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history[i].completed_at && !placed[i]) all_completed_placed = false;
  }
  if (all_completed_placed) return true;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (placed[i]) continue;
    bool ready = true;
    for (std::size_t j = 0; j < history.size(); ++j) {
      if (!placed[j] && history[j].completed_at &&
          *history[j].completed_at < history[i].invoked_at) {
        ready = false;
      }
    }
    if (!ready) continue;
    std::map<std::string, std::string> next = state;
    const OpResult result = apply_to_map(next, history[i].op);
    if (history[i].result && result != *history[i].result) continue;
    placed[i] = true;
    const bool found = brute_force_linearizable(history, placed, next);
    placed[i] = false;
    if (found) return true;
  }
  return false;
}

TEST_CASE("linearizability: agrees with brute force on small random histories") {
  // Goal: no false alarms ever, and no missed violation where the per-key
  // projection is exact. Method: 600 random histories of 2-7 ops over keys
  // a and b (some pending, half with one result replaced at random), checked
  // against a brute-force search over all orders on the whole map. Without
  // multi-key txns, linearizability is local (Herlihy & Wing), so the two must
  // agree exactly, the reported key is the smallest failing one and its
  // window fails on its own; with them the checker may only be weaker.
  Rng rng(7);
  auto below = [&rng](std::uint64_t bound) { return rng.next_u64() % bound; };
  const std::vector<std::string> keys = {"a", "b"};
  const std::vector<std::optional<std::string>> values = {std::nullopt, "1", "2"};
  int violations = 0;
  int multi_key_count = 0;
  for (int round = 0; round < 600; ++round) {
    CAPTURE(round);
    const std::size_t op_count = 2 + below(6);
    bool multi_key = false;
    std::vector<HistoryOp> history;
    std::vector<std::pair<Instant, std::size_t>> effects;
    for (std::size_t i = 0; i < op_count; ++i) {
      const std::string key = keys[below(2)];
      const std::string value = *values[1 + below(2)];
      Operation op;
      switch (below(5)) {
        case 0: op = put_op(key, value); break;
        case 1:
        case 2: op = get_op(key); break;
        case 3: op = del_op(key); break;
        default: {
          std::vector<TxnCondition> conditions = {{key, values[below(3)]}};
          std::vector<TxnWrite> writes = {below(3) == 0 ? write_del(key) : write_put(key, value)};
          if (below(4) == 0) {
            multi_key = true;
            const std::string other = key == "a" ? "b" : "a";
            if (below(2) == 0) {
              conditions.push_back({other, values[below(3)]});
            } else {
              writes.push_back(write_put(other, value));
            }
          }
          op = txn_op(std::move(conditions), std::move(writes));
        }
      }
      const Instant invoked_at = static_cast<Instant>(below(60));
      const Instant completed_at = invoked_at + 1 + static_cast<Instant>(below(30));
      const bool pending = below(6) == 0;
      history.push_back(HistoryOp{.id = i, .client = i, .number = 1, .op = op,
                                  .invoked_at = invoked_at,
                                  .completed_at = pending ? std::nullopt
                                                          : std::optional<Instant>(completed_at),
                                  .result = std::nullopt});
      if (!pending || below(2) == 0) {
        effects.emplace_back(invoked_at + static_cast<Instant>(below(
                                 static_cast<std::uint64_t>(completed_at - invoked_at + 1))),
                             i);
      }
    }
    std::sort(effects.begin(), effects.end());
    std::map<std::string, std::string> state;
    for (const auto& [at, i] : effects) {
      const OpResult result = apply_to_map(state, history[i].op);
      if (history[i].completed_at) history[i].result = result;
    }
    for (HistoryOp& op : history) {  // pending ops that never applied
      if (op.completed_at && !op.result) op.completed_at = std::nullopt;
    }
    if (below(2) == 0) {
      HistoryOp& op = history[below(op_count)];
      if (op.result) {
        const std::optional<std::string> value = values[below(3)];
        op.result = OpResult{.status = static_cast<ResultStatus>(below(3)), .value = value};
      }
    }

    std::vector<bool> placed(history.size(), false);
    const bool expected = brute_force_linearizable(history, placed, {});
    const LinearizabilityResult result = check_linearizability(history);
    CHECK_FALSE(result.exhausted);
    if (expected) CHECK(result.linearizable);
    if (multi_key) {
      ++multi_key_count;
      continue;
    }
    CHECK(result.linearizable == expected);
    if (expected) continue;
    ++violations;
    // The smallest failing key: check "a" alone by brute force.
    std::vector<HistoryOp> only_a;
    for (const HistoryOp& op : history) {
      if (op.op.key == "a") only_a.push_back(op);
    }
    std::vector<bool> placed_a(only_a.size(), false);
    CHECK(result.key == (brute_force_linearizable(only_a, placed_a, {}) ? "b" : "a"));
    // The window alone, every op kept as completed as it was, fails too.
    std::vector<HistoryOp> window;
    for (const HistoryOp& op : history) {
      if (std::find(result.op_ids.begin(), result.op_ids.end(), op.id) != result.op_ids.end()) {
        CHECK(op.op.key == result.key);
        window.push_back(op);
      }
    }
    CHECK(window.size() == result.op_ids.size());
    std::vector<bool> placed_window(window.size(), false);
    CHECK_FALSE(brute_force_linearizable(window, placed_window, {}));
    // The window is a proof: the earlier ops count only through their
    // writes, so dropping every get outside it cannot fix the history.
    std::vector<HistoryOp> without_reads;
    for (const HistoryOp& op : history) {
      const bool in_window =
          std::find(result.op_ids.begin(), result.op_ids.end(), op.id) != result.op_ids.end();
      if (in_window || op.op.type != OpType::get) without_reads.push_back(op);
    }
    std::vector<bool> placed_without(without_reads.size(), false);
    CHECK_FALSE(brute_force_linearizable(without_reads, placed_without, {}));
  }
  CHECK(violations > 100);  // the corruptions do produce violations
  CHECK(multi_key_count > 50);
}

TEST_CASE("linearizability: twenty clients on one key stay cheap") {
  // Goal: the search's pruning keeps a busy key far below the budget, and
  // finds a stale read there. Method: 20 closed-loop clients, 1000 ops on
  // one key, about 20 ops running at any time; the check passes within
  // 100'000 steps. Then a late get returns the key's first value (written,
  // but long overwritten): the check fails on that key, naming that get.
  const Workload busy{.client_count = 20, .ops_per_client = 50, .key_count = 1,
                      .length_max = 200};
  std::vector<HistoryOp> history = simulated_history(3, busy);
  const LinearizabilityResult result = check_linearizability(history);
  CHECK(result.linearizable);
  CHECK_FALSE(result.exhausted);
  CHECK(result.step_count < 100'000);

  std::optional<std::string> first_value;
  std::size_t late_get = history.size();
  std::vector<std::size_t> order(history.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&history](std::size_t a, std::size_t b) {
    return history[a].invoked_at < history[b].invoked_at;
  });
  for (std::size_t i : order) {
    if (!first_value && history[i].op.type == OpType::put) first_value = history[i].op.value;
    if (history[i].op.type == OpType::get && history[i].result &&
        history[i].invoked_at > history[order[order.size() / 2]].invoked_at) {
      late_get = i;
      break;
    }
  }
  REQUIRE(first_value.has_value());
  REQUIRE(late_get < history.size());
  history[late_get].result = ok(*first_value);
  const LinearizabilityResult bad = check_linearizability(history);
  CHECK_FALSE(bad.linearizable);
  CHECK_FALSE(bad.exhausted);
  CHECK(bad.key == "k0");
  CHECK(std::find(bad.op_ids.begin(), bad.op_ids.end(), history[late_get].id) != bad.op_ids.end());
}

TEST_CASE("linearizability: a violation in a busy key needs the search and gets a short window") {
  // Goal: a violation no quick argument sees is found by the search, and the
  // report is a short window around it, cheaply. Method: into a busy
  // 10-client history of one key, add two overlapping puts X and Y and, once
  // both returned, two sequential gets reading X then Y (so each put comes
  // both before and after the other). The check fails naming both gets in a
  // window of under 40 ops, within two million steps in all.
  const Workload busy{.client_count = 10, .ops_per_client = 60, .key_count = 1,
                      .length_max = 200};
  std::vector<HistoryOp> history = simulated_history(5, busy);
  std::vector<Instant> invoked;
  for (const HistoryOp& op : history) invoked.push_back(op.invoked_at);
  std::sort(invoked.begin(), invoked.end());
  const Instant at = invoked[invoked.size() / 2];
  std::uint64_t id = history.size();
  auto add = [&history, &id](Operation op, Instant from, Instant to, OpResult result) {
    history.push_back(HistoryOp{.id = id, .client = 99, .number = id, .op = std::move(op),
                                .invoked_at = from, .completed_at = to, .result = result});
    return id++;
  };
  add(put_op("k0", "X"), at, at + 10, ok());
  add(put_op("k0", "Y"), at + 5, at + 15, ok());
  const std::uint64_t read_x = add(get_op("k0"), at + 16, at + 17, ok("X"));
  const std::uint64_t read_y = add(get_op("k0"), at + 18, at + 19, ok("Y"));

  const LinearizabilityResult result = check_linearizability(history);
  CHECK_FALSE(result.linearizable);
  CHECK_FALSE(result.exhausted);
  CHECK(result.key == "k0");
  CHECK(result.op_ids.size() < 40);
  CHECK(std::find(result.op_ids.begin(), result.op_ids.end(), read_x) != result.op_ids.end());
  CHECK(std::find(result.op_ids.begin(), result.op_ids.end(), read_y) != result.op_ids.end());
  CHECK(result.step_count < 2'000'000);
}

TEST_CASE("linearizability: a hard history past the step budget is exhausted, not a violation") {
  // Goal: the budget bounds the search and is reported as unknown. Method: ten
  // overlapping puts of distinct values, then two sequential gets reading two
  // different of those values (no order allows it). With a budget of 50
  // steps the key is exhausted and no violation is claimed; another key's
  // real violation is still found; with the default budget key "h" fails.
  History history;
  for (int i = 0; i < 10; ++i) {
    history.done(static_cast<ClientId>(i), put_op("h", "v" + std::to_string(i)), i, 100 + i, ok());
  }
  history.done(20, get_op("h"), 200, 210, ok("v0"));
  history.done(20, get_op("h"), 220, 230, ok("v1"));

  const LinearizabilityResult tiny = check_linearizability(history.ops(), 50);
  CHECK(tiny.linearizable);
  CHECK(tiny.exhausted);
  CHECK(tiny.exhausted_keys == std::vector<std::string>{"h"});
  CHECK(tiny.key.empty());

  const LinearizabilityResult full = check_linearizability(history.ops());
  CHECK_FALSE(full.linearizable);
  CHECK_FALSE(full.exhausted);
  CHECK(full.key == "h");

  history.done(30, put_op("z", "1"), 0, 10, ok());
  history.done(30, get_op("z"), 20, 30, not_found());
  const LinearizabilityResult both = check_linearizability(history.ops(), 50);
  CHECK_FALSE(both.linearizable);
  CHECK(both.exhausted_keys == std::vector<std::string>{"h"});
  CHECK(both.key == "z");
}

}  // namespace
}  // namespace bftsim::test_sim_check_linearizability_test

namespace bftsim::test_sim_check_linearizability_test {
namespace {
Operation incr_op(const std::string& key, const std::string& delta) {
  return Operation{.type = OpType::incr, .key = key, .value = delta, .conditions = {}, .writes = {}};
}
Operation append_op(const std::string& key, const std::string& value) {
  return Operation{.type = OpType::append, .key = key, .value = value, .conditions = {}, .writes = {}};
}
}  // namespace

TEST_CASE("linearizability: read-modify-write ops are checked on their values") {
  // Goal: incr and append results must fit some order of the key's ops.
  // Method: overlapping increments that can be ordered pass; two increments
  // that both claim to have seen 0 fail; an append whose length skips a
  // completed append fails; a pending incr may or may not have applied.
  SUBCASE("concurrent increments in some order pass") {
    History history;
    history.done(1, incr_op("n", "1"), 0, 10, ok("2"));
    history.done(2, incr_op("n", "1"), 1, 9, ok("1"));
    history.done(3, get_op("n"), 11, 12, ok("2"));
    CHECK(passes(history));
  }
  SUBCASE("a lost increment fails") {
    History history;
    history.done(1, incr_op("n", "1"), 0, 10, ok("1"));
    history.done(2, incr_op("n", "1"), 11, 20, ok("1"));  // saw 0 after the first completed
    const LinearizabilityResult result = check_linearizability(history.ops());
    CHECK_FALSE(result.linearizable);
    CHECK(result.key == "n");
  }
  SUBCASE("an append that ignores a completed append fails; in order it passes") {
    History bad;
    bad.done(1, append_op("s", "ab"), 0, 5, ok("2"));
    bad.done(2, append_op("s", "c"), 6, 9, ok("1"));
    CHECK_FALSE(check_linearizability(bad.ops()).linearizable);
    History good;
    good.done(1, append_op("s", "ab"), 0, 5, ok("2"));
    good.done(2, append_op("s", "c"), 6, 9, ok("3"));
    good.done(3, get_op("s"), 10, 11, ok("abc"));
    CHECK(passes(good));
  }
  SUBCASE("a pending incr may or may not apply") {
    History applied;
    applied.pending(1, incr_op("n", "5"), 0);
    applied.done(2, get_op("n"), 10, 11, ok("5"));
    CHECK(passes(applied));
    History not_applied;
    not_applied.pending(1, incr_op("n", "5"), 0);
    not_applied.done(2, get_op("n"), 10, 11, not_found());
    CHECK(passes(not_applied));
    History impossible;
    impossible.pending(1, incr_op("n", "5"), 0);
    impossible.done(2, get_op("n"), 10, 11, ok("6"));
    CHECK_FALSE(check_linearizability(impossible.ops()).linearizable);
  }
  SUBCASE("incr of a non-integer must fail, and puts mix in") {
    History history;
    history.done(1, put_op("n", "abc"), 0, 1, ok());
    history.done(2, incr_op("n", "1"), 2, 3, OpResult{.status = ResultStatus::not_integer, .value = std::nullopt});
    CHECK(passes(history));
    History wrong;
    wrong.done(1, put_op("n", "abc"), 0, 1, ok());
    wrong.done(2, incr_op("n", "1"), 2, 3, ok("1"));
    CHECK_FALSE(check_linearizability(wrong.ops()).linearizable);
  }
}

TEST_CASE("linearizability: a txn with no conditions and no writes is checked") {
  // Goal: the gap where such a txn's result was never looked at is closed.
  History good;
  good.done(1, txn_op({}, {}), 0, 1, ok());
  CHECK(passes(good));
  History bad;
  const std::uint64_t id = bad.done(1, txn_op({}, {}), 0, 1, condition_failed());
  const LinearizabilityResult result = check_linearizability(bad.ops());
  CHECK_FALSE(result.linearizable);
  CHECK(result.op_ids == std::vector<std::uint64_t>{id});
}

}  // namespace bftsim::test_sim_check_linearizability_test
