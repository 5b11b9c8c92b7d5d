// Runs independent tasks in forked worker processes and hands each result
// back to the caller in the parent, in completion order. A task is an index;
// `work` maps it to a string (run in a child, so a task that crashes takes
// down only its worker: the parent reports it and starts another). With one
// job everything runs in this process. POSIX only (fork, pipe, poll).
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bftsim {

struct TaskResult {
  std::uint64_t task = 0;
  std::optional<std::string> output;  // nullopt: the worker died running it
  std::string failure;                // why, when output is nullopt ("killed by signal 6")
};

struct PoolOutcome {
  bool interrupted = false;  // `stop` was set before every task finished
};

// Runs `tasks` (in the given order of hand-out) on `jobs` >= 1 workers.
// `work` must not touch state the parent reads later (it runs in a child
// process when jobs > 1). `done` and `tick` run in the calling process;
// `tick` at least every `tick_ms`. Stops handing out tasks once `stop` is
// set, kills the workers and returns with the results gathered so far.
PoolOutcome run_worker_pool(unsigned jobs, const std::vector<std::uint64_t>& tasks,
                            const std::function<std::string(std::uint64_t)>& work,
                            const std::function<void(TaskResult)>& done, const std::function<void()>& tick,
                            int tick_ms, const volatile std::sig_atomic_t& stop);

// The number of online CPUs (at least 1).
unsigned online_cpu_count();

}  // namespace bftsim
