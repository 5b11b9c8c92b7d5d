// Error values for failures of the environment or of peer input (STYLE.md 3).
// Result<T> is tl::expected<T, Error>; moving to std::expected (C++23) changes
// the alias below and nothing else. Status is Result<void>.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace bftsim {

enum class ErrorCode {
  invalid_argument,  // a caller or a file passed something we cannot use
  malformed,         // bytes that do not decode (truncated, oversized, unknown type)
  bad_signature,     // a signature or certificate that does not verify
  not_found,
  io_error,
  corruption,        // a checksum mismatch on stored data
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::malformed: return "malformed";
    case ErrorCode::bad_signature: return "bad_signature";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::corruption: return "corruption";
  }
  return "unknown";
}

}  // namespace bftsim
