// yaml-cpp to YamlNode: the one place the loader touches yaml-cpp.
#include "sim/scenario/scenario_tree.h"

#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace bftsim {
namespace {

std::string mark_where(std::string_view source, const YAML::Mark& mark) {
  return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

// Thrown by TreeBuilder to stop yaml-cpp's parser at a broken bound (an
// anchor, too deep, too many nodes); caught in parse() below, so it never
// leaves this file.
struct StopParse {};
// Thrown by TreeBuilder at an error in the content (a duplicate key, say) and
// caught in the same event handler: parsing goes on, ignoring every later
// event, because yaml-cpp sends some events for text it then rejects as a
// syntax error, and the syntax error is the one to report.
struct ContentError {};

// Builds a YamlNode tree from yaml-cpp's parse events (YAML::EventHandler),
// never from a YAML::Node: yaml-cpp's node graph shares aliased nodes, so a
// self-referencing alias (`a: &a [*a]`) is a cycle and nine lines of nested
// aliases are a billion nodes once walked. Here anchors and aliases are
// rejected where they are written, and depth and node count are bounded, so
// every input ends in a tree of at most yaml_node_count_max nodes or an error.
// `fixed_where`, when not empty, is the location of every node (override
// values); otherwise nodes use their own marks, and a null uses the place of
// its key (yaml-cpp's mark for an implicit null points to the next token).
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view source, std::string fixed_where, std::string start_where, std::string_view root_path)
      : source_(source),
        fixed_where_(std::move(fixed_where)),
        start_where_(std::move(start_where)),
        root_path_(root_path) {}

  // The root of the one document, once OnDocumentEnd has run.
  std::optional<YamlNode>& root() { return root_; }
  // The first error, once StopParse or ContentError was thrown.
  const std::optional<Error>& error() const { return error_; }

  // Where the document began (set by yaml-cpp before any node).
  const std::optional<YAML::Mark>& document_start() const { return document_start_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    guarded([&] { on_null(mark); });
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    guarded([&] { reject_anchor(mark); });
  }
  void OnAnchor(const YAML::Mark& mark, const std::string&) override {
    guarded([&] { reject_anchor(mark); });
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
    guarded([&] { on_scalar(mark, tag, value); });
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    guarded([&] { begin_collection(mark, YamlNode::Kind::sequence); });
  }
  void OnSequenceEnd() override {
    guarded([&] { end_collection(); });
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    guarded([&] { begin_collection(mark, YamlNode::Kind::map); });
  }
  void OnMapEnd() override {
    guarded([&] { end_collection(); });
  }

 private:
  // A map or sequence still open, with its key path; a map also holds the
  // key whose value comes next, if any.
  struct Frame {
    YamlNode node;
    std::string path;
    bool has_key = false;
    std::string key;
    std::string key_where;
  };

  // Runs one event's handling unless an error came before.
  template <typename Body>
  void guarded(Body body) {
    if (error_) return;
    try {
      body();
    } catch (const ContentError&) {
    }
  }

  [[noreturn]] void fail(std::string_view where, std::string_view path, std::string_view description) {
    error_ = Error{ErrorCode::invalid_argument, located_message(where, path, description)};
    throw ContentError{};
  }
  [[noreturn]] void stop(std::string_view where, std::string_view path, std::string_view description) {
    error_ = Error{ErrorCode::invalid_argument, located_message(where, path, description)};
    throw StopParse{};
  }

  void on_null(const YAML::Mark& mark) {
    begin_node(mark);
    if (expecting_key()) fail(where(mark), stack_.back().path, "map keys must be plain strings");
    YamlNode node;
    node.kind = YamlNode::Kind::null;
    node.where = fixed_where_.empty() ? null_where() : fixed_where_;
    finish_node(std::move(node));
  }

  void on_scalar(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
    begin_node(mark);
    if (expecting_key()) {
      Frame& map = stack_.back();
      const std::string key_where = where(mark);
      const std::string child_path = key_path_join(map.path, value);
      // yaml-cpp keeps both entries of a repeated key; lookups would see
      // only the first, so the second would be silently ignored.
      for (const YamlEntry& earlier : map.node.entries) {
        if (earlier.key == value)
          fail(key_where, child_path, fmt::format("duplicate key (first given at {})", earlier.key_where));
      }
      map.key = value;
      map.key_where = key_where;
      map.has_key = true;
      return;
    }
    YamlNode node;
    node.kind = YamlNode::Kind::scalar;
    node.where = where(mark);
    node.scalar = value;
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      node.quoted = true;
    } else if (tag != "?") {
      fail(node.where, child_path(), fmt::format("YAML tag \"{}\" is not supported", tag));
    }
    finish_node(std::move(node));
  }

  std::string where(const YAML::Mark& mark) const {
    if (!fixed_where_.empty()) return fixed_where_;
    if (mark.line < 0 || mark.column < 0) return stack_.empty() ? start_where_ : stack_.back().node.where;
    return mark_where(source_, mark);
  }

  // The place a null stands for: its key, its list, or the document start.
  std::string null_where() const {
    if (stack_.empty()) return start_where_;
    const Frame& parent = stack_.back();
    return parent.node.kind == YamlNode::Kind::map ? parent.key_where : parent.node.where;
  }

  bool expecting_key() const {
    return !stack_.empty() && stack_.back().node.kind == YamlNode::Kind::map && !stack_.back().has_key;
  }

  // The key path of the node that starts now.
  std::string child_path() const {
    if (stack_.empty()) return root_path_;
    const Frame& parent = stack_.back();
    if (parent.node.kind == YamlNode::Kind::sequence) return key_path_index(parent.path, parent.node.items.size());
    return parent.has_key ? key_path_join(parent.path, parent.key) : parent.path;
  }

  // Counts every node (keys included) against yaml_node_count_max.
  void begin_node(const YAML::Mark& mark) {
    ++node_count_;
    if (node_count_ > yaml_node_count_max)
      stop(where(mark), child_path(), fmt::format("more than {} YAML nodes in one document", yaml_node_count_max));
  }

  void reject_anchor(const YAML::Mark& mark) {
    stop(where(mark), child_path(),
         "YAML anchors (&name) and aliases (*name) are not supported; write the value out");
  }

  void begin_collection(const YAML::Mark& mark, YamlNode::Kind kind) {
    begin_node(mark);
    if (expecting_key()) fail(where(mark), stack_.back().path, "map keys must be plain strings");
    if (stack_.size() >= yaml_depth_max)
      stop(where(mark), child_path(), fmt::format("nested more than {} levels deep", yaml_depth_max));
    Frame frame;
    frame.path = child_path();
    frame.node.kind = kind;
    frame.node.where = where(mark);
    stack_.push_back(std::move(frame));
  }

  void end_collection() {
    YamlNode node = std::move(stack_.back().node);
    stack_.pop_back();
    finish_node(std::move(node));
  }

  // Puts a complete value into its parent, or makes it the root.
  void finish_node(YamlNode node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node.kind == YamlNode::Kind::sequence) {
      parent.node.items.push_back(std::move(node));
      return;
    }
    parent.node.entries.push_back(YamlEntry{std::move(parent.key), std::move(parent.key_where), std::move(node)});
    parent.has_key = false;
  }

  std::string_view source_;
  std::string fixed_where_;
  std::string start_where_;
  std::string root_path_;
  std::vector<Frame> stack_;
  std::optional<YamlNode> root_;
  std::optional<Error> error_;
  std::optional<YAML::Mark> document_start_;
  std::size_t node_count_ = 0;
};

// Records where the next document starts and stops the parser there.
class DocumentStartProbe : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> start;
  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    throw StopParse{};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where the next document starts, or nullopt at the end of the input.
std::optional<YAML::Mark> next_document_start(YAML::Parser& parser) {
  DocumentStartProbe probe;
  try {
    parser.HandleNextDocument(probe);
  } catch (const StopParse&) {
  }
  return probe.start;
}

Result<YamlNode> parse(std::string_view text, std::string_view source, const std::string& fixed_where,
                       std::string_view root_path) {
  const std::string start_where = fixed_where.empty() ? fmt::format("{}:1:1", source) : fixed_where;
  const auto located = [&](const YAML::Mark& mark) {
    return fixed_where.empty() ? mark_where(source, mark) : fixed_where;
  };
  std::istringstream input{std::string(text)};
  TreeBuilder builder(source, fixed_where, start_where, root_path);
  try {
    YAML::Parser parser(input);
    if (!parser.HandleNextDocument(builder)) {
      YamlNode empty;
      empty.where = start_where;
      return empty;
    }
    if (builder.error()) return tl::unexpected(*builder.error());
    // Stop at the second document: yaml-cpp 0.7 reads a ',' where a value
    // should start (a file holding only ",") as an empty document that
    // consumes nothing, so reading documents until the end (YAML::LoadAll)
    // never returns. A document that starts with ',', or where the first
    // did, is such a stray token. (A stray ']' or '}' is a scanner error.)
    if (const std::optional<YAML::Mark> second = next_document_start(parser)) {
      const auto pos = static_cast<std::size_t>(second->pos);
      const bool stray = (pos < text.size() && text[pos] == ',') ||
                         (builder.document_start() && second->pos == builder.document_start()->pos);
      if (stray) {
        const std::string token = pos < text.size() ? fmt::format("'{}'", text[pos]) : std::string("token");
        return make_error(ErrorCode::malformed,
                          fmt::format("{}: syntax error: unexpected {} where a value should start", located(*second),
                                      token));
      }
      return make_error(ErrorCode::invalid_argument, located_message(located(*second), root_path,
                                                                      "expected one YAML document, found a second one"));
    }
  } catch (const StopParse&) {
    return tl::unexpected(*builder.error());
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::malformed, fmt::format("{}: syntax error: {}", located(e.mark), e.msg));
  }
  if (!builder.root()) {
    // yaml-cpp sends a value for every document it starts; a last guard.
    YamlNode empty;
    empty.where = start_where;
    return empty;
  }
  return std::move(*builder.root());
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
  return parse(text, source_name, "", "");
}

Result<YamlNode> parse_yaml_value(std::string_view text, const std::string& where, std::string_view key_path) {
  return parse(text, where, where, key_path);
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
