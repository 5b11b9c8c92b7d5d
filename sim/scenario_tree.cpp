// yaml-cpp to YamlNode: the one place the loader touches yaml-cpp.
#include "sim/scenario_tree.h"

#include <exception>
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace bftsim {
namespace {

std::string mark_where(std::string_view source, const YAML::Mark& mark) {
  return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

// Converts one yaml-cpp node. `fixed_where`, when not empty, is the location
// of every node (override values); otherwise nodes use their own marks, and
// `fallback_where` stands in where yaml-cpp has none (implicit nulls, whose
// mark points past the key, to the next token).
class Converter {
 public:
  Converter(std::string_view source, std::string fixed_where)
      : source_(source), fixed_where_(std::move(fixed_where)) {}

  Result<YamlNode> convert(const YAML::Node& node, const std::string& path, const std::string& fallback_where) {
    YamlNode out;
    out.where = where_of(node, fallback_where);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YamlNode::Kind::null;
        out.where = fixed_where_.empty() ? fallback_where : fixed_where_;
        return out;
      case YAML::NodeType::Scalar: {
        out.kind = YamlNode::Kind::scalar;
        out.scalar = node.Scalar();
        const std::string& tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") {
          out.quoted = true;
        } else if (tag != "?") {
          return make_error(ErrorCode::invalid_argument,
                            located_message(out.where, path, fmt::format("YAML tag \"{}\" is not supported", tag)));
        }
        return out;
      }
      case YAML::NodeType::Sequence: {
        out.kind = YamlNode::Kind::sequence;
        std::size_t index = 0;
        for (const YAML::Node& item : node) {
          auto converted = convert(item, key_path_index(path, index), out.where);
          if (!converted) return tl::unexpected(converted.error());
          out.items.push_back(std::move(*converted));
          ++index;
        }
        return out;
      }
      case YAML::NodeType::Map: {
        out.kind = YamlNode::Kind::map;
        for (const auto& pair : node) {
          const std::string key_where = where_of(pair.first, out.where);
          if (!pair.first.IsScalar())
            return make_error(ErrorCode::invalid_argument,
                              located_message(key_where, path, "map keys must be plain strings"));
          const std::string key = pair.first.Scalar();
          const std::string child_path = key_path_join(path, key);
          // yaml-cpp keeps both entries of a repeated key; lookups would see
          // only the first, so the second would be silently ignored.
          for (const YamlEntry& earlier : out.entries) {
            if (earlier.key == key)
              return make_error(ErrorCode::invalid_argument,
                                located_message(key_where, child_path,
                                                fmt::format("duplicate key (first given at {})", earlier.key_where)));
          }
          auto value = convert(pair.second, child_path, key_where);
          if (!value) return tl::unexpected(value.error());
          out.entries.push_back(YamlEntry{key, key_where, std::move(*value)});
        }
        return out;
      }
    }
    return out;
  }

 private:
  std::string where_of(const YAML::Node& node, const std::string& fallback) const {
    if (!fixed_where_.empty()) return fixed_where_;
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0 || mark.column < 0) return fallback;
    return mark_where(source_, mark);
  }

  std::string_view source_;
  std::string fixed_where_;
};

Result<YamlNode> parse(std::string_view text, std::string_view source, const std::string& fixed_where) {
  const std::string start_where = fixed_where.empty() ? fmt::format("{}:1:1", source) : fixed_where;
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    const std::string where = fixed_where.empty() ? mark_where(source, e.mark) : fixed_where;
    return make_error(ErrorCode::malformed, fmt::format("{}: syntax error: {}", where, e.msg));
  }
  if (documents.empty()) {
    YamlNode empty;
    empty.where = start_where;
    return empty;
  }
  Converter converter(source, fixed_where);
  if (documents.size() > 1) {
    YamlNode second;
    second.where = start_where;
    if (auto converted = converter.convert(documents[1], "", start_where)) second.where = converted->where;
    return make_error(ErrorCode::invalid_argument,
                      located_message(second.where, "", "expected one YAML document, found a second one"));
  }
  try {
    return converter.convert(documents[0], "", start_where);
  } catch (const YAML::Exception& e) {
    // Iteration does not throw for a loaded tree; this is a last guard so no
    // exception leaves the loader.
    return make_error(ErrorCode::malformed, fmt::format("{}: YAML error: {}", start_where, e.msg));
  }
}

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const YamlEntry& entry : entries)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

YamlNode* YamlNode::find(std::string_view key) {
  for (YamlEntry& entry : entries)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

Result<YamlNode> parse_yaml_tree(std::string_view text, std::string_view source_name) {
  return parse(text, source_name, "");
}

Result<YamlNode> parse_yaml_value(std::string_view text, const std::string& where) {
  return parse(text, where, where);
}

std::string key_path_join(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string key_path_index(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string located_message(std::string_view where, std::string_view path, std::string_view description) {
  return fmt::format("{}: {}: {}", where, path.empty() ? std::string_view("(top level)") : path, description);
}

}  // namespace bftsim
