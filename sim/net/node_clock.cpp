// NodeClocks (node_clock.h): local(t) = t + skew + floor((t - at) * drift_ppm
// / 1e6) while a clock fault is active, which never decreases in t because
// |drift| <= 0.5.
#include "sim/net/node_clock.h"

#include <algorithm>

#include "core/types/assert.h"

namespace bftsim {
namespace {

constexpr __int128 ppm_one_wide = 1'000'000;

// floor(a / b) for b > 0.
__int128 floor_div(__int128 a, __int128 b) {
  const __int128 q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// The clock offset gained `elapsed` ns after the fault started: elapsed * drift.
__int128 drift_gain(const ClockFault& fault, __int128 elapsed) { return floor_div(elapsed * fault.drift_ppm, ppm_one_wide); }

}  // namespace

void NodeClocks::set(std::size_t fault_id, const ClockFault& fault) {
  BFTSIM_ASSERT(fault.replica < active_.size());
  BFTSIM_ASSERT(fault.drift_ppm >= -clock_drift_ppm_max && fault.drift_ppm <= clock_drift_ppm_max);
  active_[fault.replica][fault_id] = fault;
}

void NodeClocks::clear(std::size_t fault_id, ReplicaIndex replica) {
  BFTSIM_ASSERT(replica < active_.size());
  active_[replica].erase(fault_id);
}

const ClockFault* NodeClocks::current(ReplicaIndex replica) const {
  BFTSIM_ASSERT(replica < active_.size());
  const auto& faults = active_[replica];
  return faults.empty() ? nullptr : &faults.rbegin()->second;
}

Instant NodeClocks::local(ReplicaIndex replica, Instant now) const {
  const ClockFault* fault = current(replica);
  if (fault == nullptr) return now;
  BFTSIM_ASSERT(now >= fault->at);
  const __int128 raw = static_cast<__int128>(now) + fault->skew + drift_gain(*fault, now - fault->at);
  return static_cast<Instant>(std::max<__int128>(raw, 0));
}

Instant NodeClocks::real_time_of(ReplicaIndex replica, Instant local_deadline, Instant now) const {
  const ClockFault* fault = current(replica);
  if (fault == nullptr) return std::max(local_deadline, now);
  if (local_deadline <= local(replica, now)) return now;
  // Smallest x = t - at with x + drift_gain(x) >= local_deadline - at - skew:
  // start from the exact real-valued solution and step to the integer one
  // (the gain is monotone, so at most a step or two either way).
  const __int128 needed = static_cast<__int128>(local_deadline) - fault->at - fault->skew;
  const auto reaches = [&](__int128 x) { return x + drift_gain(*fault, x) >= needed; };
  __int128 x = floor_div(needed * ppm_one_wide, ppm_one_wide + fault->drift_ppm);
  while (!reaches(x)) ++x;
  while (reaches(x - 1)) --x;
  const __int128 real = static_cast<__int128>(fault->at) + x;
  BFTSIM_ASSERT(real > now);  // the clock reads below the deadline now and never runs backwards
  return static_cast<Instant>(real);
}

}  // namespace bftsim
