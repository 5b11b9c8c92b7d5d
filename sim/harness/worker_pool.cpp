// Forked worker processes for sweeps (worker_pool.h). Parent -> worker: one
// task index per line on the worker's task pipe. Worker -> parent: a decimal
// byte count, a newline, then that many bytes of result. EOF on the task pipe
// ends a worker.
#include "sim/harness/worker_pool.h"

#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace bftsim {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The worker's loop: read task lines from `in`, answer each on `out`.
[[noreturn]] void worker_main(int in, int out, const std::function<std::string(std::uint64_t)>& work) {
  std::signal(SIGINT, SIG_DFL);
  std::FILE* tasks = ::fdopen(in, "r");
  unsigned long long task = 0;
  while (tasks != nullptr && std::fscanf(tasks, "%llu", &task) == 1) {
    const std::string result = work(task);
    const std::string head = fmt::format("{}\n", result.size());
    if (!write_all(out, head.data(), head.size()) || !write_all(out, result.data(), result.size())) break;
  }
  std::fflush(nullptr);
  ::_exit(0);
}

struct Worker {
  pid_t pid = -1;
  int task_fd = -1;    // parent writes task indices here
  int result_fd = -1;  // parent reads results here
  std::optional<std::uint64_t> running;
  std::string buffer;  // result bytes read so far
};

// `inherited`: the parent's pipe ends to other workers, closed in the child
// so that each worker sees EOF on its task pipe when the parent closes it.
std::optional<Worker> spawn(const std::function<std::string(std::uint64_t)>& work, const std::vector<int>& inherited) {
  int to_worker[2], from_worker[2];
  if (::pipe(to_worker) != 0) return std::nullopt;
  if (::pipe(from_worker) != 0) {
    ::close(to_worker[0]);
    ::close(to_worker[1]);
    return std::nullopt;
  }
  std::fflush(nullptr);  // nothing buffered in the parent is written twice
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    for (int fd : inherited) ::close(fd);
    ::close(to_worker[1]);
    ::close(from_worker[0]);
    worker_main(to_worker[0], from_worker[1], work);
  }
  ::close(to_worker[0]);
  ::close(from_worker[1]);
  return Worker{pid, to_worker[1], from_worker[0], std::nullopt, {}};
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "ended";
}

void retire(Worker& worker, bool kill_it, int* status_out) {
  if (worker.task_fd >= 0) ::close(worker.task_fd);
  if (worker.result_fd >= 0) ::close(worker.result_fd);
  worker.task_fd = worker.result_fd = -1;
  if (worker.pid > 0) {
    if (kill_it) ::kill(worker.pid, SIGKILL);
    int status = 0;
    while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (status_out != nullptr) *status_out = status;
  }
  worker.pid = -1;
}

// Takes every complete result out of worker.buffer.
void drain_results(Worker& worker, const std::function<void(TaskResult)>& done) {
  while (worker.running) {
    const std::size_t newline = worker.buffer.find('\n');
    if (newline == std::string::npos) return;
    const std::size_t size = std::strtoull(worker.buffer.c_str(), nullptr, 10);
    if (worker.buffer.size() < newline + 1 + size) return;
    TaskResult result{*worker.running, worker.buffer.substr(newline + 1, size), {}};
    worker.buffer.erase(0, newline + 1 + size);
    worker.running.reset();
    done(std::move(result));
  }
}

}  // namespace

unsigned online_cpu_count() {
  const long count = ::sysconf(_SC_NPROCESSORS_ONLN);
  return count > 0 ? static_cast<unsigned>(count) : 1U;
}

PoolOutcome run_worker_pool(unsigned jobs, const std::vector<std::uint64_t>& tasks,
                            const std::function<std::string(std::uint64_t)>& work,
                            const std::function<void(TaskResult)>& done, const std::function<void()>& tick,
                            int tick_ms, const volatile std::sig_atomic_t& stop) {
  std::size_t next = 0;
  if (jobs <= 1) {
    for (; next < tasks.size() && !stop; ++next) {
      done(TaskResult{tasks[next], work(tasks[next]), {}});
      tick();
    }
    return PoolOutcome{next < tasks.size()};
  }
  std::vector<Worker> workers;
  const auto open_fds = [&] {
    std::vector<int> fds;
    for (const Worker& worker : workers)
      for (int fd : {worker.task_fd, worker.result_fd})
        if (fd >= 0) fds.push_back(fd);
    return fds;
  };
  const auto hand_out = [&](Worker& worker) {
    if (next >= tasks.size() || stop) return;
    const std::string line = fmt::format("{}\n", tasks[next]);
    if (!write_all(worker.task_fd, line.data(), line.size())) return;
    worker.running = tasks[next++];
  };
  const std::size_t worker_count = std::min<std::size_t>(jobs, tasks.size());
  for (std::size_t i = 0; i < worker_count; ++i) {
    auto worker = spawn(work, open_fds());
    if (!worker) break;
    workers.push_back(std::move(*worker));
    hand_out(workers.back());
  }
  if (workers.empty()) {  // could not fork: run here
    for (; next < tasks.size() && !stop; ++next) done(TaskResult{tasks[next], work(tasks[next]), {}});
    return PoolOutcome{next < tasks.size()};
  }
  ::signal(SIGPIPE, SIG_IGN);
  while (!stop) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> owner;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (!workers[i].running) continue;
      fds.push_back(pollfd{workers[i].result_fd, POLLIN, 0});
      owner.push_back(i);
    }
    if (fds.empty()) break;  // nothing running and nothing left to hand out
    const int ready = ::poll(fds.data(), fds.size(), tick_ms);
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t k = 0; ready > 0 && k < fds.size(); ++k) {
      if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      Worker& worker = workers[owner[k]];
      char chunk[65536];
      const ssize_t n = ::read(worker.result_fd, chunk, sizeof chunk);
      if (n > 0) {
        worker.buffer.append(chunk, static_cast<std::size_t>(n));
        drain_results(worker, done);
        if (!worker.running) hand_out(worker);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // The worker died with a task in hand: report it, start another.
      int status = 0;
      const std::uint64_t lost = *worker.running;
      worker.running.reset();
      retire(worker, false, &status);
      done(TaskResult{lost, std::nullopt, describe_exit(status)});
      if (auto fresh = spawn(work, open_fds())) {
        worker = std::move(*fresh);
        hand_out(worker);
      }
    }
    tick();
  }
  const bool interrupted = next < tasks.size() ||
                           std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.running.has_value(); });
  // Close every task pipe first, so idle workers all see EOF at once.
  for (Worker& worker : workers) {
    if (worker.pid > 0 && (worker.running || stop)) ::kill(worker.pid, SIGKILL);
    ::close(worker.task_fd);
    worker.task_fd = -1;
  }
  for (Worker& worker : workers) retire(worker, false, nullptr);
  return PoolOutcome{interrupted};
}

}  // namespace bftsim
