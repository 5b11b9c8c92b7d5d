// Key files (key_file.h).
#include "runner/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace bftsim::runner {

Result<Ed25519Seed> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::not_found, fmt::format("{}: cannot open the key file", path));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  auto bytes = from_hex(line, 32);
  if (!bytes)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}: not a key file (one line of 64 hex digits): {}", path, bytes.error().message));
  std::array<std::uint8_t, 32> seed{};
  std::copy(bytes->begin(), bytes->end(), seed.begin());
  return Ed25519Seed(seed);
}

Status write_key_file(const std::string& path, const Ed25519Seed& seed) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return make_error(ErrorCode::io_error, fmt::format("{}: {}", path, std::strerror(errno)));
  const std::string line = to_hex(seed.bytes()) + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) return make_error(ErrorCode::io_error, fmt::format("{}: write failed", path));
  return {};
}

}  // namespace bftsim::runner
