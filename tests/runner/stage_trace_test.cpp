// Tests StageTrace (runner/stage_trace.h): off unless BFT_TRACE names a
// prefix; then PREFIX.SUFFIX holds one line per event; a prefix that cannot
// be opened gives no trace (and a message), not a crash; the thread clocks
// move forward with work.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "runner/stage_trace.h"

namespace bftsim::runner::test_runner_stage_trace_test {

TEST_CASE("stage_trace: off without BFT_TRACE, one line per event with it") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("bftsim-stage-trace-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  ::unsetenv("BFT_TRACE");
  CHECK(StageTrace::from_environment("node-0") == nullptr);
  ::setenv("BFT_TRACE", "", 1);
  CHECK(StageTrace::from_environment("node-0") == nullptr);
  const std::string prefix = (dir / "tr").string();
  ::setenv("BFT_TRACE", prefix.c_str(), 1);
  {
    auto trace = StageTrace::from_environment("node-2");
    REQUIRE(trace != nullptr);
    trace->line("r {} {} {}", 7u, 3u, 1000);
    trace->line("C {} {} {} {}", 5u, 9u, 2000, 1u);
  }
  std::ifstream in(prefix + ".node-2");
  std::string first, second, third;
  std::getline(in, first);
  std::getline(in, second);
  CHECK(first == "r 7 3 1000");
  CHECK(second == "C 5 9 2000 1");
  CHECK_FALSE(std::getline(in, third));
  // A prefix in a directory that does not exist: no trace.
  const std::string missing = (dir / "no-such-dir" / "tr").string();
  ::setenv("BFT_TRACE", missing.c_str(), 1);
  CHECK(StageTrace::from_environment("client") == nullptr);
  ::unsetenv("BFT_TRACE");
  std::filesystem::remove_all(dir);
}

TEST_CASE("stage_trace: the thread's CPU clock advances with work, the wait clock never goes back") {
  const std::int64_t cpu_before = thread_cpu_ns();
  const std::int64_t wait_before = thread_run_wait_ns();
  volatile std::uint64_t sink = 0;
  while (thread_cpu_ns() - cpu_before < 2'000'000) sink = sink + 1;  // 2 ms of CPU
  CHECK(thread_cpu_ns() - cpu_before >= 2'000'000);
  CHECK(thread_run_wait_ns() >= wait_before);
}

}  // namespace bftsim::runner::test_runner_stage_trace_test
