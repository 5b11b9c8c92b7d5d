// The virtual network: every message between endpoints (replicas, then
// clients) passes here as encoded bytes. Each directed link draws its loss,
// duplication, reordering and delay from its own named stream
// ("net/link/<from>-><to>"), the same five draws per message whatever happens
// to it, so a fault on one link, or in one window, never shifts another
// link's or a later message's draws. The simulation's fault schedule switches
// partitions, one-way cuts, per-link overrides and clogs on and off by fault
// id; they apply between replicas only, and each acts only on the messages
// its filter matches (link_rules.h). A partition that places a twin's
// instances decides per instance (reaches()). Single-threaded, like the whole
// simulator.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "sim/net/link_rules.h"
#include "sim/rng.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

using EndpointIndex = std::uint32_t;

// What happens to one message on one link.
struct LinkOutcome {
  bool lost = false;             // loss, a partition, a cut
  bool held = false;             // clogged: each delay includes the wait until the clog ends
  std::vector<Duration> delays;  // one per delivered copy (2 when duplicated)
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
  // A fault whose filter does not match `tag` is skipped. Requires: from != to.
  LinkOutcome route(EndpointIndex from, EndpointIndex to, Instant now, const MessageTag& tag = {});

  void set_partition(std::size_t fault_id, const PartitionFault& fault);
  void set_partition(std::size_t fault_id, std::vector<std::vector<ReplicaIndex>> groups);
  void clear_partition(std::size_t fault_id);
  void set_cut(std::size_t fault_id, const CutFault& fault);
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

  // By a cut, or a partition that places neither end as a twin.
  bool blocked(EndpointIndex from, EndpointIndex to, const MessageTag& tag = {}) const;
  // Whether instance `from_instance` of `from` reaches instance `to_instance`
  // of `to` under the active partitions that match `tag` and place `from` or
  // `to` as a twin (both ends in one group in each); none when no such
  // partition is active, and the simulation's fixed twin halves apply.
  std::optional<bool> placed_reach(EndpointIndex from, std::uint8_t from_instance, EndpointIndex to,
                                   std::uint8_t to_instance, const MessageTag& tag) const;
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
  };
  LinkSettings link_settings(EndpointIndex from, EndpointIndex to, const MessageTag& tag) const;
  Rng& stream(std::map<Link, Rng>& streams, EndpointIndex from, EndpointIndex to, const char* suffix);

  NetworkConfig config_;
  std::uint64_t run_seed_;
  std::uint32_t replica_count_;
  std::map<Link, Rng> links_;             // "net/link/<from>-><to>"
  std::map<Link, Rng> override_streams_;  // ".../override"
  std::map<Link, Rng> release_streams_;   // ".../release"
  std::map<std::size_t, PartitionLayout> partitions_;  // active, by fault id
  std::map<std::size_t, CutFault> cuts_;
  std::map<std::size_t, LinkFault> link_faults_;
  std::map<std::size_t, ClogFault> clogs_;       // time-keyed: held until their `until`
  std::map<std::size_t, ClogFault> view_clogs_;  // view-keyed: held until cleared
};

}  // namespace bftsim
