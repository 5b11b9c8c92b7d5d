// Parsing RESP commands with hiredis's reader (resp_reader.h).
#include "runner/resp_reader.h"

#include <memory>

#include <fmt/format.h>
#include <hiredis/read.h>

namespace bftsim::runner {
namespace {

// What our object functions build: a command array, or one of its strings.
struct RespNode {
  int type = 0;
  std::string text;
  std::vector<std::unique_ptr<RespNode>> elements;
};

// Attaches `node` to its parent array (hiredis tells the slot), or returns it as the root.
void* attach(const redisReadTask* task, std::unique_ptr<RespNode> node) {
  RespNode* raw = node.get();
  if (task->parent != nullptr) {
    auto* parent = static_cast<RespNode*>(task->parent->obj);
    if (task->idx < 0 || static_cast<std::size_t>(task->idx) >= parent->elements.size()) return nullptr;
    parent->elements[static_cast<std::size_t>(task->idx)] = std::move(node);
  } else {
    node.release();
  }
  return raw;
}

void* create_string(const redisReadTask* task, char* data, std::size_t size) {
  auto node = std::make_unique<RespNode>();
  node->type = task->type;
  node->text.assign(data, size);
  return attach(task, std::move(node));
}

void* create_array(const redisReadTask* task, int elements) {
  // Only a top-level array of bounded length: a nested or huge one fails the
  // reader (hiredis reports an allocation failure), before anything is reserved.
  if (task->parent != nullptr || elements < 0 || static_cast<std::size_t>(elements) > command_args_max)
    return nullptr;
  auto node = std::make_unique<RespNode>();
  node->type = REDIS_REPLY_ARRAY;
  node->elements.resize(static_cast<std::size_t>(elements));
  return attach(task, std::move(node));
}

void* create_integer(const redisReadTask* task, long long) {
  auto node = std::make_unique<RespNode>();
  node->type = REDIS_REPLY_INTEGER;
  return attach(task, std::move(node));
}

void* create_nil(const redisReadTask* task) {
  auto node = std::make_unique<RespNode>();
  node->type = REDIS_REPLY_NIL;
  return attach(task, std::move(node));
}

void free_object(void* object) { delete static_cast<RespNode*>(object); }

redisReplyObjectFunctions object_functions = {create_string, create_array, create_integer, create_nil,
                                              free_object};

}  // namespace

RespReader::RespReader() : reader_(redisReaderCreateWithFunctions(&object_functions)) {}

RespReader::~RespReader() { redisReaderFree(reader_); }

void RespReader::feed(std::span<const std::uint8_t> bytes) {
  if (error_ || reader_ == nullptr) return;
  if (redisReaderFeed(reader_, reinterpret_cast<const char*>(bytes.data()), bytes.size()) != REDIS_OK)
    error_ = Error{ErrorCode::malformed, "RESP reader failed to buffer"};
}

Result<std::optional<std::vector<std::string>>> RespReader::next() {
  if (reader_ == nullptr) return make_error(ErrorCode::malformed, "no RESP reader");
  if (error_) return tl::unexpected(*error_);
  // An empty line between commands is nothing, as in Redis (redis-cli
  // --pipe sends one before its closing ECHO, in a write of its own).
  // Between commands means no byte of the next one read yet: hiredis leaves
  // ridx at 0 with no type read when a call found the buffer used up, so
  // ridx == -1 alone misses an empty line that arrives in a later read. A
  // lone \r at the end may be half of one: wait for the next byte.
  const auto between_commands = [this] {
    return reader_->ridx == -1 || (reader_->ridx == 0 && reader_->rstack[0].type < 0);
  };
  while (between_commands() && reader_->len - reader_->pos >= 2 && reader_->buf[reader_->pos] == '\r' &&
         reader_->buf[reader_->pos + 1] == '\n')
    reader_->pos += 2;
  if (between_commands() && reader_->len - reader_->pos == 1 && reader_->buf[reader_->pos] == '\r')
    return std::optional<std::vector<std::string>>();
  void* object = nullptr;
  if (redisReaderGetReply(reader_, &object) != REDIS_OK) {
    const std::string why = reader_->err == REDIS_ERR_OOM
                                ? "not a command: a nested or over-long array"
                                : fmt::format("protocol error: {}", reader_->errstr);
    error_ = Error{ErrorCode::malformed, why};
    return tl::unexpected(*error_);
  }
  if (object == nullptr) {
    if (reader_->len - reader_->pos > resp_buffered_bytes_max) {
      error_ = Error{ErrorCode::malformed, fmt::format("over {} bytes buffered for one command", resp_buffered_bytes_max)};
      return tl::unexpected(*error_);
    }
    return std::optional<std::vector<std::string>>();
  }
  std::unique_ptr<RespNode> root(static_cast<RespNode*>(object));
  if (root->type != REDIS_REPLY_ARRAY || root->elements.empty()) {
    error_ = Error{ErrorCode::malformed, "not a command: expected a non-empty array of bulk strings"};
    return tl::unexpected(*error_);
  }
  std::vector<std::string> args;
  args.reserve(root->elements.size());
  for (auto& element : root->elements) {
    if (!element || element->type != REDIS_REPLY_STRING) {
      error_ = Error{ErrorCode::malformed, "not a command: an element is not a bulk string"};
      return tl::unexpected(*error_);
    }
    args.push_back(std::move(element->text));
  }
  return std::optional<std::vector<std::string>>(std::move(args));
}

namespace resp {
std::string simple(std::string_view text) { return fmt::format("+{}\r\n", text); }
std::string error(std::string_view text) { return fmt::format("-{}\r\n", text); }
std::string integer(long long value) { return fmt::format(":{}\r\n", value); }
std::string bulk(std::string_view value) { return fmt::format("${}\r\n{}\r\n", value.size(), value); }
std::string nil() { return "$-1\r\n"; }
std::string array_header(std::size_t count) { return fmt::format("*{}\r\n", count); }
}  // namespace resp

}  // namespace bftsim::runner
