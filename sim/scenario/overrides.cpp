// --set overrides on the YAML tree (overrides.h).
#include "sim/scenario/overrides.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "sim/scenario/read_value.h"
#include "sim/scenario/schema.h"

namespace bftsim::loader {
namespace {

struct PathStep {
  std::string key;           // a map key, or empty for an index step
  std::size_t index = 0;     // a list index when key is empty
};

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "faults[0].groups[1]" -> faults, [0], groups, [1].
std::optional<std::vector<PathStep>> parse_override_path(std::string_view text) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < text.size() && is_key_char(text[i])) ++i;
    if (i == start) return std::nullopt;
    steps.push_back(PathStep{std::string(text.substr(start, i - start)), 0});
    while (i < text.size() && text[i] == '[') {
      const std::size_t digits = ++i;
      std::size_t index = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (i - digits > 6) return std::nullopt;
        index = index * 10 + static_cast<std::size_t>(text[i] - '0');
        ++i;
      }
      if (i == digits || i >= text.size() || text[i] != ']') return std::nullopt;
      ++i;
      steps.push_back(PathStep{"", index});
    }
    if (i == text.size()) return steps;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
}

}  // namespace

Status apply_override(YamlNode& root, const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("--set {}: expected key.path=value, e.g. network.loss=0.1", assignment));
  const std::string path_text = assignment.substr(0, equals);
  const std::string where = "--set " + path_text;
  auto steps = parse_override_path(path_text);
  if (!steps)
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("{}: invalid key path (expected names joined by '.', with [index] for lists)", where));
  YamlNode* node = &root;
  std::string pattern;  // the schema path: list indices become "[]"
  std::string walked;   // the path so far, for messages
  for (const PathStep& step : *steps) {
    const std::string_view here = walked.empty() ? std::string_view("the scenario") : std::string_view(walked);
    if (step.key.empty()) {
      if (node->kind != Kind::sequence)
        return make_error(ErrorCode::invalid_argument, fmt::format("{}: {} is not a list", where, here));
      if (step.index >= node->items.size())
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("{}: {} has {} entries, so there is no [{}]", where, here, node->items.size(),
                                      step.index));
      node = &node->items[step.index];
      pattern += "[]";
      walked = key_path_index(walked, step.index);
      continue;
    }
    const std::optional<Keys> known = schema_map_keys(pattern);
    if (!known)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: {} is not a map, so it has no key \"{}\"", where, here, step.key));
    if (std::find(known->begin(), known->end(), step.key) == known->end())
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: unknown key \"{}\" (known: {})", where, step.key, join_names(*known)));
    if (node->kind == Kind::null) node->kind = Kind::map;  // an optional map not written yet
    if (node->kind != Kind::map)
      return make_error(ErrorCode::invalid_argument,
                        fmt::format("{}: {} is {}, not a map", where, here, describe_value(*node)));
    YamlNode* child = node->find(step.key);
    if (child == nullptr) {
      YamlNode created;
      created.where = where;
      node->entries.push_back(YamlEntry{step.key, where, std::move(created)});
      child = &node->entries.back().value;
    }
    node = child;
    pattern = key_path_join(pattern, step.key);
    walked = key_path_join(walked, step.key);
  }
  auto value = parse_yaml_value(std::string_view(assignment).substr(equals + 1), where, path_text);
  if (!value) return tl::unexpected(std::move(value.error()));
  *node = std::move(*value);
  return {};
}


}  // namespace bftsim::loader
