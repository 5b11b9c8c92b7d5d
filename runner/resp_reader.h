// RespReader: client commands in the Redis protocol (RESP), parsed by
// hiredis's reader (libhiredis-dev) with our own object functions, so a
// command becomes a vector of byte strings without hiredis's reply objects.
// A command must be an array of 1..command_args_max bulk strings; anything
// else (a protocol error, a nested array, a status or integer element, an
// over-long array, more than buffered_bytes_max bytes waiting for one
// command) fails the reader for good: the caller closes that connection.
// Owns its hiredis reader. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/types/result.h"

struct redisReader;

namespace bftsim::runner {

inline constexpr std::size_t command_args_max = 1025;
inline constexpr std::size_t resp_buffered_bytes_max = 1024 * 1024;

class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  void feed(std::span<const std::uint8_t> bytes);
  // The next whole command; nullopt when more bytes are needed; an error
  // (ErrorCode::malformed) once the stream is not a command stream.
  Result<std::optional<std::vector<std::string>>> next();

 private:
  redisReader* reader_;
  std::optional<Error> error_;
};

// RESP replies.
namespace resp {
std::string simple(std::string_view text);   // +text
std::string error(std::string_view text);    // -text (text starts with ERR or a code)
std::string integer(long long value);        // :value
std::string bulk(std::string_view value);    // $len value
std::string nil();                           // $-1
std::string array_header(std::size_t count); // *count, then count replies
}  // namespace resp

}  // namespace bftsim::runner
