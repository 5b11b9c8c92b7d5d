// SyncThread: bft-node's WAL syncs on a thread of their own, so the event
// loop goes on reading, verifying and executing while fdatasync runs.
// request() hands it a Db::SyncTarget (the log and the write mark it
// covers); the thread syncs it and posts done(mark, status) to the loop's
// io_context. Requests coalesce: a request made while a sync runs waits,
// and a newer one replaces it (its sync covers the older mark too), so at
// most one sync runs and one waits, the group commit of everything written
// meanwhile. The loop decides what a completed mark releases
// (node_server.h). Threading: request() and stop() on the loop thread;
// done runs there too; stop() joins (waiting out a sync under way) and no
// done is posted after it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <asio/io_context.hpp>

#include "core/storage/db.h"

namespace bftsim::runner {

class SyncThread {
 public:
  using Done = std::function<void(std::uint64_t mark, const Status& status)>;
  SyncThread(asio::io_context& io, Done done);
  ~SyncThread();
  SyncThread(const SyncThread&) = delete;
  SyncThread& operator=(const SyncThread&) = delete;

  void request(Db::SyncTarget target);
  void stop();

 private:
  void run();

  asio::io_context& io_;
  Done done_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Db::SyncTarget> waiting_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace bftsim::runner
