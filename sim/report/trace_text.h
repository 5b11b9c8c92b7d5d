// Trace records as text for a person: one line per record, the event index
// and virtual time first, what happened inside an event indented under it.
//
//      812  0.104612345s  deliver       R2 -> R0  proposal v5 h3 (msg 640, 412 B)
//      812  0.104612345s    send        R0 -> R1  vote v5 (msg 655, 120 B)
//      812  0.104612345s    note        R0 view_entered_by_qc v5
#pragma once

#include <cstdio>
#include <string>

#include "sim/report/trace_event.h"

namespace bftsim {

// The record as one line (no newline).
std::string text_line(const TraceEvent& event, std::uint32_t replica_count);

// Writes each record as it comes. `out` is not owned.
class TextTraceWriter final : public TraceSink {
 public:
  TextTraceWriter(std::FILE* out, std::uint32_t replica_count) : out_(out), replica_count_(replica_count) {}
  void record(const TraceEvent& event) override;

 private:
  std::FILE* out_;
  std::uint32_t replica_count_;
};

}  // namespace bftsim
