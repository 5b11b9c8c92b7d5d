// Tests of the Pacemaker (core/consensus/pacemaker.h): the exponential,
// capped backoff that grows with views entered by TC and resets on commit
// (backoff_reset: commit) or also on a view entered by QC (backoff_reset: qc);
// superseded timers; f+1 timeouts to join and a quorum to form a TC carrying
// the highest high_qc. Method: a pacemaker for n = 4, f = 1 driven by hand.
#include "core/consensus/pacemaker.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <variant>

namespace bftsim::test_consensus_pacemaker_test {
namespace {

ReplicaConfig config(BackoffReset reset = BackoffReset::commit) {
  ReplicaConfig result;
  result.backoff_reset = reset;
  result.view_timeout = 100;
  result.timeout_multiplier = 2.0;
  result.view_timeout_max = 500;
  return result;  // n = 4, f = 1
}

TimeoutCert tc_for(View view) { return TimeoutCert{view, {}, {}}; }

Timeout timeout(View view, ReplicaIndex sender, View high_qc_view) {
  Timeout result;
  result.view = view;
  result.sender = sender;
  result.high_qc.view = high_qc_view;
  result.high_qc.block_hash.bytes.fill(static_cast<std::uint8_t>(high_qc_view));
  return result;
}

TEST_CASE("pacemaker: the view timeout doubles per view entered by TC, capped, reset on commit") {
  // Goal: base * multiplier^k capped at view_timeout_max. Method: enter views
  // by QC (no growth) and by TC (growth), then reset as a commit does.
  Pacemaker pacemaker(config(), 3);
  Effects out;
  pacemaker.enter_view(1, std::nullopt);
  CHECK(pacemaker.current_view_timeout() == 100);
  pacemaker.enter_view(2, tc_for(1));
  CHECK(pacemaker.current_view_timeout() == 200);
  pacemaker.enter_view(3, tc_for(2));
  CHECK(pacemaker.current_view_timeout() == 400);
  pacemaker.enter_view(4, std::nullopt);  // a QC is not a failed view...
  CHECK(pacemaker.current_view_timeout() == 400);  // ...nor a commit
  pacemaker.enter_view(5, tc_for(4));
  CHECK(pacemaker.current_view_timeout() == 500);  // 800, capped
  pacemaker.arm_view_timer(1'000, out);
  REQUIRE(out.size() == 1);
  CHECK(std::get<SetTimerEffect>(out[0]).at == 1'500);
  CHECK(!pacemaker.expired(1'499));
  CHECK(pacemaker.expired(1'500));
  pacemaker.check_invariants();
  pacemaker.reset_backoff();
  CHECK(pacemaker.current_view_timeout() == 100);
}

TEST_CASE("pacemaker: with backoff_reset qc a view entered by a QC resets the backoff") {
  // Goal: the timeout grows only over consecutive views entered by TC.
  // Method: the sequence of the commit test; the QC entry into view 4 now
  // returns to the base, and the next TC entry doubles from there.
  Pacemaker pacemaker(config(BackoffReset::qc), 3);
  pacemaker.enter_view(1, std::nullopt);
  pacemaker.enter_view(2, tc_for(1));
  pacemaker.enter_view(3, tc_for(2));
  CHECK(pacemaker.current_view_timeout() == 400);
  pacemaker.enter_view(4, std::nullopt);
  CHECK(pacemaker.current_view_timeout() == 100);
  pacemaker.enter_view(5, tc_for(4));
  CHECK(pacemaker.current_view_timeout() == 200);
  Effects out;
  pacemaker.arm_view_timer(1'000, out);  // as the replica does on every entry
  pacemaker.check_invariants();
  pacemaker.reset_backoff();
  CHECK(pacemaker.current_view_timeout() == 100);
}

TEST_CASE("pacemaker: f+1 timeouts make a replica join; a quorum forms a TC with the highest high_qc") {
  // Goal: Bracha-style joining at f+1, then a TC at 2f+1 whose high_qc is the
  // highest any signer named. Method: n = 4, f = 1; timeouts from 2 and 3.
  Pacemaker pacemaker(config(), 3);
  Effects out;
  pacemaker.enter_view(7, std::nullopt);
  pacemaker.arm_view_timer(0, out);  // as the replica does on every entry
  Pacemaker::Collected first = pacemaker.collect_timeout(timeout(7, 2, 5));
  CHECK(!first.join);
  CHECK(!first.timeout_cert);
  Pacemaker::Collected second = pacemaker.collect_timeout(timeout(7, 3, 6));
  CHECK(second.join);  // f+1 = 2 and this replica has not given up yet
  CHECK(pacemaker.give_up_view());
  CHECK(!pacemaker.give_up_view());
  Pacemaker::Collected own = pacemaker.collect_timeout(timeout(7, 0, 4));
  CHECK(!own.join);
  REQUIRE(own.timeout_cert.has_value());
  CHECK(own.timeout_cert->view == 7);
  CHECK(own.timeout_cert->signatures.size() == 3);
  CHECK(own.timeout_cert->high_qc.view == 6);
  CHECK(pacemaker.has_timeout(7, 3));
  CHECK(pacemaker.collect_timeout(timeout(6, 1, 5)).timeout_cert == std::nullopt);  // stale
  pacemaker.check_invariants();
  pacemaker.enter_view(8, *own.timeout_cert);
  pacemaker.arm_view_timer(0, out);
  CHECK(!pacemaker.has_timeout(7, 3));  // forgotten with its view
  CHECK(pacemaker.entry_tc()->view == 7);
  pacemaker.check_invariants();
}

}  // namespace
}  // namespace bftsim::test_consensus_pacemaker_test
