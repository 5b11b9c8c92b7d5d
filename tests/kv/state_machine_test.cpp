// Tests of KvStateMachine: operation semantics, txn atomicity, exactly-once
// application with a bounded per-client window, the state digest, and a
// randomized comparison against a std::map model.
#include "core/kv/state_machine.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/kv/memory_kv_store.h"
#include "core/kv/state_digest.h"
#include "core/protocol/messages.h"

namespace bftsim::test_kv_state_machine_test {
namespace {

using Kind = ApplyOutcome::Kind;

// Plain assignments rather than designated initializers: -Wextra flags every
// member a designated initializer leaves out.
Operation put_op(std::string key, std::string value) {
  Operation op;
  op.type = OpType::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}
Operation get_op(std::string key) {
  Operation op;
  op.type = OpType::get;
  op.key = std::move(key);
  return op;
}
Operation del_op(std::string key) {
  Operation op;
  op.type = OpType::del;
  op.key = std::move(key);
  return op;
}
Operation txn_op(std::vector<TxnCondition> conditions, std::vector<TxnWrite> writes) {
  Operation op;
  op.type = OpType::txn;
  op.conditions = std::move(conditions);
  op.writes = std::move(writes);
  return op;
}
TxnWrite txn_put(std::string key, std::string value) {
  return TxnWrite{.is_delete = false, .key = std::move(key), .value = std::move(value)};
}
TxnWrite txn_del(std::string key) {
  return TxnWrite{.is_delete = true, .key = std::move(key), .value = {}};
}

ClientRequest request(ClientId client, RequestNumber number, Operation op) {
  return ClientRequest{.client = client, .number = number, .op = std::move(op)};
}

ApplyOutcome apply_request(KvStateMachine& machine, const ClientRequest& request, Height height) {
  return machine.apply(request.client, request.number, request.op, height);
}

const OpResult ok{.status = ResultStatus::ok, .value = std::nullopt};
const OpResult not_found{.status = ResultStatus::not_found, .value = std::nullopt};
const OpResult condition_failed{.status = ResultStatus::condition_failed, .value = std::nullopt};
OpResult ok_value(std::string value) { return OpResult{.status = ResultStatus::ok, .value = value}; }

// Applies a request from a fresh number of client 1 and returns its result,
// checking that it was applied.
struct Driver {
  KvStateMachine machine;
  RequestNumber next_number = 1;
  Height height = 1;

  OpResult run(Operation op) {
    ApplyOutcome outcome = apply_request(machine, request(1, next_number++, std::move(op)), height++);
    REQUIRE(outcome.kind == Kind::applied);
    return outcome.result;
  }
};

TEST_CASE("kv_state_machine: put, get and del") {
  // Goal: each single-key op does what operation.h says. Method: drive one
  // machine through puts, overwrites, reads and deletes of present and absent
  // keys, checking results, store size and applied_count.
  Driver d;
  CHECK(d.run(get_op("a")) == not_found);
  CHECK(d.run(put_op("a", "1")) == ok);
  CHECK(d.run(get_op("a")) == ok_value("1"));
  CHECK(d.run(put_op("a", "2")) == ok);  // overwrite
  CHECK(d.run(get_op("a")) == ok_value("2"));
  CHECK(d.run(put_op("e", "")) == ok);   // an empty value is a present key
  CHECK(d.run(get_op("e")) == ok_value(""));
  CHECK(d.machine.store().size() == 2);

  CHECK(d.run(del_op("a")) == ok);
  CHECK(d.run(del_op("a")) == not_found);
  CHECK(d.run(del_op("never")) == not_found);
  CHECK(d.run(get_op("a")) == not_found);
  CHECK(d.machine.store().size() == 1);
  CHECK(d.machine.applied_count() == 11);
  CHECK(d.machine.last_applied_height() == 11);
}

TEST_CASE("kv_state_machine: txn whose conditions hold applies its writes in order") {
  // Goal: a txn checks value-equals and key-absent conditions and then writes
  // in order. Method: set up state, run a txn whose conditions all hold and
  // whose writes overwrite one key twice, then read every key.
  Driver d;
  d.run(put_op("x", "1"));
  d.run(put_op("gone", "g"));
  CHECK(d.run(txn_op({{.key = "x", .expected = "1"}, {.key = "y", .expected = std::nullopt}},
                     {txn_put("y", "first"), txn_put("y", "second"), txn_del("gone"),
                      txn_del("absent"), txn_put("x", "9")})) == ok);
  CHECK(d.run(get_op("x")) == ok_value("9"));
  CHECK(d.run(get_op("y")) == ok_value("second"));
  CHECK(d.run(get_op("gone")) == not_found);
  CHECK(d.machine.store().size() == 2);

  // No conditions: always applies.
  CHECK(d.run(txn_op({}, {txn_put("z", "1")})) == ok);
  CHECK(d.run(get_op("z")) == ok_value("1"));
}

TEST_CASE("kv_state_machine: a txn with a failing condition writes nothing") {
  // Goal: txns are all-or-nothing. Method: for each way a condition can fail
  // (placed last, after conditions that hold), run a txn with writes and check
  // condition_failed, unchanged contents and unchanged digest.
  Driver d;
  d.run(put_op("x", "1"));
  d.run(put_op("y", "2"));
  const Hash32 before = d.machine.digest();
  const std::vector<TxnWrite> writes = {txn_put("x", "changed"), txn_del("y"),
                                        txn_put("new", "n")};

  SUBCASE("value differs") {
    CHECK(d.run(txn_op({{.key = "y", .expected = "2"}, {.key = "x", .expected = "other"}},
                       writes)) == condition_failed);
  }
  SUBCASE("expected absent but present") {
    CHECK(d.run(txn_op({{.key = "x", .expected = "1"}, {.key = "y", .expected = std::nullopt}},
                       writes)) == condition_failed);
  }
  SUBCASE("expected a value but absent") {
    CHECK(d.run(txn_op({{.key = "x", .expected = "1"}, {.key = "new", .expected = ""}},
                       writes)) == condition_failed);
  }
  CHECK(d.machine.digest() == before);
  CHECK(d.machine.store().size() == 2);
  CHECK(d.machine.store().get("x") == std::optional<std::string>("1"));
  CHECK(d.machine.store().get("y") == std::optional<std::string>("2"));
  CHECK(d.machine.store().get("new") == std::nullopt);
}

TEST_CASE("kv_state_machine: a txn that puts then deletes a key leaves it absent") {
  // Goal: writes within a txn apply in order, including to one key. Method:
  // put-then-delete a new key and an existing key; compare contents and digest
  // with a machine that never saw those keys; then delete-then-put.
  Driver d;
  Driver reference;
  d.run(put_op("keep", "k"));
  reference.run(put_op("keep", "k"));
  d.run(put_op("old", "o"));
  CHECK(d.run(txn_op({}, {txn_put("fresh", "f"), txn_put("old", "p"), txn_del("fresh"),
                          txn_del("old")})) == ok);
  CHECK(d.machine.store().get("fresh") == std::nullopt);
  CHECK(d.machine.store().get("old") == std::nullopt);
  CHECK(d.machine.store().size() == 1);
  CHECK(d.machine.digest() == reference.machine.digest());

  CHECK(d.run(txn_op({}, {txn_del("keep"), txn_put("keep", "again")})) == ok);
  CHECK(d.machine.store().get("keep") == std::optional<std::string>("again"));
}

TEST_CASE("kv_state_machine: a request is applied at most once") {
  // Goal: exactly-once. Method: apply requests, change the state, re-apply the
  // same (client, number) at a later height; expect duplicate with the first
  // height and result, and no change to state, digest or applied_count.
  KvStateMachine machine;
  const ClientRequest put = request(7, 1, put_op("a", "1"));
  const ClientRequest get = request(7, 2, get_op("a"));
  CHECK(apply_request(machine, put, 3) == ApplyOutcome{.kind = Kind::applied, .result = ok, .height = 3});
  CHECK(apply_request(machine, get, 3) ==
        ApplyOutcome{.kind = Kind::applied, .result = ok_value("1"), .height = 3});
  CHECK(apply_request(machine, request(8, 1, put_op("a", "2")), 4).kind == Kind::applied);

  const Hash32 digest = machine.digest();
  // The duplicate put must not write "1" back; the duplicate get returns the
  // value read the first time, not the current one.
  CHECK(apply_request(machine, put, 9) == ApplyOutcome{.kind = Kind::duplicate, .result = ok, .height = 3});
  CHECK(apply_request(machine, get, 9) ==
        ApplyOutcome{.kind = Kind::duplicate, .result = ok_value("1"), .height = 3});
  // Even with a different op under the same number: the number identifies it.
  CHECK(apply_request(machine, request(7, 1, del_op("a")), 10).kind == Kind::duplicate);
  CHECK(machine.store().get("a") == std::optional<std::string>("2"));
  CHECK(machine.digest() == digest);
  CHECK(machine.applied_count() == 3);
  CHECK(machine.last_applied_height() == 10);
}

TEST_CASE("kv_state_machine: numbers within the window apply out of order") {
  // Goal: several outstanding requests may commit in any order. Method: apply
  // numbers 5, 3, 4, 1, 2 of one client, then the oldest unseen number still
  // in the window and the newest below it.
  KvStateMachine machine;
  Height height = 1;
  for (RequestNumber number : {5, 3, 4, 1, 2}) {
    const auto outcome = apply_request(machine, 
        request(1, number, put_op("k" + std::to_string(number), "v")), height++);
    CHECK(outcome.kind == Kind::applied);
  }
  CHECK(machine.store().size() == 5);
  CHECK(apply_request(machine, request(1, 3, get_op("k3")), height).kind == Kind::duplicate);

  // Highest is now 2000: 977 .. 2000 is the window, 976 and below are stale.
  CHECK(apply_request(machine, request(1, 2000, put_op("h", "1")), height++).kind == Kind::applied);
  CHECK(apply_request(machine, request(1, 2000 - request_window_max + 1, put_op("in", "1")), height++)
            .kind == Kind::applied);
  CHECK(apply_request(machine, request(1, 2000 - request_window_max, put_op("out", "1")), height++) ==
        ApplyOutcome{.kind = Kind::stale, .result = {}, .height = 0});
  CHECK(machine.store().get("in") == std::optional<std::string>("1"));
  CHECK(machine.store().get("out") == std::nullopt);
}

TEST_CASE("kv_state_machine: a number far below the window is stale") {
  // Goal: old numbers are refused, whether applied before or never seen.
  // Method: apply 1 and 5000, then retry 1 (applied before) and 2 (never);
  // both are stale, write nothing and are not counted.
  KvStateMachine machine;
  CHECK(apply_request(machine, request(1, 1, put_op("a", "1")), 1).kind == Kind::applied);
  CHECK(apply_request(machine, request(1, 5000, put_op("b", "1")), 2).kind == Kind::applied);
  const Hash32 digest = machine.digest();
  const ApplyOutcome stale{.kind = Kind::stale, .result = {}, .height = 0};
  CHECK(apply_request(machine, request(1, 1, put_op("a", "2")), 3) == stale);
  CHECK(apply_request(machine, request(1, 2, put_op("c", "1")), 3) == stale);
  CHECK(machine.digest() == digest);
  CHECK(machine.applied_count() == 2);
  CHECK(machine.store().get("a") == std::optional<std::string>("1"));
  CHECK(machine.store().get("c") == std::nullopt);

  // Number 0 is never issued: stale, also for a client never seen.
  CHECK(apply_request(machine, request(99, 0, put_op("z", "1")), 3) == stale);
  // Other clients have their own windows.
  CHECK(apply_request(machine, request(2, 1, put_op("d", "1")), 3).kind == Kind::applied);
}

TEST_CASE("kv_state_machine: cached replies stay within the window") {
  // Goal: memory per client is bounded. Method: apply 3,000 numbers of one
  // client and 10 of another; count the cached replies, and check that a
  // number at the bottom of the window is still answered from the cache.
  KvStateMachine machine;
  for (RequestNumber number = 1; number <= 3000; ++number) {
    apply_request(machine, request(1, number, put_op("k", std::to_string(number))), number);
  }
  for (RequestNumber number = 1; number <= 10; ++number) {
    apply_request(machine, request(2, number, get_op("k")), 3000);
  }
  CHECK(machine.cached_reply_count() == request_window_max + 10);
  const RequestNumber oldest = 3000 - request_window_max + 1;
  CHECK(apply_request(machine, request(1, oldest, get_op("k")), 3001) ==
        ApplyOutcome{.kind = Kind::duplicate, .result = ok, .height = oldest});
  CHECK(apply_request(machine, request(1, oldest - 1, get_op("k")), 3001).kind == Kind::stale);
  CHECK(machine.applied_count() == 3010);
}

TEST_CASE("kv_state_machine: the digest depends only on the contents") {
  // Goal: replicas with equal contents report equal digests, whatever path led
  // there. Method: reach the same contents by two different op sequences
  // (overwrites, deletes, a txn); then change one value; then delete all.
  Driver first;
  first.run(put_op("a", "1"));
  first.run(put_op("b", "old"));
  first.run(put_op("c", "3"));
  first.run(put_op("b", "2"));
  first.run(put_op("tmp", "t"));
  first.run(del_op("tmp"));

  Driver second;
  second.run(txn_op({}, {txn_put("c", "3"), txn_put("b", "2")}));
  second.run(put_op("a", "x"));
  second.run(get_op("a"));
  second.run(put_op("a", "1"));

  const KvStateMachine empty;
  CHECK(first.machine.digest() == second.machine.digest());
  CHECK(first.machine.digest() != empty.digest());

  second.run(put_op("c", "4"));
  CHECK(first.machine.digest() != second.machine.digest());
  second.run(put_op("c", "3"));
  CHECK(first.machine.digest() == second.machine.digest());
  second.run(put_op("d", ""));
  CHECK(first.machine.digest() != second.machine.digest());

  for (const char* key : {"a", "b", "c"}) first.run(del_op(key));
  CHECK(first.machine.digest() == empty.digest());
  CHECK(first.machine.store().size() == 0);
}

// A tiny deterministic PRNG for the model test (xorshift64).
struct XorShift {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

TEST_CASE("kv_state_machine: matches a std::map model on random operations") {
  // Goal: the machine agrees with a trivially correct model. Method: 5,000
  // random puts, gets, dels and txns (seeded xorshift, 6 keys, 3 clients,
  // some requests resubmitted as duplicates) applied to the machine and to a
  // std::map; compare every result, then the contents, and the incremental
  // digest against one built from scratch over the model.
  XorShift rng{0x9e3779b97f4a7c15};
  KvStateMachine machine;
  std::map<std::string, std::string> model;
  struct Sent {
    ClientRequest request;
    OpResult result;
    Height height;
  };
  std::vector<Sent> sent;
  std::map<ClientId, RequestNumber> next_number;
  const auto random_key = [&] { return "k" + std::to_string(rng.below(6)); };
  const auto random_value = [&] { return "v" + std::to_string(rng.below(4)); };
  // A condition that holds about half the time: read from the model or made up.
  const auto random_condition = [&] {
    TxnCondition condition{.key = random_key(), .expected = std::nullopt};
    if (rng.below(2) == 0) {
      auto it = model.find(condition.key);
      if (it != model.end()) condition.expected = it->second;
    } else if (rng.below(2) == 0) {
      condition.expected = random_value();
    }
    return condition;
  };

  Height height = 1;
  std::uint64_t applied = 0;
  for (int step = 0; step < 5000; ++step) {
    if (rng.below(4) == 0) height += 1;
    if (!sent.empty() && rng.below(10) == 0) {
      // Resubmit a recent request: duplicate, answered from the cache.
      const Sent& old = sent[sent.size() - 1 - rng.below(std::min<std::size_t>(sent.size(), 50))];
      REQUIRE(apply_request(machine, old.request, height) ==
              ApplyOutcome{.kind = Kind::duplicate, .result = old.result, .height = old.height});
      continue;
    }

    const ClientId client = rng.below(3);
    ClientRequest req{.client = client, .number = ++next_number[client], .op = {}};
    OpResult expected;
    switch (rng.below(4)) {
      case 0: {
        req.op = put_op(random_key(), random_value());
        model[req.op.key] = req.op.value;
        expected = ok;
        break;
      }
      case 1: {
        req.op = get_op(random_key());
        auto it = model.find(req.op.key);
        expected = it == model.end() ? not_found : ok_value(it->second);
        break;
      }
      case 2: {
        req.op = del_op(random_key());
        expected = model.erase(req.op.key) == 1 ? ok : not_found;
        break;
      }
      default: {
        std::vector<TxnCondition> conditions;
        for (std::uint64_t i = rng.below(3); i > 0; --i) conditions.push_back(random_condition());
        std::vector<TxnWrite> writes;
        for (std::uint64_t i = rng.below(4); i > 0; --i) {
          writes.push_back(rng.below(3) == 0 ? txn_del(random_key())
                                             : txn_put(random_key(), random_value()));
        }
        bool holds = true;
        for (const TxnCondition& condition : conditions) {
          auto it = model.find(condition.key);
          const std::optional<std::string> current =
              it == model.end() ? std::nullopt : std::optional<std::string>(it->second);
          holds = holds && current == condition.expected;
        }
        if (holds) {
          for (const TxnWrite& write : writes) {
            if (write.is_delete) {
              model.erase(write.key);
            } else {
              model[write.key] = write.value;
            }
          }
        }
        expected = holds ? ok : condition_failed;
        req.op = txn_op(std::move(conditions), std::move(writes));
        break;
      }
    }
    const ApplyOutcome outcome = apply_request(machine, req, height);
    REQUIRE(outcome == ApplyOutcome{.kind = Kind::applied, .result = expected, .height = height});
    applied += 1;
    sent.push_back(Sent{req, expected, height});
  }

  CHECK(machine.applied_count() == applied);
  CHECK(machine.store().size() == model.size());
  StateDigest from_scratch;
  for (int k = 0; k < 6; ++k) {
    const std::string key = "k" + std::to_string(k);
    auto it = model.find(key);
    const std::optional<std::string> want =
        it == model.end() ? std::nullopt : std::optional<std::string>(it->second);
    CHECK(machine.store().get(key) == want);
    if (want) from_scratch.add(key, *want);
  }
  CHECK(machine.digest() == from_scratch.value());
}


TEST_CASE("kv_state_machine: changed replies are taken once each, ascending") {
  // Goal: the keys the Node rewrites after a commit come sorted and without
  // repeats. Method: a reply added and pruned before the next take (client
  // 1's request 1 leaves the window when request 1026 is applied) and a
  // smaller client applied first; the take lists each key once, in order.
  KvStateMachine machine;
  apply_request(machine, request(2, 1, put_op("a", "1")), 1);
  apply_request(machine, request(1, 1, put_op("b", "1")), 2);
  apply_request(machine, request(1, 1 + request_window_max + 1, put_op("b", "2")), 3);
  using Key = KvStateMachine::ReplyKey;
  CHECK(machine.take_changed_replies() ==
        std::vector<Key>{{1, 1}, {1, 1 + request_window_max + 1}, {2, 1}});
  CHECK_FALSE(machine.has_cached_reply({1, 1}));
  CHECK(machine.take_changed_replies().empty());
}

TEST_CASE("kv_state_machine: a state rebuilt from its pairs and client records behaves the same") {
  // Goal: what the Node persists (pairs, client records, applied height) is
  // enough to resume exactly. Method: run A; build B over a copy of A's pairs
  // with A's encoded client records; apply the same further requests,
  // resubmissions included, to both and compare every outcome and digest.
  // Control: B without the client records re-executes a duplicate.
  KvStateMachine a;
  Height height = 1;
  for (RequestNumber n = 1; n <= 40; ++n) {
    const ClientId client = 1 + n % 3;
    Operation op = n % 5 == 0 ? get_op("k" + std::to_string(n % 4))
                   : n % 7 == 0 ? del_op("k" + std::to_string(n % 4))
                                : put_op("k" + std::to_string(n % 4), "v" + std::to_string(n));
    apply_request(a, request(client, n, std::move(op)), height++);
  }
  CHECK(a.take_changed_replies().size() == 40);
  CHECK(a.take_changed_replies().empty());

  auto rebuild = [&](bool with_records) {
    auto store = std::make_unique<MemoryKvStore>();
    a.store().for_each([&](std::string_view key, std::string_view value) { store->put(key, value); });
    KvStateMachine b(std::move(store));
    if (with_records) {
      for (const auto& key : a.cached_reply_keys()) REQUIRE(b.restore_cached_reply(key, a.encode_cached_reply(key)));
      REQUIRE(b.finish_restore());
    }
    b.restore_last_applied_height(a.last_applied_height());
    return b;
  };
  KvStateMachine b = rebuild(true);
  CHECK(b.digest() == a.digest());
  CHECK(b.cached_reply_count() == a.cached_reply_count());
  for (RequestNumber n = 35; n <= 50; ++n) {  // 35..40 are resubmissions
    const ClientId client = 1 + n % 3;
    const ClientRequest r = request(client, n, put_op("k" + std::to_string(n % 4), "w" + std::to_string(n)));
    CHECK(apply_request(b, r, height) == apply_request(a, r, height));
    ++height;
    CHECK(b.digest() == a.digest());
  }

  KvStateMachine without = rebuild(false);
  CHECK(apply_request(without, request(1 + 39 % 3, 39, put_op("k3", "again")), height).kind == Kind::applied);
}

TEST_CASE("kv_state_machine: a damaged cached reply is rejected") {
  // Goal: corrupt bytes never become exactly-once state. Method: truncate and
  // extend an encoded reply, restore one twice, and restore a window with a
  // gap too wide; each is an error. Control: the intact reply restores and a
  // resubmission is then a duplicate.
  KvStateMachine a;
  apply_request(a, request(9, 1, put_op("x", "1")), 1);
  apply_request(a, request(9, 2, get_op("x")), 2);
  const KvStateMachine::ReplyKey key{9, 2};
  const std::vector<std::uint8_t> good = a.encode_cached_reply(key);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    KvStateMachine b;
    const std::vector<std::uint8_t> truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK(!b.restore_cached_reply(key, truncated));
  }
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  KvStateMachine c;
  CHECK(!c.restore_cached_reply(key, longer));
  KvStateMachine d;
  REQUIRE(d.restore_cached_reply(key, good));
  CHECK(!d.restore_cached_reply(key, good));
  KvStateMachine wide;
  REQUIRE(wide.restore_cached_reply({9, 1}, good));
  REQUIRE(wide.restore_cached_reply({9, 1 + request_window_max}, good));
  CHECK(!wide.finish_restore());

  KvStateMachine e;
  REQUIRE(e.restore_cached_reply(key, good));
  REQUIRE(e.finish_restore());
  CHECK(apply_request(e, request(9, 2, get_op("x")), 3).kind == Kind::duplicate);
}

}  // namespace
}  // namespace bftsim::test_kv_state_machine_test
