// The records of a run between two event indices, kept for the writers that
// need them all at once (trace_perfetto.h, trace_mermaid.h), with what the
// window cannot show by itself: the view each replica was in when it opened.
// TraceWindowCollector is the sink that fills one during a run; it keeps only
// the window's records, so its memory is bounded by the window, not the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/report/trace_event.h"

namespace bftsim {

struct TraceWindow {
  std::uint64_t first_index = 1;  // the window's steps, inclusive
  std::uint64_t last_index = 0;
  std::uint32_t replica_count = 0;
  std::uint32_t client_count = 0;
  // Per replica: the view it was in just before first_index (none: not
  // started, down, or Byzantine, which reports no views).
  std::vector<std::optional<View>> views_at_start;
  std::vector<TraceEvent> events;  // in run order
  std::string title;               // e.g. "leader-crash seed 7, events 600-1000"
};

class TraceWindowCollector final : public TraceSink {
 public:
  // Requires: first_index <= last_index.
  TraceWindowCollector(std::uint64_t first_index, std::uint64_t last_index, std::uint32_t replica_count,
                       std::uint32_t client_count);
  void record(const TraceEvent& event) override;
  const TraceWindow& window() const { return window_; }
  TraceWindow take() { return std::move(window_); }

 private:
  TraceWindow window_;
};

}  // namespace bftsim
