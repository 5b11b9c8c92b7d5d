// StageTrace: an optional diagnostic log of where a request's time goes, for
// tracing the runner's latency tail (README, "Speed of the runner";
// bench/trace_tail.py reads it). Off unless BFT_TRACE names a file prefix:
// bft-node writes PREFIX.node-ID, bft-client bench writes PREFIX.client.
// Each line is one event: a tag, then numbers; times are CLOCK_MONOTONIC ns
// (std::chrono::steady_clock on Linux), common to every process on a host,
// so the nodes' and the client's lines join by (client, number).
//   client: s CLIENT NUMBER T          a request sent
//           a CLIENT NUMBER T          faulty+1 matching replies accepted
//   node:   r CLIENT NUMBER T          a request arrived from its client
//           P VIEW T MEMPOOL           this replica sent its proposal
//           p VIEW HEIGHT T            a proposal arrived
//           C HEIGHT VIEW T REQUESTS   a block executed (then one q per request)
//           q CLIENT NUMBER HEIGHT
//           y T REPLIES MAX_HEIGHT     deferred replies flushed (after a sync)
//           v VIEW T KIND              a view entered (KIND: qc or tc), a timeout sent (to)
//           h KIND T WALL CPU SYNC SYNCS STORE FLUSHES COMPACTIONS RUNWAIT STALL
//                                      one loop handler that took over
//                                      handler_log_ns of wall time: its wall
//                                      and thread CPU ns, ns inside fdatasync
//                                      (on the loop) and their count, ns
//                                      inside the store's calls, the LSM
//                                      flushes and compactions that finished
//                                      meanwhile (run by the handler, or by
//                                      the LSM's background thread when its
//                                      background work is on), ns it waited
//                                      runnable for a CPU, and ns its writes
//                                      stalled on the LSM's background thread
// Threading: one thread (the event loop's, or the client's).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace bftsim::runner {

// Monotonic ns, the clock every trace line uses.
std::int64_t trace_clock_ns();
// This thread's CPU time in ns.
std::int64_t thread_cpu_ns();
// How long this thread has waited runnable for a CPU, in ns
// (/proc/thread-self/schedstat; 0 where the kernel does not keep it).
std::int64_t thread_run_wait_ns();

class StageTrace {
 public:
  // From BFT_TRACE: null when unset or empty. `suffix` names the file (PREFIX.suffix).
  static std::unique_ptr<StageTrace> from_environment(const std::string& suffix);
  explicit StageTrace(std::FILE* file) : file_(file) {}
  ~StageTrace();
  StageTrace(const StageTrace&) = delete;
  StageTrace& operator=(const StageTrace&) = delete;

  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    fmt::print(file_, format, std::forward<Args>(args)...);
    std::fputc('\n', file_);
  }

 private:
  std::FILE* file_;
};

}  // namespace bftsim::runner
