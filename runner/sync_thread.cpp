// SyncThread: see sync_thread.h.
#include "runner/sync_thread.h"

#include <utility>

#include <asio/post.hpp>

namespace bftsim::runner {

SyncThread::SyncThread(asio::io_context& io, Done done)
    : io_(io), done_(std::move(done)), thread_([this] { run(); }) {}

SyncThread::~SyncThread() { stop(); }

void SyncThread::request(Db::SyncTarget target) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (waiting_ && waiting_->mark >= target.mark) return;
    waiting_ = std::move(target);
  }
  wake_.notify_one();
}

void SyncThread::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    waiting_.reset();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SyncThread::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || waiting_.has_value(); });
    if (stopping_) return;
    Db::SyncTarget target = std::move(*waiting_);
    waiting_.reset();
    lock.unlock();
    Status status = target.sync();
    target.log.reset();  // the last holder of a rotated log closes it here
    lock.lock();
    // Posted under the lock: stop() takes it before joining, so nothing is
    // posted once stop() has returned.
    if (stopping_) return;
    asio::post(io_, [done = done_, mark = target.mark, status = std::move(status)] { done(mark, status); });
  }
}

}  // namespace bftsim::runner
