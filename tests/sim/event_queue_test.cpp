// Tests for sim/event_queue.h: (time, sequence) order, ties by insertion,
// interleaved use, a large random run against a sort, move-only payloads, and
// the asserted bounds (checked in a forked child, since BFTSIM_ASSERT aborts).
#include "sim/event_queue.h"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/distributions.h"
#include "sim/rng.h"

namespace bftsim::test_sim_event_queue_test {
namespace {

// True if `body` aborts (as BFTSIM_ASSERT does) when run in a child process.
template <typename Body>
bool aborts(Body body) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    // doctest's crash handler would report the abort as a failure; restore
    // the default action, and keep the expected message out of the log.
    std::signal(SIGABRT, SIG_DFL);
    [[maybe_unused]] auto* err = std::freopen("/dev/null", "w", stderr);
    [[maybe_unused]] auto* out = std::freopen("/dev/null", "w", stdout);
    body();
    _exit(0);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) return false;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

TEST_CASE("event_queue: pops in time order") {
  // Goal: the earliest event comes first whatever the push order. Method:
  // push times out of order and read them back.
  EventQueue<std::string> queue(16);
  queue.push(30, "c");
  queue.push(10, "a");
  queue.push(20, "b");
  CHECK(queue.size() == 3);
  CHECK(queue.top().at == 10);
  CHECK(queue.top().payload == "a");
  std::string order;
  std::vector<Instant> times;
  while (!queue.empty()) {
    auto entry = queue.pop();
    order += entry.payload;
    times.push_back(entry.at);
  }
  CHECK(order == "abc");
  CHECK(times == std::vector<Instant>{10, 20, 30});
  CHECK(queue.size() == 0);
}

TEST_CASE("event_queue: ties break by insertion order") {
  // Goal: events at one instant pop in push order, and push returns the
  // sequence. Method: push 100 events at one time, interleaved with events
  // at other times, and check the sequence of the tied ones.
  EventQueue<int> queue(1000);
  std::vector<std::uint64_t> tied_sequences;
  for (int i = 0; i < 100; ++i) {
    tied_sequences.push_back(queue.push(50, i));
    queue.push(i % 2 == 0 ? 40 : 60, -1);
  }
  CHECK(tied_sequences.front() == 0);
  CHECK(tied_sequences.back() == 198);
  CHECK(queue.sequence_next() == 200);
  std::vector<int> tied;
  while (!queue.empty()) {
    auto entry = queue.pop();
    if (entry.at == 50) tied.push_back(entry.payload);
  }
  std::vector<int> expected(100);
  for (int i = 0; i < 100; ++i) expected[static_cast<std::size_t>(i)] = i;
  CHECK(tied == expected);
}

TEST_CASE("event_queue: interleaved push and pop") {
  // Goal: pushes after pops (at or after the popped time) slot in correctly,
  // including at the same instant as the event just popped. Method: a
  // scripted sequence of operations.
  EventQueue<char> queue(8);
  queue.push(10, 'a');
  queue.push(30, 'd');
  CHECK(queue.pop().payload == 'a');
  CHECK(queue.popped_at_last() == 10);
  queue.push(10, 'b');  // same instant as the last pop: allowed
  queue.push(20, 'c');
  queue.push(30, 'e');  // ties with 'd', pushed later
  CHECK(queue.pop().payload == 'b');
  CHECK(queue.pop().payload == 'c');
  queue.push(25, 'x');
  CHECK(queue.pop().payload == 'x');
  CHECK(queue.pop().payload == 'd');
  CHECK(queue.pop().payload == 'e');
  CHECK(queue.empty());
  CHECK(queue.popped_at_last() == 30);
}

TEST_CASE("event_queue: 100k random events pop in (time, sequence) order") {
  // Goal: the heap is correct at scale. Method: a simulation-like run that
  // pops a few events and pushes new ones at random times not before the
  // current time; every pop must be non-decreasing in (time, sequence), and
  // the popped multiset must equal the pushed one.
  Rng rng = Rng::stream(1, "test/event_queue");
  EventQueue<std::uint64_t> queue(200'000);
  std::vector<std::tuple<Instant, std::uint64_t, std::uint64_t>> pushed, popped;
  Instant now = 0;
  std::uint64_t next_payload = 0;
  bool ordered = true;
  std::pair<Instant, std::uint64_t> previous{-1, 0};
  auto push_one = [&] {
    const Instant at = now + uniform_range(rng, 0, 1'000);  // many ties
    const std::uint64_t payload = next_payload++;
    const std::uint64_t sequence = queue.push(at, payload);
    pushed.emplace_back(at, sequence, payload);
  };
  auto pop_one = [&] {
    auto entry = queue.pop();
    const std::pair<Instant, std::uint64_t> key{entry.at, entry.sequence};
    ordered = ordered && previous < key;
    previous = key;
    now = entry.at;
    popped.emplace_back(entry.at, entry.sequence, entry.payload);
  };
  while (next_payload < 100'000) {
    const auto pushes = uniform_u64(rng, 4);
    for (std::uint64_t i = 0; i < pushes && next_payload < 100'000; ++i) push_one();
    const auto pops = uniform_u64(rng, 3);
    for (std::uint64_t i = 0; i < pops && !queue.empty(); ++i) pop_one();
  }
  while (!queue.empty()) pop_one();
  CHECK(ordered);
  CHECK(popped.size() == 100'000);
  std::sort(pushed.begin(), pushed.end());
  std::sort(popped.begin(), popped.end());
  CHECK(pushed == popped);
}

TEST_CASE("event_queue: move-only payloads") {
  // Goal: payloads are moved, never copied. Method: a unique_ptr payload
  // survives the round trip.
  EventQueue<std::unique_ptr<int>> queue(4);
  queue.push(2, std::make_unique<int>(2));
  queue.push(1, std::make_unique<int>(1));
  CHECK(*queue.top().payload == 1);
  auto first = queue.pop();
  auto second = queue.pop();
  REQUIRE(first.payload);
  REQUIRE(second.payload);
  CHECK(*first.payload == 1);
  CHECK(*second.payload == 2);
}

TEST_CASE("event_queue: bounds and misuse are asserted") {
  // Goal: size_max, scheduling into the past and popping an empty queue are
  // caught. Method: run each in a forked child and expect SIGABRT; the
  // control case (within bounds) must not abort.
  CHECK_FALSE(aborts([] {
    EventQueue<int> queue(2);
    queue.push(1, 1);
    queue.push(1, 2);
  }));
  CHECK(aborts([] {
    EventQueue<int> queue(2);
    queue.push(1, 1);
    queue.push(1, 2);
    queue.push(1, 3);
  }));
  CHECK(aborts([] {
    EventQueue<int> queue(4);
    queue.push(10, 1);
    (void)queue.pop();
    queue.push(9, 2);
  }));
  CHECK(aborts([] {
    EventQueue<int> queue(4);
    (void)queue.pop();
  }));
}

}  // namespace
}  // namespace bftsim::test_sim_event_queue_test
