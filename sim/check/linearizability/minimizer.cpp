// Shrinking a failing key (minimizer.h).
#include "sim/check/linearizability/minimizer.h"

#include <algorithm>
#include <utility>

#include "core/types/assert.h"
#include "sim/check/linearizability/search.h"

namespace bftsim::lin {
namespace {

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

}  // namespace

Window minimize_failure(const std::vector<HistoryOp>& history, const std::vector<std::size_t>& sources,
                        const std::string& key, ValueTable& values, std::uint64_t step_budget,
                        std::uint64_t& step_count, std::vector<KeyOp> ops, std::optional<Instant> frontier) {
  Minimizer minimizer(history, sources, key, values, step_budget, step_count);
  return minimizer.minimize(std::move(ops), frontier);
}

}  // namespace bftsim::lin
