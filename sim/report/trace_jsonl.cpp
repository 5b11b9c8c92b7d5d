// Trace records as JSON lines (trace_jsonl.h). The `run` style's formats are
// fixed: tests and users compare these bytes across versions.
#include "sim/report/trace_jsonl.h"

#include <fmt/format.h>

#include "sim/report/trace_message.h"

namespace bftsim {
namespace {

std::string event_line(std::uint64_t index, Instant at, const EventRecord& e, JsonlStyle style) {
  std::string line = fmt::format(R"({{"i":{},"t_ns":{},"ev":"{}","from":{},"to":{},"arg":{})", index, at,
                                 event_kind_name(e.kind), e.from, e.to, e.arg);
  if (e.size_bytes) line += fmt::format(R"(,"size":{})", *e.size_bytes);
  if (e.instance != 0) line += fmt::format(R"(,"inst":{})", e.instance);
  if (e.message) line += trace_message_fields(*e.message);
  if (style == JsonlStyle::replay) {
    if (e.message_id != 0) line += fmt::format(R"(,"msg":{},"copy":{})", e.message_id, e.copy);
    if (!e.label.empty()) line += fmt::format(R"(,"label":"{}")", json_escape(e.label));
    if (e.stale) line += R"(,"stale":true)";
    if (!e.fault_kind.empty())
      line += fmt::format(R"(,"fault":"{}","target":"{}")", json_escape(e.fault_kind), json_escape(e.fault_target));
  }
  return line + "}";
}

}  // namespace

std::optional<std::string> jsonl_line(const TraceEvent& event, JsonlStyle style) {
  const std::uint64_t i = event.index;
  const Instant t = event.at;
  return std::visit(
      [&](const auto& r) -> std::optional<std::string> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, EventRecord>) {
          return event_line(i, t, r, style);
        } else if constexpr (std::is_same_v<T, NoteRecord>) {
          return fmt::format(R"({{"i":{},"t_ns":{},"ev":"note","replica":{},"note":"{}","view":{}}})", i, t,
                             r.replica, note_kind_name(r.kind), r.view);
        } else if constexpr (std::is_same_v<T, StateInstalledRecord>) {
          return fmt::format(R"({{"i":{},"t_ns":{},"ev":"state_installed","replica":{},"height":{}}})", i, t,
                             r.replica, r.height);
        } else if constexpr (std::is_same_v<T, NodeStoppedRecord>) {
          return fmt::format(R"({{"i":{},"t_ns":{},"ev":"node_stopped","replica":{},"reason":"{}"}})", i, t,
                             r.replica, json_escape(r.reason));
        } else if constexpr (std::is_same_v<T, DiskCorruptRecord>) {
          return fmt::format(R"({{"i":{},"t_ns":{},"ev":"disk_corrupt","replica":{},"file":"{}","offset":{}}})", i,
                             t, r.replica, json_escape(r.file), r.offset);
        } else if constexpr (std::is_same_v<T, CommitRecord>) {
          return fmt::format(
              R"({{"i":{},"t_ns":{},"ev":"commit","replica":{},"height":{},"view":{},"block":"{}","parent":"{}"}})", i,
              t, r.replica, r.height, r.view, r.block, r.parent);
        } else if (style == JsonlStyle::run) {
          return std::nullopt;  // sends are not in the run style
        } else {
          static_assert(std::is_same_v<T, SendRecord>);
          return fmt::format(
              R"({{"i":{},"t_ns":{},"ev":"send","from":{},"to":{},"type":"{}","msg":{},"size":{},"copies":{},"disk_wait_ns":{},"label":"{}"}})",
              i, t, r.from, r.to, message_type_name(r.type), r.message_id, r.size_bytes, r.copies, r.disk_wait,
              json_escape(r.label));
        }
      },
      event.detail);
}

void JsonlTraceWriter::record(const TraceEvent& event) {
  if (auto line = jsonl_line(event, style_)) {
    std::fwrite(line->data(), 1, line->size(), out_);
    std::fputc('\n', out_);
  }
}

}  // namespace bftsim
