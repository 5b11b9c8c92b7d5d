// A trace window as a Mermaid sequence diagram (trace_mermaid.h).
#include "sim/report/trace_mermaid.h"

#include <fmt/format.h>

namespace bftsim {
namespace {

// Mermaid ends a message at ';' or a line break and reads '#' as an entity.
std::string mermaid_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == ';' || c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '#') {
      out += "#35;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string mermaid_time_text(Instant at) { return fmt::format("{}.{:03}ms", at / 1'000'000, at / 1'000 % 1'000); }

}  // namespace

std::string mermaid_diagram(const TraceWindow& w) {
  const std::uint32_t n = w.replica_count;
  const auto name = [&](EndpointIndex e) { return endpoint_short_name(e, n); };
  std::string out = "sequenceDiagram\n";
  if (!w.title.empty()) out += fmt::format("    %% {}\n", mermaid_text(w.title));
  for (ReplicaIndex r = 0; r < n; ++r) out += fmt::format("    participant {} as replica {}\n", name(r), r);
  const std::string everyone = n > 1 ? fmt::format("{},{}", name(0), name(n - 1)) : name(0);
  for (const TraceEvent& event : w.events) {
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, EventRecord>) {
            if (r.kind == EventKind::deliver && r.from < n && r.to < n) {
              out += fmt::format("    {}->>{}: {}\n", name(r.from), name(r.to), mermaid_text(r.label));
            } else if (r.kind == EventKind::fault_begin || r.kind == EventKind::fault_end) {
              out += fmt::format("    Note over {}: {} {} {} at {}\n", everyone, mermaid_text(r.fault_kind),
                                 mermaid_text(r.fault_target), r.kind == EventKind::fault_begin ? "begins" : "ends",
                                 mermaid_time_text(event.at));
            }
          } else if constexpr (std::is_same_v<T, SendRecord>) {
            if (r.copies == 0 && r.from < n && r.to < n)
              out += fmt::format("    {}-x{}: {} (dropped)\n", name(r.from), name(r.to), mermaid_text(r.label));
          } else if constexpr (std::is_same_v<T, NoteRecord>) {
            switch (r.kind) {
              case NoteKind::view_entered_by_qc:
                out += fmt::format("    Note over {}: view {} (QC) at {}\n", name(r.replica), r.view, mermaid_time_text(event.at));
                return;
              case NoteKind::view_entered_by_tc:
                out += fmt::format("    Note over {}: view {} (TC) at {}\n", name(r.replica), r.view, mermaid_time_text(event.at));
                return;
              case NoteKind::timeout_sent:
                out += fmt::format("    Note over {}: timeout v{}\n", name(r.replica), r.view);
                return;
              case NoteKind::tc_formed:
                out += fmt::format("    Note over {}: TC v{}\n", name(r.replica), r.view);
                return;
              case NoteKind::qc_formed:
                out += fmt::format("    Note over {}: QC v{}\n", name(r.replica), r.view);
                return;
              case NoteKind::proposal_sent:
                return;  // the proposal arrows show it
            }
          } else if constexpr (std::is_same_v<T, CommitRecord>) {
            out += fmt::format("    Note over {}: commit h{} ({})\n", name(r.replica), r.height, r.block.substr(0, 8));
          } else if constexpr (std::is_same_v<T, StateInstalledRecord>) {
            out += fmt::format("    Note over {}: state installed h{}\n", name(r.replica), r.height);
          } else if constexpr (std::is_same_v<T, NodeStoppedRecord>) {
            out += fmt::format("    Note over {}: stopped\n", name(r.replica));
          } else {
            out += fmt::format("    Note over {}: disk block corrupt\n", name(r.replica));
          }
        },
        event.detail);
  }
  return out;
}

}  // namespace bftsim
