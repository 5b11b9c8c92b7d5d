// Readers for the scenario loader: one value of the YAML tree -> a typed
// value, or an error naming file:line:col and the key path. Each section
// reader (sections.h) is built from these. Internal to the loader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/types/result.h"
#include "sim/scenario/scenario_tree.h"
#include "sim/scenario/schema.h"
#include "sim/units.h"

namespace bftsim::loader {

using Kind = YamlNode::Kind;

tl::unexpected<Error> fail(std::string_view where, std::string_view path, std::string_view description);

std::string join_names(Keys keys);

std::string describe_value(const YamlNode& node);

Status expect_kind(const YamlNode& node, std::string_view path, Kind kind);

// Every key of `map` must be in `known`; `context` qualifies the message.
Status check_keys(const YamlNode& map, std::string_view path, Keys known, std::string_view context = "");

Result<const YamlNode*> require(const YamlNode& map, std::string_view path, std::string_view key);

std::string range_text(std::int64_t min, std::int64_t max);

Result<std::int64_t> read_integer(const YamlNode& node, std::string_view path, std::int64_t min, std::int64_t max);

Result<std::uint64_t> read_unsigned64(const YamlNode& node, std::string_view path);

Result<double> read_number(const YamlNode& node, std::string_view path);

Result<std::string> read_string(const YamlNode& node, std::string_view path);

Result<std::string> read_one_line(const YamlNode& node, std::string_view path, bool allow_empty);

Result<Duration> read_duration(const YamlNode& node, std::string_view path);

Result<Duration> read_positive_duration(const YamlNode& node, std::string_view path);

Result<std::uint32_t> read_probability(const YamlNode& node, std::string_view path);

Result<Rate> read_rate(const YamlNode& node, std::string_view path);

template <typename E>
Result<E> read_enum(const YamlNode& node, std::string_view path, NameTable<E> names, std::string_view noun) {
  std::vector<std::string_view> known;
  for (const auto& [name, value] : names) known.push_back(name);
  if (node.kind != Kind::scalar)
    return fail(node.where, path, fmt::format("expected one of {}, got {}", join_names(known), describe_value(node)));
  for (const auto& [name, value] : names)
    if (name == node.scalar) return value;
  return fail(node.where, path, fmt::format("unknown {} \"{}\" (known: {})", noun, node.scalar, join_names(known)));
}

// Reads map[key] into `out` with `read` when the key is present.
template <typename T, typename Read>
Status read_optional(const YamlNode& map, std::string_view path, std::string_view key, T& out, Read read) {
  const YamlNode* node = map.find(key);
  if (node == nullptr) return {};
  auto value = read(*node, key_path_join(path, key));
  if (!value) return tl::unexpected(std::move(value.error()));
  out = static_cast<T>(*value);
  return {};
}

// As read_optional, for a key that must be there.
template <typename T, typename Read>
Status read_required(const YamlNode& map, std::string_view path, std::string_view key, T& out, Read read) {
  auto node = require(map, path, key);
  if (!node) return tl::unexpected(std::move(node.error()));
  auto value = read(**node, key_path_join(path, key));
  if (!value) return tl::unexpected(std::move(value.error()));
  out = static_cast<T>(*value);
  return {};
}

inline auto integer_in(std::int64_t min, std::int64_t max) {
  return [=](const YamlNode& node, std::string_view path) { return read_integer(node, path, min, max); };
}

template <typename E>
auto enum_of(NameTable<E> names, std::string_view noun) {
  return [=](const YamlNode& node, std::string_view path) { return read_enum(node, path, names, noun); };
}

#define BFTSIM_SCENARIO_TRY(expr)                                     \
  do {                                                                \
    if (auto status_ = (expr); !status_)                              \
      return tl::unexpected(std::move(status_.error()));              \
  } while (false)

}  // namespace bftsim::loader
