// NodeServer's BFT_TRACE side (node_server.h, stage_trace.h): the marks
// around each loop handler, the long handlers' lines, and the notes of
// proposals and views.
#include <fmt/format.h>

#include "runner/node_server.h"

namespace bftsim::runner {
namespace {

// Loop handlers that take longer than this are logged.
constexpr std::int64_t handler_log_ns = 2'000'000;

}  // namespace

NodeServer::HandlerMark NodeServer::handler_begin() const {
  HandlerMark mark;
  if (!trace_) return mark;
  mark.wall = trace_clock_ns();
  mark.cpu = thread_cpu_ns();
  mark.run_wait = thread_run_wait_ns();
  // The loop thread's syncs only: the LSM's background thread has its own.
  const SyncCounts syncs = fs_.counts();
  mark.syncs = syncs.owner_file_syncs;
  mark.sync_ns = syncs.owner_file_sync_ns;
  mark.store_ns = store_ns_;
  if (const Db* db = lsm_store_->db()) {
    const DbStats stats = db->stats();
    mark.flushes = stats.flush_count;
    mark.compactions = stats.compaction_count;
    mark.stall_ns = stats.stall_ns;
  }
  return mark;
}

void NodeServer::handler_end(const char* kind, const HandlerMark& begin) {
  if (!trace_) return;
  const std::int64_t wall = trace_clock_ns() - begin.wall;
  if (wall < handler_log_ns) return;
  const HandlerMark end = handler_begin();
  trace_->line("h {} {} {} {} {} {} {} {} {} {} {}", kind, begin.wall, wall, end.cpu - begin.cpu,
               end.sync_ns - begin.sync_ns, end.syncs - begin.syncs, end.store_ns - begin.store_ns,
               end.flushes - begin.flushes, end.compactions - begin.compactions, end.run_wait - begin.run_wait,
               end.stall_ns - begin.stall_ns);
}

void NodeServer::note(const NoteEffect& note) {
  if (!trace_) return;
  switch (note.kind) {
    case NoteKind::proposal_sent:
      trace_->line("P {} {} {}", note.view, trace_clock_ns(), node_->replica().mempool_size());
      break;
    case NoteKind::view_entered_by_qc:
    case NoteKind::view_entered_by_tc:
      trace_->line("v {} {} {}", note.view, trace_clock_ns(), note.kind == NoteKind::view_entered_by_qc ? "qc" : "tc");
      break;
    case NoteKind::timeout_sent:
      trace_->line("v {} {} to", note.view, trace_clock_ns());
      break;
    default:
      break;
  }
}

}  // namespace bftsim::runner
