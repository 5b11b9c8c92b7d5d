// DeferredWalSync: a FileSystem decorator that takes the WAL's fdatasync off
// bft-node's event loop. A sync of a write-ahead log (a "*.log" file, see
// core/storage/file_names.h) returns at once and is handed to one worker
// thread; every other call (tables, the manifest, directories) passes
// through synchronously. Each deferred sync gets a ticket (requested());
// when a real sync covering it has finished, the worker calls on_durable
// with the ticket, and the host releases what waited for it: NodeServer
// holds every message and reply produced after a sync request until then
// (node_server.h), which keeps the Node's rule that nothing leaves before
// the Persist emitted before it is durable. Syncs requested while one runs
// are covered by the next one (group commit): the worker syncs the newest
// log once for all of them. A log closed in between needs no sync: the Db
// closes a log only after a memtable flush has synced its contents into a
// table. A failed sync sticks: later syncs return the error.
// Needs a wrapped file whose sync may run on another thread while the loop
// appends to it (POSIX's: write(2) and fdatasync(2) on one descriptor);
// close waits for a sync in progress. Threading: every call from one thread
// (the loop), on_durable from the worker.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/storage/file_system.h"

namespace bftsim::runner {

class DeferredWalSync final : public FileSystem {
 public:
  using Durable = std::function<void(std::uint64_t ticket, const Status& status)>;
  DeferredWalSync(FileSystem& inner, Durable on_durable);
  // Finishes the syncs requested so far, then stops the worker.
  ~DeferredWalSync() override;
  DeferredWalSync(const DeferredWalSync&) = delete;
  DeferredWalSync& operator=(const DeferredWalSync&) = delete;

  // The ticket of the latest deferred sync (0: none yet).
  std::uint64_t requested() const { return requested_; }
  // Blocks until every sync requested so far is done; the first error if any.
  Status sync_all();

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return inner_.open_readable(path);
  }
  Result<std::uint64_t> file_size(const std::string& path) override { return inner_.file_size(path); }
  bool exists(const std::string& path) override { return inner_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override { return inner_.rename(from, to); }
  Status remove(const std::string& path) override { return inner_.remove(path); }
  Result<std::vector<std::string>> list(const std::string& dir) override { return inner_.list(dir); }
  Status create_dir(const std::string& dir) override { return inner_.create_dir(dir); }
  Status sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }

  // A log file shared by its WritableFile (the loop) and the worker.
  struct SharedLog {
    std::mutex mutex;  // held by a sync in progress and by close
    std::unique_ptr<WritableFile> file;
    bool closed = false;
  };
  // A deferred sync of `log`; its ticket, or the sticky error.
  Status request(const std::shared_ptr<SharedLog>& log);

 private:
  void run();

  FileSystem& inner_;
  Durable on_durable_;
  std::uint64_t requested_ = 0;  // the loop's count
  std::mutex mutex_;             // guards the fields below
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::shared_ptr<SharedLog> pending_log_;
  std::uint64_t pending_ticket_ = 0;
  std::uint64_t done_ticket_ = 0;
  std::optional<Error> error_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace bftsim::runner
