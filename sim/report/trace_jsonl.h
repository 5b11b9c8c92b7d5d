// Trace records as JSON lines, one object per record. Two styles: `run` is
// what `bftsim run --trace FILE` writes (one line per event, a delivery with
// what its message says (trace_message.h) and which twin sent it, plus notes,
// commits, installed states, stopped nodes and corrupted blocks; bisect's
// causal chain reads these lines back), `replay` adds message ids, message
// labels and stale timers to those lines and writes sends too, so a reader
// can pair each delivery with its send.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "sim/report/trace_event.h"

namespace bftsim {

enum class JsonlStyle : std::uint8_t { run, replay };

// The record as one JSON object (no newline); none when `style` leaves it out.
std::optional<std::string> jsonl_line(const TraceEvent& event, JsonlStyle style);

// Writes each record as it comes, one line each. `out` is not owned.
class JsonlTraceWriter final : public TraceSink {
 public:
  JsonlTraceWriter(std::FILE* out, JsonlStyle style) : out_(out), style_(style) {}
  void record(const TraceEvent& event) override;

 private:
  std::FILE* out_;
  JsonlStyle style_;
};

}  // namespace bftsim
