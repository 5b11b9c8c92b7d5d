// Linearizability reports (explanation.h).
#include "sim/check/linearizability/explanation.h"

#include <algorithm>

#include <fmt/format.h>

namespace bftsim::lin {
namespace {

std::string describe_operation(const Operation& op) {
  switch (op.type) {
    case OpType::put: return fmt::format("put {} = {}", quote(op.key), quote(op.value));
    case OpType::get: return fmt::format("get {}", quote(op.key));
    case OpType::del: return fmt::format("del {}", quote(op.key));
    case OpType::incr: return fmt::format("incr {} by {}", quote(op.key), op.value);
    case OpType::append: return fmt::format("append {} {}", quote(op.key), quote(op.value));
    case OpType::batch: return fmt::format("batch of {}", op.ops.size());  // expanded before checking
    case OpType::txn: break;
  }
  std::string out = "txn if [";
  for (std::size_t i = 0; i < op.conditions.size(); ++i) {
    const TxnCondition& condition = op.conditions[i];
    if (i > 0) out += ", ";
    out += condition.expected
               ? fmt::format("{} == {}", quote(condition.key), quote(*condition.expected))
               : fmt::format("{} absent", quote(condition.key));
  }
  out += "] then [";
  for (std::size_t i = 0; i < op.writes.size(); ++i) {
    const TxnWrite& write = op.writes[i];
    if (i > 0) out += ", ";
    out += write.is_delete ? fmt::format("del {}", quote(write.key))
                           : fmt::format("put {} = {}", quote(write.key), quote(write.value));
  }
  out += "]";
  return out;
}

}  // namespace

std::string quote(std::string_view text) {
  constexpr std::size_t shown_max = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < shown_max; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > shown_max) out += fmt::format("...({} bytes)", text.size());
  out += '"';
  return out;
}

std::string describe_history_op(const HistoryOp& op, std::optional<Instant> cut) {
  std::string line = fmt::format("  op {} (client {}, request {}): {} [{} ns, ", op.id, op.client,
                                 op.number, describe_operation(op.op), op.invoked_at);
  if (!op.completed_at) return line + "pending]";
  line += fmt::format("{} ns] -> {}", *op.completed_at, result_status_name(op.result->status));
  if (op.result->value) line += " " + quote(*op.result->value);
  if (cut && *op.completed_at > *cut) line += " (completes after the cut: taken as pending)";
  return line;
}

std::string explain(const std::vector<HistoryOp>& history, const std::string& key,
                    std::size_t key_op_count, const Window& window) {
  if (window.proof != Proof::search) {
    const HistoryOp& culprit = history[window.culprit_source];
    std::string why;
    switch (window.proof) {
      case Proof::search: break;
      case Proof::impossible_result:
        why = fmt::format("op {} has a result the KV model never gives", culprit.id);
        break;
      case Proof::unwritten_value:
        why = fmt::format("op {} sees a value that no op on the key invoked before it returned "
                          "writes",
                          culprit.id);
        break;
      case Proof::stale_read: {
        const bool sees_absent =
            std::any_of(window.ops.begin(), window.ops.end(), [&window](const KeyOp& op) {
              return op.source == window.culprit_source && op.requirement.value == absent_id;
            });
        why = fmt::format(
            "op {} sees {}, but after each write of it{} came a write of another value that "
            "completed before op {} was invoked",
            culprit.id, sees_absent ? "the key absent" : "a value",
            sees_absent ? " (and after the initial absence)" : "", culprit.id);
        break;
      }
    }
    std::string text = fmt::format("linearizability violation on key {} ({} ops): {}:\n",
                                   quote(key), key_op_count, why);
    for (const KeyOp& op : window.ops) {
      text += describe_history_op(history[op.source], window.cut);
      text += '\n';
    }
    return text;
  }
  std::string text = fmt::format(
      "linearizability violation on key {}: these {} of its {} ops admit no legal order",
      quote(key), window.ops.size(), key_op_count);
  if (window.earlier_count == 0) {
    text += ", starting from the key absent";
  } else {
    text += fmt::format(
        ", starting at {} ns from the key absent or holding any value written by its {} "
        "earlier ops",
        window.start_at, window.earlier_count);
  }
  if (window.cut) text += fmt::format("; history cut at {} ns", *window.cut);
  text += ":\n";
  for (std::size_t i = 0; i < window.ops.size(); ++i) {
    text += describe_history_op(history[window.ops[i].source], window.cut);
    if (i < window.relaxed_count) {
      text += " (earlier, still running: may take effect before or in the window)";
    }
    text += '\n';
  }
  return text;
}

}  // namespace bftsim::lin
