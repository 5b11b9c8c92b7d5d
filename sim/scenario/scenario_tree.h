// A parsed YAML document as a plain tree in which every node remembers where
// it came from ("file:line:column", or "--set key.path" for a CLI override),
// so the scenario loader can name the exact place of each error. yaml-cpp is
// used only in scenario_tree.cpp, and its exceptions stop there. Nodes own
// their children by value; map entries keep document order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/types/result.h"

namespace bftsim {

struct YamlEntry;

struct YamlNode {
  enum class Kind : std::uint8_t { null, scalar, map, sequence };

  Kind kind = Kind::null;
  std::string scalar;             // Kind::scalar: the text as written, unquoted
  bool quoted = false;            // Kind::scalar: quoted or tagged !!str, so never a number
  std::string where;              // "file:line:column" (1-based) or "--set path"
  std::vector<YamlEntry> entries; // Kind::map
  std::vector<YamlNode> items;    // Kind::sequence

  // The value under `key` of a map node, or nullptr.
  const YamlNode* find(std::string_view key) const;
  YamlNode* find(std::string_view key);
};

struct YamlEntry {
  std::string key;
  std::string key_where;  // where the key itself is written
  YamlNode value;
};

// Bounds on any parsed document, so that no input can exhaust the stack or
// memory: scenarios nest about 5 levels deep and hold a few hundred nodes.
inline constexpr std::size_t yaml_depth_max = 64;          // nested maps and lists
inline constexpr std::size_t yaml_node_count_max = 100'000;  // keys and values

// Parses one YAML document; empty text gives a null root at "<source>:1:1".
// Errors: malformed for YAML syntax ("<source>:L:C: syntax error: ..."),
// invalid_argument for a second document, a duplicate key, a key that is not a
// plain scalar, a tag other than !!str, an anchor or alias (&a, *a), nesting
// deeper than yaml_depth_max or more than yaml_node_count_max nodes.
Result<YamlNode> parse_yaml_tree(std::string_view text, std::string_view source_name);

// Parses a --set value: every node of the result is placed at `where`, and
// messages name key paths below `key_path` (the path being set).
// Errors as parse_yaml_tree, with `where` as the location.
Result<YamlNode> parse_yaml_value(std::string_view text, const std::string& where, std::string_view key_path);

// Key paths for messages: "network" + "loss" -> "network.loss"; "" + "seed"
// -> "seed"; "faults" + 2 -> "faults[2]".
std::string key_path_join(std::string_view parent, std::string_view key);
std::string key_path_index(std::string_view parent, std::size_t index);

// "<where>: <path>: <description>", with "(top level)" for an empty path.
std::string located_message(std::string_view where, std::string_view path, std::string_view description);

}  // namespace bftsim
