// Background: where a Db with background work gets its one thread and the
// clock it times write stalls with. core/ starts no thread and reads no clock
// (ARCHITECTURE.md), so the caller hands these in, as LevelDB's Env carries
// Schedule and NowMicros: bft-node gives runner/thread_background.h's; the
// simulator gives none and its Dbs stay synchronous and deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace bftsim {

// A started thread; destroying the handle waits for its body to return.
class BackgroundThread {
 public:
  virtual ~BackgroundThread() = default;
};

class Background {
 public:
  virtual ~Background() = default;
  // Runs `body` on a new thread; the handle joins it.
  virtual std::unique_ptr<BackgroundThread> start(std::function<void()> body) = 0;
  // A monotonic clock in nanoseconds (stall times in DbStats).
  virtual std::uint64_t now_ns() = 0;
};

}  // namespace bftsim
