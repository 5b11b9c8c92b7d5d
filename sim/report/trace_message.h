// What a trace line says about one message beyond its type: the fields a
// reader needs to follow a block from proposal to votes to certificate to
// commit (views, heights, block hashes as short hex, voters, certificate
// signers). Only written when a run is traced, so it costs nothing otherwise
// and never reaches the trace hash or the CSV.
#pragma once

#include <string>

#include "core/protocol/messages.h"

namespace bftsim {

// JSON members to append inside a trace object, each starting with ',', e.g.
// `,"view":3,"block":"1f2e...","voter":2`; empty for messages without any
// (client traffic, block and state requests).
std::string trace_message_fields(const Message& message);

}  // namespace bftsim
