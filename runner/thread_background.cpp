// ThreadBackground: see thread_background.h.
#include "runner/thread_background.h"

#include <chrono>
#include <thread>
#include <utility>

namespace bftsim {
namespace {

class JoiningThread final : public BackgroundThread {
 public:
  explicit JoiningThread(std::function<void()> body) : thread_(std::move(body)) {}
  ~JoiningThread() override { thread_.join(); }

 private:
  std::thread thread_;
};

}  // namespace

std::unique_ptr<BackgroundThread> ThreadBackground::start(std::function<void()> body) {
  return std::make_unique<JoiningThread>(std::move(body));
}

std::uint64_t ThreadBackground::now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

Background& thread_background() {
  static ThreadBackground background;
  return background;
}

}  // namespace bftsim
