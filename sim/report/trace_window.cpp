// Collecting a window of trace records (trace_window.h).
#include "sim/report/trace_window.h"

#include "core/types/assert.h"

namespace bftsim {

TraceWindowCollector::TraceWindowCollector(std::uint64_t first_index, std::uint64_t last_index,
                                           std::uint32_t replica_count, std::uint32_t client_count) {
  BFTSIM_ASSERT(first_index <= last_index);
  window_.first_index = first_index;
  window_.last_index = last_index;
  window_.replica_count = replica_count;
  window_.client_count = client_count;
  window_.views_at_start.assign(replica_count, std::nullopt);
}

void TraceWindowCollector::record(const TraceEvent& event) {
  if (event.index > window_.last_index) return;
  if (event.index >= window_.first_index) {
    window_.events.push_back(event);
    return;
  }
  // Before the window: follow each replica's view, and forget it when the replica goes down.
  auto& views = window_.views_at_start;
  if (const auto* note = std::get_if<NoteRecord>(&event.detail)) {
    if (note->replica < views.size() &&
        (note->kind == NoteKind::view_entered_by_qc || note->kind == NoteKind::view_entered_by_tc))
      views[note->replica] = note->view;
  } else if (const auto* stopped = std::get_if<NodeStoppedRecord>(&event.detail)) {
    if (stopped->replica < views.size()) views[stopped->replica] = std::nullopt;
  } else if (const auto* step = std::get_if<EventRecord>(&event.detail)) {
    if (step->kind == EventKind::fault_begin && step->fault_kind == "crash" && step->fault_replica &&
        *step->fault_replica < views.size())
      views[*step->fault_replica] = std::nullopt;
  }
}

}  // namespace bftsim
