// The virtual network: every message between endpoints (replicas, then
// clients) passes here as encoded bytes. Each directed link draws its loss,
// duplication, reordering and delay from its own named stream
// ("net/link/<from>-><to>"), the same five draws per message whatever happens
// to it, so a fault on one link, or in one window, never shifts another
// link's or a later message's draws. The simulation's fault schedule switches
// partitions, one-way cuts, per-link overrides and clogs on and off by fault
// id; they apply between replicas only, and each acts only on the messages
// its filter matches (link_rules.h). A partition that places a twin's
// instances decides per instance (placed_reach). A partition or cut that
// starts also drops what is already on the wire across it (unless in_flight:
// deliver): each send gets a sequence number, and the simulation asks at
// delivery whether such a fault started after the message left.
// Single-threaded, like the whole simulator.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/protocol/messages.h"
#include "core/types/assert.h"
#include "sim/net/link_rules.h"
#include "sim/net/link_table.h"
#include "sim/rng.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

using EndpointIndex = std::uint32_t;

// The delays of a message's delivered copies: one, or two when duplicated.
// Fixed storage, not a vector: a route per send must not allocate.
class CopyDelays {
 public:
  void push_back(Duration delay) {
    BFTSIM_ASSERT(count_ < delays_.size());
    delays_[count_++] = delay;
  }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const Duration* begin() const { return delays_.data(); }
  const Duration* end() const { return delays_.data() + count_; }
  Duration front() const { return (*this)[0]; }
  Duration operator[](std::size_t i) const {
    BFTSIM_ASSERT(i < count_);
    return delays_[i];
  }
  friend bool operator==(const CopyDelays& a, const std::vector<Duration>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const CopyDelays& a, const CopyDelays& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::array<Duration, 2> delays_{};
  std::uint8_t count_ = 0;
};

// What happens to one message on one link.
struct LinkOutcome {
  bool lost = false;             // loss, a partition, a cut
  bool held = false;             // clogged: each delay includes the wait until the clog ends
  CopyDelays delays;  // one per delivered copy (2 when duplicated)
  std::uint64_t sequence = 0;    // this send's number, for dropped_in_flight
  // Held by a view-keyed clog (this fault id) until it ends: the caller keeps
  // the message and sends each copy then with release_delay(). `delays`
  // still counts the copies.
  std::optional<std::size_t> held_by_view_clog;
};

class VirtualNetwork {
 public:
  VirtualNetwork(const NetworkConfig& config, std::uint64_t run_seed, std::uint32_t replica_count);

  // The fate of a message sent from -> to at `now`. Loss and duplication
  // compare one draw each against the link's probability (a link fault's
  // when one is active, else the network's), so an override changes which
  // messages are lost but not the link's stream. A latency override draws
  // its two delays from "net/link/<from>-><to>/override". On a clogged link
  // a message that is not lost is held until the clog ends and then leaves
  // with a fresh latency draw from "net/link/<from>-><to>/release"; draws
  // are in sending order, so held messages leave in the order sent.
  // With a bandwidth (the network's, or an active link fault's), the link
  // first transmits the `size_bytes` of each message in sending order, one
  // at a time, so every delay also includes the wait for the bytes before
  // it and its own size / bandwidth; a clog then holds what leaves the
  // transmitter before it ends. Every message sent occupies the link,
  // whatever happens to it on the way.
  // A fault whose filter (types, views) does not match `tag` is skipped.
  // Requires: from != to.
  LinkOutcome route(EndpointIndex from, EndpointIndex to, Instant now, std::size_t size_bytes = 0,
                    const MessageTag& tag = {});

  // How long `size_bytes` take at `bandwidth` (bytes per period), rounded up.
  static Duration transmit_time(std::size_t size_bytes, const Rate& bandwidth);

  // With in_flight == drop, the messages on the wire across the new
  // partition or cut are lost too (dropped_in_flight).
  void set_partition(std::size_t fault_id, const PartitionFault& fault);
  void set_partition(std::size_t fault_id, std::vector<std::vector<ReplicaIndex>> groups,
                     InFlight in_flight = InFlight::drop) {
    set_partition(fault_id, PartitionFault{.groups = std::move(groups), .in_flight = in_flight});
  }
  void clear_partition(std::size_t fault_id);
  void set_cut(std::size_t fault_id, const CutFault& fault);
  void set_cut(std::size_t fault_id, ReplicaIndex from, ReplicaIndex to, InFlight in_flight = InFlight::drop) {
    set_cut(fault_id, CutFault{.from = from, .to = to, .in_flight = in_flight});
  }
  void clear_cut(std::size_t fault_id);
  // Overlapping link faults: for each value the highest fault id wins.
  void set_link_fault(std::size_t fault_id, const LinkFault& fault);
  void clear_link_fault(std::size_t fault_id);
  // Requires: fault.until > fault.at, or a view-keyed fault.
  void set_clog(std::size_t fault_id, const ClogFault& fault);
  void clear_clog(std::size_t fault_id);
  // A fresh latency for a message a view-keyed clog held, from the link's
  // release stream (as a time-keyed clog's).
  Duration release_delay(EndpointIndex from, EndpointIndex to);

  // By a cut, or a partition that places neither end as a twin, whose filter
  // matches `tag`.
  bool blocked(EndpointIndex from, EndpointIndex to, const MessageTag& tag = {}) const;
  // Whether instance `from_instance` of `from` reaches instance `to_instance`
  // of `to` under the active partitions that match `tag` and place `from` or
  // `to` as a twin (both ends in one group in each); none when no such
  // partition is active, and the simulation's fixed twin halves apply.
  std::optional<bool> placed_reach(EndpointIndex from, std::uint8_t from_instance, EndpointIndex to,
                                   std::uint8_t to_instance, const MessageTag& tag) const;
  // Whether the message sent from -> to as `sequence` (LinkOutcome), arriving
  // now, was on the wire when a partition or cut across it (matching `tag`;
  // for a partition that places a twin, across the two instances' groups)
  // started with in_flight: drop. Such a message is lost even if the fault
  // has healed since. Cost: a binary search plus the faults started since it
  // was sent.
  bool dropped_in_flight(EndpointIndex from, EndpointIndex to, std::uint64_t sequence, const MessageTag& tag = {},
                         std::uint8_t from_instance = 0, std::uint8_t to_instance = 0) const;
  // A partition, cut or clog is active (for naming a view change's cause).
  bool partition_active() const {
    return !partitions_.empty() || !cuts_.empty() || !clogs_.empty() || !view_clogs_.empty();
  }
  // Messages may be lost: the network's loss, or an active link fault's.
  bool lossy() const;
  // The latest end of the time-keyed clogs active on from -> to that match
  // `tag`, if any.
  std::optional<Instant> clogged_until(EndpointIndex from, EndpointIndex to, const MessageTag& tag = {}) const;

  // A draw from the network's latency distribution, or from `latency`.
  Duration sample_latency(Rng& rng) const { return sample_latency(rng, config_.latency); }
  static Duration sample_latency(Rng& rng, const LatencyDistribution& latency);

 private:
  using Link = std::pair<EndpointIndex, EndpointIndex>;

  // The link's values now: the network's, with active link faults on top.
  struct LinkSettings {
    std::uint32_t loss_ppm = 0;
    std::uint32_t duplicate_ppm = 0;
    const LatencyDistribution* latency_override = nullptr;  // points into link_faults_
    std::optional<Rate> bandwidth;
  };
  LinkSettings link_settings(EndpointIndex from, EndpointIndex to, const MessageTag& tag) const;
  // Whether `layout` separates the two ends (per instance for a placed twin).
  static bool across(const PartitionLayout& layout, EndpointIndex from, std::uint8_t from_instance, EndpointIndex to,
                     std::uint8_t to_instance);
  Rng& stream(LinkTable<Rng>& streams, EndpointIndex from, EndpointIndex to, const char* suffix);

  NetworkConfig config_;
  std::uint64_t run_seed_;
  std::uint32_t replica_count_;
  LinkTable<Rng> links_;             // "net/link/<from>-><to>"
  LinkTable<Rng> override_streams_;  // ".../override"
  LinkTable<Rng> release_streams_;   // ".../release"
  LinkTable<Instant> transmitting_until_;  // with a bandwidth: when the link's last bytes leave
  std::map<std::size_t, PartitionLayout> partitions_;  // active, by fault id
  std::map<std::size_t, CutFault> cuts_;
  std::map<std::size_t, LinkFault> link_faults_;
  std::map<std::size_t, ClogFault> clogs_;       // time-keyed: held until their `until`
  std::map<std::size_t, ClogFault> view_clogs_;  // view-keyed: held until cleared
  // The start of each partition or cut that drops what is in flight, in
  // start order: sends numbered below `sequence` were already on the wire.
  struct InFlightCut {
    std::uint64_t sequence = 0;
    std::optional<PartitionLayout> partition;  // a partition's layout; none for a cut
    ReplicaIndex from = 0;                     // a cut's ends
    ReplicaIndex to = 0;
    MessageFilter filter;                      // a cut's (a partition's is in its layout)
  };
  std::vector<InFlightCut> in_flight_cuts_;
  std::uint64_t send_count_ = 0;  // the next send's sequence number
};

}  // namespace bftsim
