// DeferredWalSync (deferred_wal_sync.h): the log files it hands out, and the
// worker thread that syncs them.
#include "runner/deferred_wal_sync.h"

namespace bftsim::runner {
namespace {

bool is_log(const std::string& path) { return path.size() >= 4 && path.compare(path.size() - 4, 4, ".log") == 0; }

class DeferredLogFile final : public WritableFile {
 public:
  DeferredLogFile(std::shared_ptr<DeferredWalSync::SharedLog> log, DeferredWalSync& owner)
      : log_(std::move(log)), owner_(owner) {}
  ~DeferredLogFile() override { (void)close(); }
  Status append(std::span<const std::uint8_t> bytes) override { return log_->file->append(bytes); }
  Status sync() override { return owner_.request(log_); }
  Status close() override {
    std::lock_guard lock(log_->mutex);
    if (log_->closed) return {};
    log_->closed = true;
    return log_->file->close();
  }
  std::uint64_t size() const override { return log_->file->size(); }

 private:
  std::shared_ptr<DeferredWalSync::SharedLog> log_;
  DeferredWalSync& owner_;
};

}  // namespace

DeferredWalSync::DeferredWalSync(FileSystem& inner, Durable on_durable)
    : inner_(inner), on_durable_(std::move(on_durable)), worker_([this] { run(); }) {}

DeferredWalSync::~DeferredWalSync() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Result<std::unique_ptr<WritableFile>> DeferredWalSync::open_writable(const std::string& path, OpenMode mode) {
  auto file = inner_.open_writable(path, mode);
  if (!file || !is_log(path)) return file;
  auto log = std::make_shared<SharedLog>();
  log->file = std::move(*file);
  return std::unique_ptr<WritableFile>(std::make_unique<DeferredLogFile>(std::move(log), *this));
}

Status DeferredWalSync::request(const std::shared_ptr<SharedLog>& log) {
  {
    std::lock_guard lock(mutex_);
    if (error_) return tl::unexpected(*error_);
    pending_log_ = log;
    pending_ticket_ = ++requested_;
  }
  wake_.notify_one();
  return {};
}

Status DeferredWalSync::sync_all() {
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [this] { return done_ticket_ >= pending_ticket_ || error_; });
  if (error_) return tl::unexpected(*error_);
  return {};
}

void DeferredWalSync::run() {
  for (;;) {
    std::shared_ptr<SharedLog> log;
    std::uint64_t ticket = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return pending_ticket_ > done_ticket_ || stopping_; });
      if (pending_ticket_ == done_ticket_) return;  // stopping, nothing left
      log = std::move(pending_log_);
      ticket = pending_ticket_;
    }
    // Everything appended to the newest log before its ticket was taken.
    Status status;
    {
      std::lock_guard file_lock(log->mutex);
      if (!log->closed) status = log->file->sync();
    }
    {
      std::lock_guard lock(mutex_);
      done_ticket_ = ticket;
      if (!status && !error_) error_ = status.error();
    }
    finished_.notify_all();
    on_durable_(ticket, status);
  }
}

}  // namespace bftsim::runner
