// Trace records as readable lines (trace_text.h).
#include "sim/report/trace_text.h"

#include <fmt/format.h>

namespace bftsim {
namespace {

std::string event_text(const EventRecord& e, std::uint32_t replica_count) {
  const auto name = [&](EndpointIndex endpoint) { return endpoint_short_name(endpoint, replica_count); };
  switch (e.kind) {
    case EventKind::deliver:
      return fmt::format("{} -> {}  {} (msg {}{}{})", name(e.from), name(e.to), e.label, e.message_id,
                         e.copy > 0 ? fmt::format(" copy {}", e.copy) : std::string(),
                         e.size_bytes ? fmt::format(", {} B", *e.size_bytes) : std::string());
    case EventKind::timer:
      return fmt::format("{}{}", name(e.to), e.stale ? " (stale)" : "");
    case EventKind::replica_start:
      return name(e.to);
    case EventKind::client_issue:
      return name(e.to);
    case EventKind::client_retry:
      return fmt::format("{} request #{}", name(e.to), e.arg);
    case EventKind::fault_begin:
    case EventKind::fault_end:
      return fmt::format("{} {}", e.fault_kind, e.fault_target);
  }
  return "";
}

}  // namespace

std::string text_line(const TraceEvent& event, std::uint32_t replica_count) {
  const std::string head = fmt::format("{:>8}  {}.{:09}s  ", event.index, event.at / 1'000'000'000,
                                       event.at % 1'000'000'000);
  const auto name = [&](EndpointIndex endpoint) { return endpoint_short_name(endpoint, replica_count); };
  return head + std::visit(
                    [&](const auto& r) -> std::string {
                      using T = std::decay_t<decltype(r)>;
                      if constexpr (std::is_same_v<T, EventRecord>) {
                        return fmt::format("{:<14}{}", event_kind_name(r.kind), event_text(r, replica_count));
                      } else if constexpr (std::is_same_v<T, SendRecord>) {
                        return fmt::format("  {:<12}{} -> {}  {} (msg {}, {}){}", "send", name(r.from), name(r.to),
                                           r.label, r.message_id,
                                           r.copies == 0 ? std::string("dropped")
                                                         : fmt::format("{} B{}", r.size_bytes,
                                                                       r.copies > 1 ? fmt::format(", {} copies", r.copies)
                                                                                    : std::string()),
                                           r.disk_wait > 0 ? fmt::format(" after {} ns on disk", r.disk_wait)
                                                           : std::string());
                      } else if constexpr (std::is_same_v<T, NoteRecord>) {
                        return fmt::format("  {:<12}{} {} v{}", "note", name(r.replica), note_kind_name(r.kind),
                                           r.view);
                      } else if constexpr (std::is_same_v<T, CommitRecord>) {
                        return fmt::format("  {:<12}{} h{} v{} block {}", "commit", name(r.replica), r.height, r.view,
                                           r.block.substr(0, 8));
                      } else if constexpr (std::is_same_v<T, StateInstalledRecord>) {
                        return fmt::format("  {:<12}{} h{}", "state", name(r.replica), r.height);
                      } else if constexpr (std::is_same_v<T, NodeStoppedRecord>) {
                        return fmt::format("  {:<12}{} {}", "stopped", name(r.replica), r.reason);
                      } else {
                        return fmt::format("  {:<12}{} {} at {}", "corrupt", name(r.replica), r.file, r.offset);
                      }
                    },
                    event.detail);
}

void TextTraceWriter::record(const TraceEvent& event) {
  const std::string line = text_line(event, replica_count_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
}

}  // namespace bftsim
