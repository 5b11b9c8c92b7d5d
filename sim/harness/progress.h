// The progress line of a long command on stderr: on a terminal, one line
// redrawn in place (runs done, runs/s, unexpected outcomes so far, time
// left); otherwise a plain line every few seconds, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bftsim {

class ProgressLine {
 public:
  ProgressLine(std::string what, std::uint64_t total, bool enabled);
  // Redraws if due. `unexpected`: runs not as expected so far.
  void update(std::uint64_t done, std::uint64_t unexpected);
  // Clears the terminal line (before the summary is printed).
  void finish();

 private:
  std::string what_;
  std::uint64_t total_;
  bool enabled_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace bftsim
