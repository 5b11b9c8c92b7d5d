// A trace window as a Mermaid sequence diagram of the messages among the
// replicas (clients left out): one arrow per delivered message, drawn when it
// arrives (->>), one crossed arrow per dropped send, drawn when it was sent
// (-x), and notes for view entries, timeouts, certificates, commits and
// faults. GitHub and mermaid.live render it; it suits windows of a few
// hundred events. A pure function of the window.
#pragma once

#include <string>

#include "sim/report/trace_window.h"

namespace bftsim {

std::string mermaid_diagram(const TraceWindow& window);

}  // namespace bftsim
