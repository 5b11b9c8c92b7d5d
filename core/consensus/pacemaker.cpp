#include "core/consensus/pacemaker.h"

#include <algorithm>
#include <utility>

#include "core/types/assert.h"

namespace bftsim {

Pacemaker::Pacemaker(const ReplicaConfig& config, std::uint32_t quorum)
    : view_timeout_(config.view_timeout),
      timeout_multiplier_(config.timeout_multiplier),
      view_timeout_max_(config.view_timeout_max),
      backoff_reset_(config.backoff_reset),
      join_size_(config.faulty_max + 1),
      quorum_(quorum),
      replica_count_(config.replica_count),
      view_window_max_(config.view_window_max) {
  BFTSIM_ASSERT(view_timeout_ > 0 && view_timeout_ <= view_timeout_max_);
  BFTSIM_ASSERT(timeout_multiplier_ >= 1.0);
  BFTSIM_ASSERT(join_size_ <= quorum_ && quorum_ <= replica_count_);
}

Duration Pacemaker::current_view_timeout() const {
  // Multiply step by step (no pow): the same doubles on every platform, and
  // the loop stops at the cap, so a long run of failed views costs nothing.
  double timeout = static_cast<double>(view_timeout_);
  const auto max = static_cast<double>(view_timeout_max_);
  for (std::uint32_t i = 0; i < failed_view_count_ && timeout < max; ++i)
    timeout *= timeout_multiplier_;
  return static_cast<Duration>(std::min(timeout, max));
}

void Pacemaker::enter_view(View view, std::optional<TimeoutCert> tc) {
  BFTSIM_ASSERT(view > view_);
  BFTSIM_ASSERT(!tc || tc->view + 1 == view);
  if (tc) {
    ++failed_view_count_;
  } else if (backoff_reset_ == BackoffReset::qc) {
    failed_view_count_ = 0;  // the view before this one certified a block
  }
  view_ = view;
  timed_out_in_view_ = false;
  entry_tc_ = std::move(tc);
  timeouts_.erase(timeouts_.begin(), timeouts_.lower_bound(view_));
}

void Pacemaker::arm_view_timer(Instant now, Effects& out) {
  view_deadline_ = now + current_view_timeout();
  out.push_back(SetTimerEffect{TimerKind::view, view_deadline_});
}

bool Pacemaker::give_up_view() {
  if (timed_out_in_view_) return false;
  timed_out_in_view_ = true;
  return true;
}

bool Pacemaker::has_timeout(View view, ReplicaIndex sender) const {
  auto it = timeouts_.find(view);
  return it != timeouts_.end() && it->second.contains(sender);
}

Pacemaker::Collected Pacemaker::collect_timeout(const Timeout& timeout) {
  Collected collected;
  if (timeout.view < view_) return collected;
  auto& by_sender = timeouts_[timeout.view];
  by_sender.emplace(timeout.sender, timeout);
  // f+1 timeouts include an honest one: join them rather than wait (Bracha).
  // The caller's own timeout comes back here and may complete the TC.
  if (timeout.view == view_ && !timed_out_in_view_ && by_sender.size() >= join_size_) {
    collected.join = true;
    return collected;
  }
  if (by_sender.size() != quorum_) return collected;
  // The TC carries the highest high_qc its timeouts name, so the next leader
  // extends the newest certified block any of the quorum knew.
  TimeoutCert tc{timeout.view, {}, {}};
  for (const auto& [sender, entry] : by_sender) {
    tc.signatures.edit().push_back({sender, entry.high_qc.view, entry.signature});
    if (entry.high_qc.view >= tc.high_qc.view) tc.high_qc = entry.high_qc;
  }
  collected.timeout_cert = std::move(tc);
  return collected;
}

void Pacemaker::check_invariants() const {
  // Each TC entry raised the view; QC entries and commits only reset the count.
  BFTSIM_ASSERT(failed_view_count_ <= view_);
  BFTSIM_ASSERT(view_ == 0 || view_deadline_ > 0);
  BFTSIM_ASSERT(!entry_tc_ || entry_tc_->view + 1 == view_);
  BFTSIM_ASSERT(!timed_out_in_view_ || view_ > 0);
  // Earlier views are forgotten on entry; later ones arrive within the window.
  for (const auto& [view, by_sender] : timeouts_) {
    BFTSIM_ASSERT(view >= view_ && view <= view_ + view_window_max_);
    BFTSIM_ASSERT(!by_sender.empty() && by_sender.size() <= replica_count_);
  }
}

}  // namespace bftsim
