// Writes a RunReport as tidy CSV files into one directory (ARCHITECTURE.md,
// "Outputs"): summary.csv, commits.csv, requests.csv, view_changes.csv,
// messages.csv and storage.csv. Times are virtual microseconds with three decimals (exact:
// the simulator counts nanoseconds), so files are byte-identical for the
// same scenario and seed. Also the short human summary `bftsim run` prints,
// with its verdict line: what did and did not go as the scenario expected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/types/result.h"
#include "sim/report/report.h"

namespace bftsim {

// Creates `directory` (and parents) if needed and writes the five files.
Status write_report_csv(const RunReport& report, const std::string& directory);

// The header and the one row of summary.csv (no trailing newline on the row).
std::string summary_csv_header();
std::string summary_csv_row(const RunReport& report);

// A few lines for a person: what ran, what it committed, the verdicts, and
// the verdict line of format_verdict.
std::string format_summary_text(const RunReport& report);

// One way a run differed from its scenario's `expect`: a violation that was
// not expected, or an expected violation that did not happen.
struct ExpectationMiss {
  std::string aspect;    // "safety", "liveness" or "cut_off" (verdict violated: cut off)
  Verdict verdict = Verdict::holds;  // what the run found
  std::string expected;  // what `expect` says: "holds" or "violated"
  std::string expected_check;  // safety: the check `expect` names (empty: any)
  std::optional<Violation> violation;  // the violation behind `verdict`, if one fired
  std::optional<CutOff> cut_off;  // aspect "cut_off": the cut-off, if the run was cut off
};

// "600001 events in the 10 ms of simulated time from 7.2 s passed
// event_rate_max 60000000 per simulated second; stopped at 7.205 s after
// 12345678 events".
std::string format_cut_off(const CutOff& cut_off);

// Every miss, safety first; empty exactly when report.as_expected. The rule is
// the one Simulation applies to set as_expected (asserted to agree).
std::vector<ExpectationMiss> expectation_misses(const RunReport& report);

// "liveness violated (expected holds)"; with `detail`, also the check and
// its message: "... (expected holds): commit_height_min: replica 2 committed ...",
// or ": no check fired" for an expected violation that did not happen. When
// `expect` names a check: "safety violated by chain (expected violated by
// agreement)".
std::string format_miss(const ExpectationMiss& miss, bool detail);

// "NOT as expected: " and each miss with its detail, on one line (no newline);
// empty when the run went as expected. What `bftsim run -q` prints.
std::string format_misses_line(const RunReport& report);

// "verdict: as expected (safety violated, as expected: agreement)" or
// "verdict: NOT as expected: liveness violated (expected holds)" (no newline).
std::string format_verdict(const RunReport& report);

// Nearest-rank percentile (0 < percent <= 100) of the completed requests'
// latency in ns; 0 when there are none.
Duration request_latency_percentile(const RunReport& report, int percent);

// summary.csv's committed_by_proposer cell: each proposer's committed block
// count, in replica order, separated by ';' (twins.csv uses it too).
std::string committed_by_proposer_cell(const RunReport& report);

}  // namespace bftsim
