// Failures that need no search (internal to the linearizability checker):
// an impossible result, a value no earlier op writes, a stale read; and the
// failing window a checker reports, by a quick proof or by the search.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "sim/check/linearizability/projection.h"

namespace bftsim::lin {

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

// A failure that needs no search, for the culprit completing first; nullopt
// if none is found. Requires: ops sorted by invocation.
std::optional<QuickProof> quick_proof(const std::vector<KeyOp>& ops);

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
Window quick_window(const std::vector<KeyOp>& ops, const QuickProof& proof, std::optional<Instant> cut);

}  // namespace bftsim::lin
