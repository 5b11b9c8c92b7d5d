// Writes a RunReport as tidy CSV files into one directory (ARCHITECTURE.md,
// "Outputs"): summary.csv, commits.csv, requests.csv, view_changes.csv and
// messages.csv. Times are virtual microseconds with three decimals (exact:
// the simulator counts nanoseconds), so files are byte-identical for the
// same scenario and seed. Also the short human summary `bftsim run` prints.
#pragma once

#include <string>

#include "core/types/result.h"
#include "sim/report.h"

namespace bftsim {

// Creates `directory` (and parents) if needed and writes the five files.
Status write_report_csv(const RunReport& report, const std::string& directory);

// The header and the one row of summary.csv (no trailing newline on the row).
std::string summary_csv_header();
std::string summary_csv_row(const RunReport& report);

// A few lines for a person: what ran, what it committed, the verdicts.
std::string format_summary_text(const RunReport& report);

// Nearest-rank percentile (0 < percent <= 100) of the completed requests'
// latency in ns; 0 when there are none.
Duration request_latency_percentile(const RunReport& report, int percent);

}  // namespace bftsim
