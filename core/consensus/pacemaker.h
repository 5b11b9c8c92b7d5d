// The pacemaker: the view a replica is in, the timer that gives up on it, and
// the timeouts that move replicas past a view whose leader failed. The timeout
// backs off exponentially, base * multiplier^k capped at view_timeout_max, with
// k the views entered by a TC since the last commit (backoff_reset: commit) or
// since the last view entered by a QC (backoff_reset: qc). f+1 timeouts for the
// current view make a replica join them; a quorum form a TC. Deterministic;
// time is always an argument.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/consensus/effects.h"
#include "core/consensus/replica_config.h"
#include "core/protocol/messages.h"

namespace bftsim {

class Pacemaker {
 public:
  Pacemaker(const ReplicaConfig& config, std::uint32_t quorum);

  View view() const { return view_; }
  // The TC this replica entered view() with; nullopt when it entered by a QC.
  const std::optional<TimeoutCert>& entry_tc() const { return entry_tc_; }
  // True once this replica gave up on view() (it sent its timeout there).
  bool timed_out_in_view() const { return timed_out_in_view_; }
  Duration current_view_timeout() const;

  // Requires: view > view(). A TC entry counts as a failed view (the backoff
  // grows); a QC entry resets the count under backoff_reset: qc. Timeouts
  // for earlier views are forgotten. The caller then arms the view timer
  // (check_invariants expects a deadline in every view).
  void enter_view(View view, std::optional<TimeoutCert> tc);
  // Sets the deadline one timeout from now and asks for the view timer.
  void arm_view_timer(Instant now, Effects& out);
  // False for a timer armed before the latest arming (superseded), or one
  // fired before its deadline.
  bool expired(Instant now) const { return now >= view_deadline_; }
  // Asks for the view timer at the current deadline again (a timer fired early).
  void rearm_view_timer(Effects& out) const {
    out.push_back(SetTimerEffect{TimerKind::view, view_deadline_});
  }
  // Records that this replica gives up on view(); true the first time.
  bool give_up_view();
  // A commit is progress under either backoff_reset: the backoff restarts
  // from the base timeout.
  void reset_backoff() { failed_view_count_ = 0; }

  bool has_timeout(View view, ReplicaIndex sender) const;

  // What a collected timeout led to: join the view change (f+1 timeouts, this
  // replica has not timed out yet), or a TC (a quorum), or nothing yet.
  struct Collected {
    bool join = false;
    std::optional<TimeoutCert> timeout_cert;
  };
  // Requires: the timeout's signature and high_qc were verified (or it is ours).
  // Timeouts for views before view() are ignored.
  Collected collect_timeout(const Timeout& timeout);

  void check_invariants() const;

 private:
  Duration view_timeout_;
  double timeout_multiplier_;
  Duration view_timeout_max_;
  BackoffReset backoff_reset_;
  std::uint32_t join_size_;  // f+1: at least one honest replica gave up
  std::uint32_t quorum_;
  std::uint32_t replica_count_;
  View view_window_max_;

  View view_ = 0;
  bool timed_out_in_view_ = false;
  std::uint32_t failed_view_count_ = 0;  // views entered by TC since the last reset
  Instant view_deadline_ = 0;
  std::optional<TimeoutCert> entry_tc_;  // the TC that let this replica enter view_
  // Timeouts by view, then sender: the current view and those just ahead.
  std::map<View, std::map<ReplicaIndex, Timeout>> timeouts_;
};

}  // namespace bftsim
