// Simulation::Impl's observers: the online safety checkers see every vote,
// commit, reply and recovery; the first violation stops the run with the
// events that led to it; commits and notes fill the commit and view-change
// rows; after the loop, finish() runs the end-of-run checks and verdicts.
#include <algorithm>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "sim/simulation_impl.h"

namespace bftsim {

void Simulation::Impl::remember(const Event& event) {
  recent_events_.push_back({event_index_, now_, event.kind, event.from, event.to, event.arg});
  if (recent_events_.size() > 256) recent_events_.pop_front();
}

// Records the first safety violation, stamped with this event and the last
// events that touched its replicas.
void Simulation::Impl::violate(std::optional<Violation> violation) {
  if (!violation || report_.safety_violation) return;
  violation->event_index = event_index_;
  violation->at = now_;
  for (auto it = recent_events_.rbegin(); it != recent_events_.rend() && violation->context.size() < 12; ++it) {
    const bool touches = violation->replicas.empty() ||
                         std::any_of(violation->replicas.begin(), violation->replicas.end(),
                                     [&](ReplicaIndex r) { return it->from == r || it->to == r; });
    if (!touches) continue;
    const bool message = it->kind == EventKind::deliver;
    violation->context.push_back(fmt::format(
        "event {} t={}ns {} {}->{}{}", it->index, it->at, event_kind_name(it->kind), it->from, it->to,
        message ? fmt::format(" {}", message_type_name(static_cast<MessageType>(it->arg))) : std::string()));
  }
  report_.safety_violation = std::move(violation);
}

// No honest replica votes for two blocks in one view or passes on a certificate no quorum signed.
void Simulation::Impl::check_honest_send(ReplicaIndex replica, const Message& message) {
  if (const auto* vote = std::get_if<Vote>(&message))
    for (auto& checker : checkers_) violate(checker->on_vote(replica, *vote));
  for (auto& checker : checkers_) violate(checker->on_send(replica, message));
}

void Simulation::Impl::on_commit(ReplicaIndex replica, const CommittedBlock& commit) {
  const Height decided_before = agreement_->decided_height();
  const CommitObservation observation{replica,          commit.height,        commit.block_hash,
                                      commit.block->parent_hash, commit.state_digest, commit.block->batch,
                                      event_index_,     now_};
  for (auto& checker : checkers_) violate(checker->on_commit(observation));
  CommitRow row{replica, commit.height, commit.block->view, commit.block_hash,
                commit.block->proposer, commit.block->batch.size(), std::nullopt, now_};
  if (auto it = proposed_at_.find(commit.block->view); it != proposed_at_.end())
    row.proposed_at = it->second;
  report_.commits.push_back(row);
  if (tracing()) trace(CommitRecord{replica, commit.height, commit.block->view, commit.block_hash.short_hex(),
                                     commit.block->parent_hash.short_hex()});
  if (agreement_->decided_height() > decided_before) {
    report_.committed_op_count += commit.block->batch.size();
    if (commit.block->proposer < report_.committed_blocks_by_proposer.size())
      ++report_.committed_blocks_by_proposer[commit.block->proposer];
    liveness_.on_progress(now_);
    last_progress_ = now_;
    for (auto& change : report_.view_changes)
      if (change.first_proposal && !change.first_commit) change.first_commit = now_;
  }
}

// What was wrong when `view` first timed out at honest `replica` (view_change_cause.h).
ViewChangeCause Simulation::Impl::view_change_cause(ReplicaIndex replica, View view) const {
  const ReplicaIndex leader = nodes_[replica]->replica().leader_of(view);
  ViewChangeFacts facts;
  facts.leader_crashed = crashed_[leader] || (nodes_[leader] && nodes_[leader]->stopped());
  for (const ByzantineSpec& spec : scenario_.byzantine)
    if (spec.replica == leader) facts.leader_behaviors = spec.behaviors;
  facts.partition_active = network_.partition_active();
  facts.leader_disk_slow = disks_[leader]->slow_latency().has_value();
  facts.lossy = network_.lossy();
  return classify_view_change(facts);
}

void Simulation::Impl::on_note(ReplicaIndex replica, const NoteEffect& note) {
  if (tracing()) trace(NoteRecord{replica, note.kind, note.view});
  switch (note.kind) {
    case NoteKind::proposal_sent:
      proposed_at_.emplace(note.view, now_);
      for (auto& change : report_.view_changes)
        if (change.tc_formed && !change.first_proposal && note.view > change.failed_view)
          change.first_proposal = now_;
      return;
    case NoteKind::timeout_sent:
      if (!view_change_row_.contains(note.view)) {
        view_change_row_.emplace(note.view, report_.view_changes.size());
        report_.view_changes.push_back(
            ViewChangeRow{note.view, last_progress_, now_, {}, {}, {}, view_change_cause(replica, note.view)});
      }
      return;
    case NoteKind::tc_formed:
      if (auto it = view_change_row_.find(note.view); it != view_change_row_.end()) {
        auto& change = report_.view_changes[it->second];
        if (!change.tc_formed) change.tc_formed = now_;
      }
      return;
    case NoteKind::view_entered_by_qc:
    case NoteKind::view_entered_by_tc:
      return on_view_entered(note.view);
    case NoteKind::qc_formed:
      return;
  }
}

RunReport Simulation::Impl::finish() {
  report_.end_time = report_.safety_violation || views_done_ || report_.cut_off ? now_ : scenario_.duration;
  // A view-keyed fault that never began left no window.
  for (std::size_t f = faults_.size(); f-- > 0;)
    if (fault_at_view(faults_[f]) && !view_windows_.begun(f))
      report_.faults.erase(report_.faults.begin() + static_cast<std::ptrdiff_t>(f));
  report_.event_count = event_index_;

  // What the clients observed must be explainable by one sequential KV.
  const LinearizabilityResult linearizability = check_linearizability(history_);
  if (!linearizability.linearizable) {
    report_.linearizability = "violated";
    violate(Violation{"linearizability", 0, 0, linearizability.explanation, {}, {}});
  } else if (linearizability.exhausted) {
    report_.linearizability = "unknown";
  }

  if (report_.safety_violation) {
    report_.safety = Verdict::violated;
    report_.liveness = Verdict::unchecked;
  } else if (scenario_.expect.liveness == LivenessExpectation::unchecked || report_.cut_off) {
    // A run cut off short of its end cannot say whether liveness held.
    report_.liveness = Verdict::unchecked;
  } else {
    report_.liveness_violation = liveness_.finish(report_.end_time, event_index_);
    if (!report_.liveness_violation) {
      for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
        if (crashed_[r] || !is_honest(r)) continue;
        const Height height = nodes_[r]->replica().committed_height();
        if (height < scenario_.expect.commit_height_min) {
          report_.liveness_violation = Violation{
              "commit_height_min", event_index_, report_.end_time,
              fmt::format("replica {} committed height {} < min_commits {}", r, height,
                          scenario_.expect.commit_height_min),
              {r}, {}};
          break;
        }
      }
    }
    report_.liveness = report_.liveness_violation ? Verdict::violated : Verdict::holds;
  }
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
    if (!is_honest(r)) continue;
    for (std::size_t d = 0; d < drop_reason_count; ++d)
      report_.replica_drops[d] += nodes_[r]->replica().drop_count(static_cast<DropReason>(d));
  }
  report_.decided_height = agreement_->decided_height();
  report_.requests_issued = requests_issued_;
  // An expected violation must also be the expected check's, when it names one.
  const bool safety_ok =
      (report_.safety == Verdict::holds) == (scenario_.expect.safety == SafetyExpectation::holds) &&
      (scenario_.expect.check.empty() || !report_.safety_violation ||
       report_.safety_violation->check == scenario_.expect.check);
  const bool liveness_ok =
      scenario_.expect.liveness == LivenessExpectation::unchecked ||
      (report_.liveness == Verdict::holds &&
       scenario_.expect.liveness == LivenessExpectation::holds) ||
      (report_.liveness == Verdict::violated &&
       scenario_.expect.liveness == LivenessExpectation::violated);
  // A cut-off run is judged by the cut-off (expect.cut_off), not by liveness.
  report_.as_expected = safety_ok && (report_.cut_off ? scenario_.expect.cut_off : liveness_ok && !scenario_.expect.cut_off);
  for (ReplicaIndex r = 0; r < scenario_.replica_count; ++r) {
    const SimDiskCounters& disk = disks_[r]->counters();
    StorageRow row{r, disk.syncs, disk.bytes_written, disk.crashes, disk.bit_flips, disk.torn_appends,
                   disk.full_rejections, disk.sync_delay_total, 0, 0, disks_[r]->stored_bytes(), 0};
    if (const Db* db = lsm_stores_[r] ? lsm_stores_[r]->db() : nullptr) {
      const DbStats stats = db->stats();
      row.flushes = stats.flush_count;
      row.compactions = stats.compaction_count;
    }
    if (nodes_[r]) row.states_installed = nodes_[r]->states_installed();
    report_.storage.push_back(row);
  }
  report_.trace_hash = trace_hash_.finish();
  return std::move(report_);
}

}  // namespace bftsim
