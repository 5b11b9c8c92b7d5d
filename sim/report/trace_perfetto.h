// A trace window as Chrome trace-event JSON, which ui.perfetto.dev and
// chrome://tracing open. Process 1 holds one thread (track) per replica,
// process 2 one per client. On a replica's track each view it was in is a
// slice, and each event it handled a slice nested in its view; a message is a
// flow arrow (ph s -> f) from the slice of the event that sent it to the slice
// of the event that delivered it; timeouts, certificates, proposals, commits,
// dropped sends and stopped nodes are instant events (ph i) on their track;
// faults are global instants. Virtual time has no processing time, so an
// event's slice lasts until the track's next event, at most
// perfetto_slice_ns_max: the width is only for the eye. Stale timers (which
// do nothing) are left out. The output is a pure function of the window.
#pragma once

#include <string>

#include "sim/report/trace_window.h"

namespace bftsim {

inline constexpr Duration perfetto_slice_ns_max = 10'000;

std::string perfetto_json(const TraceWindow& window);

}  // namespace bftsim
