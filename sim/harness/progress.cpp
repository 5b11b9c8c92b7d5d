// The progress line (progress.h). Reads the wall clock, for display only.
#include "sim/harness/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace bftsim {
namespace {

constexpr auto terminal_interval = std::chrono::milliseconds(200);
constexpr auto log_interval = std::chrono::seconds(5);
constexpr int bar_width = 24;

std::string format_seconds(double seconds) {
  if (seconds >= 3600) return fmt::format("{}h{:02}m", static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60) % 60);
  if (seconds >= 60) return fmt::format("{}m{:02}s", static_cast<int>(seconds / 60), static_cast<int>(seconds) % 60);
  return fmt::format("{:.0f}s", seconds);
}

}  // namespace

ProgressLine::ProgressLine(std::string what, std::uint64_t total, bool enabled)
    : what_(std::move(what)),
      total_(total),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressLine::update(std::uint64_t done, std::uint64_t unexpected) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < (terminal_ ? terminal_interval : log_interval) && done < total_) return;
  if (!terminal_ && done == total_) return;  // the summary follows
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const std::string left = rate > 0 ? format_seconds(static_cast<double>(total_ - done) / rate) : "?";
  const std::string counts = fmt::format("{}/{} runs, {:.1f} runs/s, {} not as expected, {} left", done, total_,
                                         rate, unexpected, left);
  if (terminal_) {
    const int filled = total_ > 0 ? static_cast<int>(bar_width * done / total_) : bar_width;
    fmt::print(stderr, "\r{} [{}{}] {}\x1b[K", what_, std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(bar_width - filled), '.'), counts);
    drawn_ = true;
  } else {
    fmt::print(stderr, "{}: {}\n", what_, counts);
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (drawn_) fmt::print(stderr, "\r\x1b[K");
  drawn_ = false;
}

}  // namespace bftsim
