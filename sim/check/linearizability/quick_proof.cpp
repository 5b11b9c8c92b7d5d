// Quick proofs of failure (quick_proof.h).
#include "sim/check/linearizability/quick_proof.h"

#include <algorithm>
#include <limits>

#include "core/types/assert.h"

namespace bftsim::lin {
namespace {

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

}  // namespace

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

// The window of a quick proof over `ops`.
Window quick_window(const std::vector<KeyOp>& ops, const QuickProof& proof,
                    std::optional<Instant> cut) {
  Window window{.ops = {}, .cut = cut, .earlier_count = 0, .relaxed_count = 0, .start_at = 0,
                .proof = proof.proof, .culprit_source = ops[proof.culprit].source};
  for (std::size_t i : proof.ops) window.ops.push_back(ops[i]);
  return window;
}

}  // namespace bftsim::lin
