// Reads back the JSON-lines trace a run writes (`bftsim run --trace`): each
// line a flat JSON object of numbers, strings and arrays of numbers. Only
// that shape is read (it is all the simulator writes); anything else is an
// error naming the line. The records keep their fields as text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/types/result.h"

namespace bftsim {

struct TraceRecord {
  std::map<std::string, std::string, std::less<>> fields;  // strings unquoted, arrays as "[1,2]"

  bool has(std::string_view key) const { return fields.find(key) != fields.end(); }
  // The field as text, or "" when absent.
  const std::string& text(std::string_view key) const;
  // The field as an unsigned number, or `otherwise` when absent or not a number.
  std::uint64_t number(std::string_view key, std::uint64_t otherwise = 0) const;
};

Result<TraceRecord> parse_trace_line(std::string_view line);
Result<std::vector<TraceRecord>> parse_trace(std::string_view text);

}  // namespace bftsim
