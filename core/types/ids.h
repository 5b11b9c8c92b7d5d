// Identifiers and time for the protocol core. Time is integer nanoseconds:
// virtual time since the start of a run in the simulator, wall time since the
// node started in bft-node. core/ never reads a clock; time is an argument.
#pragma once

#include <cstdint>

namespace bftsim {

using ReplicaIndex = std::uint32_t;  // 0 .. replica_count-1
using ClientId = std::uint64_t;
using RequestNumber = std::uint64_t;  // per client, starts at 1
using View = std::uint64_t;
using Height = std::uint64_t;

using Instant = std::int64_t;   // ns since the start of the run
using Duration = std::int64_t;  // ns

inline constexpr Duration ns_per_us = 1'000;
inline constexpr Duration ns_per_ms = 1'000'000;
inline constexpr Duration ns_per_s = 1'000'000'000;

// The largest n the protocol and the codec accept (the simulator runs
// n = 1000; bench/scale.sh).
inline constexpr std::uint32_t replica_count_max = 1024;

}  // namespace bftsim
