// parse_trace (trace_records.h): a small reader for flat JSON objects.
#include "sim/harness/trace_records.h"

#include <charconv>

#include <fmt/format.h>

namespace bftsim {
namespace {

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  Result<TraceRecord> read() {
    TraceRecord record;
    if (!eat('{')) return error("expected '{'");
    if (eat('}')) return finish(record);
    while (true) {
      auto key = string();
      if (!key) return tl::unexpected(key.error());
      if (!eat(':')) return error("expected ':'");
      auto value = peek() == '"' ? string() : peek() == '[' ? array() : bare();
      if (!value) return tl::unexpected(value.error());
      record.fields[*key] = std::move(*value);
      if (eat(',')) continue;
      if (eat('}')) return finish(record);
      return error("expected ',' or '}'");
    }
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  tl::unexpected<Error> error(std::string_view what) const {
    return make_error(ErrorCode::invalid_argument, fmt::format("column {}: {}", at_ + 1, what));
  }
  Result<TraceRecord> finish(TraceRecord& record) {
    if (at_ != text_.size()) return error("text after the object");
    return std::move(record);
  }
  Result<std::string> string() {
    if (!eat('"')) return error("expected a string");
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      if (text_[at_] == '\\') {
        if (++at_ >= text_.size()) break;
      }
      out += text_[at_++];
    }
    if (!eat('"')) return error("unterminated string");
    return out;
  }
  Result<std::string> array() {
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] != ']') ++at_;
    if (!eat(']')) return error("unterminated array");
    return std::string(text_.substr(start, at_ - start));
  }
  Result<std::string> bare() {
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '}') ++at_;
    if (at_ == start) return error("expected a value");
    return std::string(text_.substr(start, at_ - start));
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

const std::string& TraceRecord::text(std::string_view key) const {
  static const std::string empty;
  auto it = fields.find(key);
  return it == fields.end() ? empty : it->second;
}

std::uint64_t TraceRecord::number(std::string_view key, std::uint64_t otherwise) const {
  auto it = fields.find(key);
  if (it == fields.end()) return otherwise;
  std::uint64_t value = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return otherwise;
  return value;
}

Result<TraceRecord> parse_trace_line(std::string_view line) { return LineReader(line).read(); }

Result<std::vector<TraceRecord>> parse_trace(std::string_view text) {
  std::vector<TraceRecord> records;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) continue;
    auto record = parse_trace_line(line);
    if (!record)
      return make_error(ErrorCode::invalid_argument, fmt::format("trace line {}: {}", line_number, record.error().message));
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace bftsim
