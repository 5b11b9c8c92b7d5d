// Explains a violation from the trace of the run that showed it, for
// bisect's violation.txt: what broke in words, then the causal chain of
// messages behind it. For a commit conflict (agreement, state_agreement,
// chain) that is, for each block involved: its proposal (who sent it to
// whom, when, on which certificate), the votes for it, the certificate that
// formed from them (the QC a child proposal carries, and its signers), the
// child and grandchild that complete its three-chain, and who committed it.
// For double_vote, the proposals of the view the replica voted twice in; for
// liveness, the last commit and the view changes after it. Reads only the
// trace records (trace_records.h) and the Violation.
#pragma once

#include <string>
#include <vector>

#include "sim/check/violation.h"
#include "sim/harness/trace_records.h"

namespace bftsim {

// A plain-words line for a check name ("agreement": "two honest replicas
// committed different blocks at one height").
std::string check_meaning(const std::string& check);

std::string explain_violation(const Violation& violation, const std::vector<TraceRecord>& trace);

}  // namespace bftsim
