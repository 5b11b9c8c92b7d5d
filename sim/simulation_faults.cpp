// Simulation::Impl's fault schedule: a fault begins or ends at its time
// (fault_begin / fault_end events) or when an honest replica enters its view;
// crashes, restarts, partitions, cuts, link faults, disk faults, clock faults
// and clogs each switch here. faults.csv rows close as they end.
#include <optional>
#include <type_traits>
#include <variant>

#include "sim/disk/disk_fault_schedule.h"
#include "sim/net/fault_schedule.h"
#include "sim/simulation_impl.h"

namespace bftsim {

void Simulation::Impl::on_fault(std::size_t fault_index, bool begin) {
  const Fault& fault = faults_[fault_index];
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, CrashFault>) {
          if (!crashed_[f.replica]) crash(f.replica);
        } else if constexpr (std::is_same_v<T, RestartFault>) {
          if (!crashed_[f.replica]) return;
          // Memory is lost; the Node recovers what its disk kept, and that
          // must be a state the cluster decided.
          crashed_[f.replica] = false;
          close_crash_rows(f.replica);
          start_replica(f.replica, true);
          if (is_honest(f.replica) && !crashed_[f.replica]) {
            const Node& node = *nodes_[f.replica];
            for (auto& checker : checkers_)
              violate(checker->on_recover(f.replica, node.replica().committed_height(),
                                          node.replica().committed_hash(), node.state_machine().digest()));
          }
        } else if constexpr (std::is_same_v<T, PartitionFault>) {
          if (begin) {
            network_.set_partition(fault_index, f);
          } else {
            network_.clear_partition(fault_index);
          }
        } else if constexpr (std::is_same_v<T, CutFault>) {
          if (begin) {
            network_.set_cut(fault_index, f);
          } else {
            network_.clear_cut(fault_index);
          }
        } else if constexpr (std::is_same_v<T, LinkFault>) {
          if (begin) {
            network_.set_link_fault(fault_index, f);
          } else {
            network_.clear_link_fault(fault_index);
          }
        } else if constexpr (std::is_same_v<T, DiskFault>) {
          const auto flipped = apply_disk_fault(*disks_[f.replica], f, begin);
          if (tracing())
            for (const DiskCorruption& corruption : flipped)
              trace(DiskCorruptRecord{f.replica, corruption.path, corruption.offset});
        } else if constexpr (std::is_same_v<T, ClockFault>) {
          // The clock jumps or changes pace: each pending deadline moves.
          if (begin) {
            clocks_.set(fault_index, f);
          } else {
            clocks_.clear(fault_index, f.replica);
          }
          if (crashed_[f.replica]) return;
          for (std::uint8_t k = 0; k < timer_deadline_[f.replica].size(); ++k)
            if (const std::optional<Instant> deadline = timer_deadline_[f.replica][k]) arm_timer(f.replica, k, *deadline);
        } else if constexpr (std::is_same_v<T, ClogFault>) {
          // Held messages already know when they leave (VirtualNetwork::route),
          // except a view-keyed clog's: they leave now, each with a fresh latency.
          if (begin) {
            network_.set_clog(fault_index, f);
          } else {
            network_.clear_clog(fault_index);
            for (const Event& held : held_[fault_index])
              queue_.push(now_ + network_.release_delay(held.from, held.to), held);
            held_.erase(fault_index);
          }
        }
      },
      fault);
}

void Simulation::Impl::on_view_entered(View view) {
  for (const ViewWindows::Transition& transition : view_windows_.on_view_entered(view))
    view_fault(transition.fault_id, transition.begin);
  if (scenario_.duration_views && view >= *scenario_.duration_views) views_done_ = true;
}

// A network fault switches at once, so the sends of the step that entered the
// view already see it; a crash or restart comes right after this event, once
// the replica that entered the view has applied its effects.
void Simulation::Impl::view_fault(std::size_t fault_index, bool begin) {
  FaultRow& row = report_.faults[fault_index];  // fault_rows: one row per fault, in fault id order
  if (begin) row.start = now_;
  else row.end = now_;
  liveness_.extend_gst(now_);
  const Fault& fault = faults_[fault_index];
  if (std::holds_alternative<CrashFault>(fault) || std::holds_alternative<RestartFault>(fault)) {
    queue_.push(now_, Event{EventKind::fault_begin, 0, 0, fault_index, nullptr});
    return;
  }
  on_fault(fault_index, begin);
}

void Simulation::Impl::close_crash_rows(ReplicaIndex replica) {
  for (std::size_t f = 0; f < faults_.size(); ++f)
    if (const auto* crash = std::get_if<CrashFault>(&faults_[f]);
        crash && crash->replica == replica && !report_.faults[f].end && report_.faults[f].start <= now_ &&
        (!crash->at_view || view_windows_.begun(f)))
      report_.faults[f].end = now_;
}

}  // namespace bftsim
