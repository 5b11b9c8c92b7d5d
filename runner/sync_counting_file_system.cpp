// SyncCountingFileSystem (sync_counting_file_system.h): the writable files it
// hands out count and time their syncs into it.
#include "runner/sync_counting_file_system.h"

#include <chrono>
#include <thread>

namespace bftsim::runner {
namespace {

class CountingWritableFile final : public WritableFile {
 public:
  CountingWritableFile(std::unique_ptr<WritableFile> inner, SyncCountingFileSystem& counter)
      : inner_(std::move(inner)), counter_(counter) {}
  Status append(std::span<const std::uint8_t> bytes) override { return inner_->append(bytes); }
  Status sync() override {
    const auto start = std::chrono::steady_clock::now();
    if (counter_.sync_delay().count() > 0) std::this_thread::sleep_for(counter_.sync_delay());
    Status status = inner_->sync();
    counter_.count_file_sync(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
    return status;
  }
  Status close() override { return inner_->close(); }
  std::uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  SyncCountingFileSystem& counter_;
};

}  // namespace

Result<std::unique_ptr<WritableFile>> SyncCountingFileSystem::open_writable(const std::string& path,
                                                                            OpenMode mode) {
  auto file = inner_.open_writable(path, mode);
  if (!file) return tl::unexpected(file.error());
  return std::unique_ptr<WritableFile>(std::make_unique<CountingWritableFile>(std::move(*file), *this));
}

}  // namespace bftsim::runner
