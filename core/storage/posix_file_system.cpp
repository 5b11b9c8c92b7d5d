// PosixFileSystem: open/write/pread/fdatasync/rename over POSIX descriptors.
// Every system call that may be interrupted is retried on EINTR.
#include "core/storage/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace bftsim {
namespace {

tl::unexpected<Error> errno_error(const std::string& path, int error_number) {
  ErrorCode code = error_number == ENOENT ? ErrorCode::not_found : ErrorCode::io_error;
  return make_error(code, fmt::format("{}: {}", path, std::strerror(error_number)));
}

int open_retrying(const std::string& path, int flags, mode_t mode = 0) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EINTR) return fd;
  }
}

void close_quietly(int fd) {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone.
  if (fd >= 0) ::close(fd);
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, std::uint64_t size_bytes)
      : path_(std::move(path)), fd_(fd), size_bytes_(size_bytes) {}
  ~PosixWritableFile() override { close_quietly(fd_); }

  Status append(std::span<const std::uint8_t> bytes) override {
    if (fd_ < 0) return make_error(ErrorCode::io_error, path_ + ": append after close");
    while (!bytes.empty()) {
      ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return errno_error(path_, errno);
      }
      bytes = bytes.subspan(static_cast<std::size_t>(written));
      size_bytes_ += static_cast<std::uint64_t>(written);
    }
    return {};
  }
  Status sync() override {
    if (fd_ < 0) return make_error(ErrorCode::io_error, path_ + ": sync after close");
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return errno_error(path_, errno);
    }
    return {};
  }
  Status close() override {
    if (fd_ < 0) return {};
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 && errno != EINTR) return errno_error(path_, errno);
    return {};
  }
  std::uint64_t size() const override { return size_bytes_; }

 private:
  std::string path_;
  int fd_;
  std::uint64_t size_bytes_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd, std::uint64_t size_bytes)
      : path_(std::move(path)), fd_(fd), size_bytes_(size_bytes) {
    // A failed mapping is no error: reads then all go through pread(2).
    if (size_bytes_ == 0 || size_bytes_ > SIZE_MAX) return;
    void* address = ::mmap(nullptr, static_cast<std::size_t>(size_bytes_), PROT_READ, MAP_SHARED, fd_, 0);
    if (address != MAP_FAILED) mapped_ = {static_cast<const std::uint8_t*>(address), static_cast<std::size_t>(size_bytes_)};
  }
  ~PosixReadableFile() override {
    if (!mapped_.empty()) ::munmap(const_cast<std::uint8_t*>(mapped_.data()), mapped_.size());
    close_quietly(fd_);
  }
  PosixReadableFile(const PosixReadableFile&) = delete;
  PosixReadableFile& operator=(const PosixReadableFile&) = delete;
  std::span<const std::uint8_t> mapped_bytes() const override { return mapped_; }

  Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::size_t size) const override {
    std::vector<std::uint8_t> bytes(size);
    std::size_t done = 0;
    while (done < size) {
      ssize_t got = ::pread(fd_, bytes.data() + done, size - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return errno_error(path_, errno);
      }
      if (got == 0) break;  // end of file
      done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
  }
  std::uint64_t size() const override { return size_bytes_; }

 private:
  std::string path_;
  int fd_;
  std::uint64_t size_bytes_;
  std::span<const std::uint8_t> mapped_;  // empty when not mapped
};

}  // namespace

Result<std::unique_ptr<WritableFile>> PosixFileSystem::open_writable(const std::string& path,
                                                                     OpenMode mode) {
  int flags = O_WRONLY | O_CREAT | (mode == OpenMode::truncate ? O_TRUNC : O_APPEND);
  int fd = open_retrying(path, flags, 0644);
  if (fd < 0) return errno_error(path, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int error_number = errno;
    close_quietly(fd);
    return errno_error(path, error_number);
  }
  return std::make_unique<PosixWritableFile>(path, fd, static_cast<std::uint64_t>(info.st_size));
}

Result<std::unique_ptr<ReadableFile>> PosixFileSystem::open_readable(const std::string& path) {
  int fd = open_retrying(path, O_RDONLY);
  if (fd < 0) return errno_error(path, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int error_number = errno;
    close_quietly(fd);
    return errno_error(path, error_number);
  }
  return std::make_unique<PosixReadableFile>(path, fd, static_cast<std::uint64_t>(info.st_size));
}

Result<std::uint64_t> PosixFileSystem::file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return errno_error(path, errno);
  return static_cast<std::uint64_t>(info.st_size);
}

bool PosixFileSystem::exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_error(from + " -> " + to, errno);
  return {};
}

Status PosixFileSystem::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_error(path, errno);
  return {};
}

Result<std::vector<std::string>> PosixFileSystem::list(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return errno_error(dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int error_number = errno;
  ::closedir(handle);
  if (error_number != 0) return errno_error(dir, error_number);
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixFileSystem::create_dir(const std::string& dir) {
  if (dir.empty()) return {};
  for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    std::string prefix = slash == std::string::npos ? dir : dir.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return errno_error(prefix, errno);
    if (slash == std::string::npos) return {};
  }
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  int fd = open_retrying(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno_error(dir, errno);
  Status status;
  while (::fsync(fd) != 0) {
    if (errno != EINTR) {
      status = errno_error(dir, errno);
      break;
    }
  }
  close_quietly(fd);
  return status;
}

}  // namespace bftsim
