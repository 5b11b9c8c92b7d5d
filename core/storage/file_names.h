// The names of a database directory's files: NNNNNN.log (WAL), NNNNNN.sst
// (table), MANIFEST and MANIFEST.tmp. File numbers come from one counter in
// the manifest, so a log and a table never share a number.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace bftsim {

inline constexpr const char* manifest_file_name = "MANIFEST";
inline constexpr const char* manifest_temp_file_name = "MANIFEST.tmp";

enum class FileKind : std::uint8_t { wal, table };

inline std::string wal_file_name(std::uint64_t number) { return fmt::format("{:06}.log", number); }
inline std::string table_file_name(std::uint64_t number) { return fmt::format("{:06}.sst", number); }

struct ParsedFileName {
  FileKind kind;
  std::uint64_t number;
};

// The kind and number of "NNNNNN.log" / "NNNNNN.sst"; nullopt otherwise.
inline std::optional<ParsedFileName> parse_file_name(std::string_view name) {
  std::size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
  std::string_view suffix = name.substr(dot);
  std::optional<FileKind> kind;
  if (suffix == ".log") kind = FileKind::wal;
  if (suffix == ".sst") kind = FileKind::table;
  if (!kind) return std::nullopt;
  std::uint64_t number = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + dot, number);
  if (error != std::errc() || end != name.data() + dot) return std::nullopt;
  return ParsedFileName{*kind, number};
}

}  // namespace bftsim
