// StageTrace (stage_trace.h): the file behind BFT_TRACE and the two clocks.
#include "runner/stage_trace.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace bftsim::runner {

std::int64_t trace_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t thread_cpu_ns() {
  timespec spec{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec);
  return static_cast<std::int64_t>(spec.tv_sec) * 1'000'000'000 + spec.tv_nsec;
}

std::int64_t thread_run_wait_ns() {
  std::FILE* file = std::fopen("/proc/thread-self/schedstat", "r");
  if (file == nullptr) return 0;
  long long run = 0, wait = 0;
  const int read = std::fscanf(file, "%lld %lld", &run, &wait);
  std::fclose(file);
  return read == 2 ? wait : 0;
}

std::unique_ptr<StageTrace> StageTrace::from_environment(const std::string& suffix) {
  const char* prefix = std::getenv("BFT_TRACE");
  if (prefix == nullptr || *prefix == '\0') return nullptr;
  const std::string path = std::string(prefix) + "." + suffix;
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    fmt::print(stderr, "BFT_TRACE: cannot open {} for writing; no trace\n", path);
    return nullptr;
  }
  return std::make_unique<StageTrace>(file);
}

StageTrace::~StageTrace() { std::fclose(file_); }

}  // namespace bftsim::runner
