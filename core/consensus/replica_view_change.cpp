// Views and view change: entering a view, timing out of it (Timeout, TC,
// Bracha's f+1 join), NEW-VIEW to the next leader, catching up on a QC from
// beyond the view window, and which leader this replica expects for its view.
#include "core/consensus/replica.h"

#include <algorithm>

#include "core/protocol/signing.h"

namespace bftsim {

// ---- entering a view -------------------------------------------------------

void Replica::enter_view(View view, std::optional<TimeoutCert> tc, Instant now, Effects& out) {
  const bool by_tc = tc.has_value();
  pacemaker_.enter_view(view, std::move(tc));
  new_view_due_ = config_.new_view_to_leader;
  out.push_back(NoteEffect{by_tc ? NoteKind::view_entered_by_tc : NoteKind::view_entered_by_qc,
                           view});
  // Forget collections that can no longer matter.
  votes_.prune_below(view - 1);
  proposal_seen_.erase(proposal_seen_.begin(), proposal_seen_.lower_bound(view));
  missed_proposal_.reset();
  pacemaker_.arm_view_timer(now, out);
  try_propose(now, out);
}

void Replica::send_timeout(Instant now, Effects& out) {
  if (pacemaker_.give_up_view()) {
    last_voted_view_ = std::max(last_voted_view_, view());  // no vote in a view we gave up
    persist(out);
  }
  Timeout timeout{view(), config_.index, high_qc_, {}, {}};
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (entry_tc && entry_tc->view + 1 == view()) timeout.last_tc = entry_tc;
  timeout.signature =
      signer_->sign(signing::timeout_bytes(config_.chain_id, view(), high_qc_.view));
  out.push_back(NoteEffect{NoteKind::timeout_sent, view()});
  out.push_back(BroadcastEffect{timeout});
  collect_timeout(timeout, now, out);
}

// HotStuff's NEW-VIEW: the certificate this replica entered its view by goes
// to the view's leader, which may lack it. With three live replicas of four,
// a quorum needs every live vote, so one vote lost on its way to the next
// leader would otherwise leave that leader a view timeout behind the others,
// and the view would fail (docs/case-study-liveness.md, rmw-counters seed 1).
void Replica::send_new_view(Effects& out) {
  if (!new_view_due_) return;
  new_view_due_ = false;
  const std::optional<ReplicaIndex> leader = current_leader();
  if (!leader || *leader == config_.index) return;
  NewView new_view{view(), high_qc_, std::nullopt};
  // The QC for the view before is enough; only a TC entry needs the TC.
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (high_qc_.view + 1 != view() && entry_tc) new_view.last_tc = entry_tc;
  if (high_qc_.view == 0 && !new_view.last_tc) return;  // genesis: nothing to tell
  out.push_back(SendEffect{*leader, std::move(new_view)});
}

// Holding the QC for the view before, this replica expects the leader that
// QC's block names; else the one the high_qc block of the TC it entered with
// names. nullopt when it holds neither (it entered by catching up) or cannot
// tell (leader_election.h).
std::optional<ReplicaIndex> Replica::current_leader() const {
  const bool by_qc = high_qc_.view + 1 == view();
  const std::optional<TimeoutCert>& entry_tc = pacemaker_.entry_tc();
  if (!by_qc && !(entry_tc && entry_tc->view + 1 == view())) return std::nullopt;
  const QuorumCert& anchor = by_qc ? high_qc_ : entry_tc->high_qc;
  return leaders_.leader(tree_, view(), anchor.view, anchor.block_hash);
}

ReplicaIndex Replica::leader_of(View view) const {
  if (view == this->view())
    if (const std::optional<ReplicaIndex> leader = current_leader()) return *leader;
  return leaders_.fallback(view);
}


// ---- new views ---------------------------------------------------------------

// Most NewViews bring nothing new (the leader formed the QC itself, or a
// second replica sent the same one); those cost no signature checks. A
// certificate that would move this replica is verified first.
void Replica::on_new_view(ReplicaIndex from, const NewView& new_view, Instant now, Effects& out) {
  if (new_view.high_qc.view >= new_view.view) return drop(DropReason::bad_certificate);
  if (new_view.last_tc && new_view.last_tc->view + 1 != new_view.view)
    return drop(DropReason::bad_certificate);
  const bool new_tc = new_view.last_tc && new_view.last_tc->view >= view();
  if (!new_tc && new_view.high_qc.view <= high_qc_.view) return drop(DropReason::duplicate);
  if (new_tc) {
    if (!check_tc(*new_view.last_tc)) return drop(DropReason::bad_certificate);
    process_tc(*new_view.last_tc, from, now, out);
  }
  if (new_view.high_qc.view <= high_qc_.view) return;  // the TC carried it
  if (!check_qc(new_view.high_qc)) return drop(DropReason::bad_certificate);
  process_qc(new_view.high_qc, from, now, out);
}

// ---- timeouts ----------------------------------------------------------------

void Replica::on_timeout(ReplicaIndex from, const Timeout& timeout, Instant now, Effects& out) {
  if (timeout.sender != from) return drop(DropReason::wrong_sender);
  // A TC the sender entered its view with lets a lagging replica catch up.
  if (timeout.last_tc && timeout.last_tc->view >= view()) {
    if (timeout.last_tc->view + 1 != timeout.view || !check_tc(*timeout.last_tc))
      return drop(DropReason::bad_certificate);
    process_tc(*timeout.last_tc, from, now, out);
  }
  if (timeout.view < view()) return drop(DropReason::stale_view);
  if (timeout.view > view() + config_.view_window_max) {
    catch_up(timeout.high_qc, timeout.view, from, now, out);
    return drop(DropReason::future_view);  // too far ahead to buffer
  }
  if (timeout.high_qc.view >= timeout.view) return drop(DropReason::bad_certificate);
  if (pacemaker_.has_timeout(timeout.view, timeout.sender)) return drop(DropReason::duplicate);
  if (!verifier_->verify(timeout.sender,
                         signing::timeout_bytes(config_.chain_id, timeout.view,
                                                timeout.high_qc.view),
                         timeout.signature))
    return drop(DropReason::bad_signature);
  if (!check_qc(timeout.high_qc)) return drop(DropReason::bad_certificate);
  process_qc(timeout.high_qc, from, now, out);
  collect_timeout(timeout, now, out);
}

// A message from beyond the view window is not buffered, but the QC it
// carries is a certificate on its own (2f+1 signers): a replica that was down
// for more views than the window, or fell behind, enters the QC's view
// instead of dropping everything until it times out its way forward.
void Replica::catch_up(const QuorumCert& qc, View message_view, ReplicaIndex from, Instant now,
                       Effects& out) {
  if (qc.view >= message_view || qc.view < view()) return;
  if (!check_qc(qc)) return drop(DropReason::bad_certificate);
  process_qc(qc, from, now, out);
}

void Replica::collect_timeout(const Timeout& timeout, Instant now, Effects& out) {
  Pacemaker::Collected collected = pacemaker_.collect_timeout(timeout);
  // f+1 timeouts include an honest one: join them rather than wait (Bracha).
  if (collected.join) return send_timeout(now, out);  // re-enters here with our own
  if (!collected.timeout_cert) return;
  out.push_back(NoteEffect{NoteKind::tc_formed, collected.timeout_cert->view});
  process_tc(*collected.timeout_cert, timeout.sender, now, out);
}

}  // namespace bftsim
