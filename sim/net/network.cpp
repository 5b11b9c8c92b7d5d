#include "sim/net/network.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <string>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/distributions.h"

namespace bftsim {

namespace {
// Heavy-tailed draws (Pareto) are capped so time arithmetic cannot overflow.
constexpr Duration latency_max = 3600 * ns_per_s;
bool covers(ReplicaIndex fault_from, ReplicaIndex fault_to, bool both, EndpointIndex from, EndpointIndex to) {
  return (fault_from == from && fault_to == to) || (both && fault_from == to && fault_to == from);
}
}  // namespace

VirtualNetwork::VirtualNetwork(const NetworkConfig& config, std::uint64_t run_seed, std::uint32_t replica_count)
    : config_(config), run_seed_(run_seed), replica_count_(replica_count) {}

Rng& VirtualNetwork::stream(LinkTable<Rng>& streams, EndpointIndex from, EndpointIndex to, const char* suffix) {
  return streams.get(from, to,
                     [&] { return Rng::stream(run_seed_, fmt::format("net/link/{}->{}{}", from, to, suffix)); });
}

Duration VirtualNetwork::sample_latency(Rng& rng, const LatencyDistribution& d) {
  switch (d.kind) {
    case DistributionKind::constant: return d.value;
    case DistributionKind::uniform: return uniform_range(rng, d.min, d.max);
    case DistributionKind::exponential:
      return d.min + to_duration(exponential(rng, static_cast<double>(d.mean)), latency_max);
    case DistributionKind::normal:
      return to_duration(normal(rng, static_cast<double>(d.mean), static_cast<double>(d.stddev)), latency_max);
    case DistributionKind::lognormal:
      return to_duration(lognormal(rng, static_cast<double>(d.median), d.sigma), latency_max);
    case DistributionKind::pareto:
      return to_duration(pareto(rng, static_cast<double>(d.scale), d.shape), latency_max);
  }
  BFTSIM_ASSERT(false);
  return 0;
}

VirtualNetwork::LinkSettings VirtualNetwork::link_settings(EndpointIndex from, EndpointIndex to,
                                                          const MessageTag& tag) const {
  LinkSettings settings{
      .loss_ppm = config_.loss_ppm, .duplicate_ppm = config_.duplicate_ppm, .bandwidth = config_.bandwidth};
  for (const auto& [id, fault] : link_faults_) {  // by fault id, so the last listed wins
    if (!covers(fault.from, fault.to, fault.both, from, to) || !filter_matches(fault.filter, tag)) continue;
    if (fault.loss_ppm) settings.loss_ppm = *fault.loss_ppm;
    if (fault.duplicate_ppm) settings.duplicate_ppm = *fault.duplicate_ppm;
    if (fault.latency) settings.latency_override = &*fault.latency;
    if (fault.bandwidth) settings.bandwidth = fault.bandwidth;
  }
  return settings;
}

Duration VirtualNetwork::transmit_time(std::size_t size_bytes, const Rate& bandwidth) {
  BFTSIM_ASSERT(bandwidth.events > 0 && bandwidth.per > 0);
  const __int128 numerator = static_cast<__int128>(size_bytes) * bandwidth.per;
  const __int128 time = (numerator + bandwidth.events - 1) / bandwidth.events;
  return static_cast<Duration>(std::min<__int128>(time, latency_max));
}

LinkOutcome VirtualNetwork::route(EndpointIndex from, EndpointIndex to, Instant now, std::size_t size_bytes,
                                  const MessageTag& tag) {
  BFTSIM_ASSERT(from != to);
  const LinkSettings settings = link_settings(from, to, tag);
  BFTSIM_ASSERT(settings.loss_ppm <= ppm_max);
  BFTSIM_ASSERT(settings.duplicate_ppm <= ppm_max);
  // The link's own stream gives five draws per message whatever happens to
  // it: a partition, a loss or an override does not shift its later draws.
  // The loss and duplication draws equal chance_ppm's for the network's
  // values, so a run without link faults is unchanged.
  Rng& rng = stream(links_, from, to, "");
  const bool lost = uniform_u64(rng, ppm_max) < settings.loss_ppm;
  const bool duplicated = uniform_u64(rng, ppm_max) < settings.duplicate_ppm;
  const bool reordered = chance_ppm(rng, config_.reorder_ppm);
  Duration delay = sample_latency(rng);
  Duration duplicate_delay = sample_latency(rng);
  const LatencyDistribution& latency =
      settings.latency_override != nullptr ? *settings.latency_override : config_.latency;
  if (settings.latency_override != nullptr) {
    Rng& override_rng = stream(override_streams_, from, to, "/override");
    delay = sample_latency(override_rng, latency);
    duplicate_delay = sample_latency(override_rng, latency);
  }
  // The transmitter sends one message at a time: this one leaves once its
  // bytes and those queued before it are out.
  Instant leaves = now;
  if (settings.bandwidth) {
    Instant& busy_until = transmitting_until_.get(from, to, [] { return Instant{0}; });
    leaves = std::max(now, busy_until) + transmit_time(size_bytes, *settings.bandwidth);
    busy_until = leaves;
  }
  const std::optional<Instant> clog_end = clogged_until(from, to, tag);
  const bool held = clog_end && *clog_end > leaves;
  if (held) {
    // Sent again when the clog ends, each copy with a fresh latency.
    Rng& release_rng = stream(release_streams_, from, to, "/release");
    delay = (*clog_end - leaves) + sample_latency(release_rng, latency);
    duplicate_delay = (*clog_end - leaves) + sample_latency(release_rng, latency);
  }
  delay += leaves - now;
  duplicate_delay += leaves - now;
  LinkOutcome outcome;
  outcome.sequence = send_count_++;
  if (lost || blocked(from, to, tag)) {
    outcome.lost = true;
    return outcome;
  }
  for (const auto& [id, clog] : view_clogs_)
    if (covers(clog.from, clog.to, clog.both, from, to) && filter_matches(clog.filter, tag)) {
      outcome.held_by_view_clog = id;
      break;
    }
  outcome.held = held;
  outcome.delays.push_back(delay + (reordered ? config_.reorder_delay : 0));
  if (duplicated) outcome.delays.push_back(duplicate_delay);
  return outcome;
}

void VirtualNetwork::set_partition(std::size_t fault_id, const PartitionFault& fault) {
  PartitionLayout layout(fault, replica_count_);
  if (fault.in_flight == InFlight::drop)
    in_flight_cuts_.push_back(InFlightCut{.sequence = send_count_, .partition = layout, .filter = {}});
  partitions_.insert_or_assign(fault_id, std::move(layout));
}

void VirtualNetwork::clear_partition(std::size_t fault_id) { partitions_.erase(fault_id); }

void VirtualNetwork::set_cut(std::size_t fault_id, const CutFault& fault) {
  BFTSIM_ASSERT(fault.from < replica_count_ && fault.to < replica_count_);
  if (fault.in_flight == InFlight::drop)
    in_flight_cuts_.push_back(InFlightCut{
        .sequence = send_count_, .partition = std::nullopt, .from = fault.from, .to = fault.to, .filter = fault.filter});
  cuts_[fault_id] = fault;
}

void VirtualNetwork::clear_cut(std::size_t fault_id) { cuts_.erase(fault_id); }

void VirtualNetwork::set_link_fault(std::size_t fault_id, const LinkFault& fault) {
  BFTSIM_ASSERT(fault.from < replica_count_ && fault.to < replica_count_);
  BFTSIM_ASSERT(fault.from != fault.to);
  link_faults_[fault_id] = fault;
}

void VirtualNetwork::clear_link_fault(std::size_t fault_id) { link_faults_.erase(fault_id); }

void VirtualNetwork::set_clog(std::size_t fault_id, const ClogFault& fault) {
  BFTSIM_ASSERT(fault.from < replica_count_ && fault.to < replica_count_);
  BFTSIM_ASSERT(fault.from != fault.to);
  if (fault.at_view) {
    view_clogs_[fault_id] = fault;
    return;
  }
  BFTSIM_ASSERT(fault.until > fault.at);
  clogs_[fault_id] = fault;
}

void VirtualNetwork::clear_clog(std::size_t fault_id) {
  clogs_.erase(fault_id);
  view_clogs_.erase(fault_id);
}

Duration VirtualNetwork::release_delay(EndpointIndex from, EndpointIndex to) {
  const LinkSettings settings = link_settings(from, to, {});
  return sample_latency(stream(release_streams_, from, to, "/release"),
                        settings.latency_override != nullptr ? *settings.latency_override : config_.latency);
}

bool VirtualNetwork::across(const PartitionLayout& layout, EndpointIndex from, std::uint8_t from_instance,
                            EndpointIndex to, std::uint8_t to_instance) {
  return layout.group(from, layout.placed[from] ? from_instance : 0) !=
         layout.group(to, layout.placed[to] ? to_instance : 0);
}

bool VirtualNetwork::blocked(EndpointIndex from, EndpointIndex to, const MessageTag& tag) const {
  if (from >= replica_count_ || to >= replica_count_) return false;
  for (const auto& [id, layout] : partitions_) {
    if (layout.placed[from] || layout.placed[to] || !filter_matches(layout.filter, tag)) continue;
    if (layout.group(from, 0) != layout.group(to, 0)) return true;
  }
  for (const auto& [id, cut] : cuts_)
    if (cut.from == from && cut.to == to && filter_matches(cut.filter, tag)) return true;
  return false;
}

std::optional<bool> VirtualNetwork::placed_reach(EndpointIndex from, std::uint8_t from_instance, EndpointIndex to,
                                                 std::uint8_t to_instance, const MessageTag& tag) const {
  if (from >= replica_count_ || to >= replica_count_) return std::nullopt;
  std::optional<bool> reach;
  for (const auto& [id, layout] : partitions_) {
    if (!(layout.placed[from] || layout.placed[to]) || !filter_matches(layout.filter, tag)) continue;
    reach = reach.value_or(true) && !across(layout, from, from_instance, to, to_instance);
  }
  return reach;
}

bool VirtualNetwork::dropped_in_flight(EndpointIndex from, EndpointIndex to, std::uint64_t sequence,
                                       const MessageTag& tag, std::uint8_t from_instance,
                                       std::uint8_t to_instance) const {
  if (from >= replica_count_ || to >= replica_count_) return false;
  // The cuts started after the send: their `sequence` is above the message's.
  const auto first = std::upper_bound(in_flight_cuts_.begin(), in_flight_cuts_.end(), sequence,
                                      [](std::uint64_t s, const InFlightCut& cut) { return s < cut.sequence; });
  for (auto it = first; it != in_flight_cuts_.end(); ++it) {
    const bool cut_off = it->partition ? filter_matches(it->partition->filter, tag) &&
                                             across(*it->partition, from, from_instance, to, to_instance)
                                       : it->from == from && it->to == to && filter_matches(it->filter, tag);
    if (cut_off) return true;
  }
  return false;
}

std::optional<Instant> VirtualNetwork::clogged_until(EndpointIndex from, EndpointIndex to,
                                                     const MessageTag& tag) const {
  std::optional<Instant> until;
  for (const auto& [id, clog] : clogs_)
    if (covers(clog.from, clog.to, clog.both, from, to) && filter_matches(clog.filter, tag))
      until = std::max(until.value_or(clog.until), clog.until);
  return until;
}

bool VirtualNetwork::lossy() const {
  if (config_.loss_ppm > 0) return true;
  for (const auto& [id, fault] : link_faults_)
    if (fault.loss_ppm.value_or(0) > 0) return true;
  return false;
}

}  // namespace bftsim
