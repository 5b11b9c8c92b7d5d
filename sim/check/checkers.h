// Online checkers fed by the simulation after every commit of an honest
// replica. AgreementChecker: no two honest replicas commit different blocks at
// one height, each replica's log is a parent chain (so logs are prefixes of
// one another), and the KV state digest agrees at equal height.
// LivenessChecker: after the last fault ends (GST), or from the start of a run
// without faults, honest commits never stall longer than the scenario's bound. IntegrityChecker: committed requests are
// ones clients sent, each applied at one height. VoteChecker: no honest
// replica votes for two blocks in one view. A violation names the check, the event
// index, the virtual time and the replicas and blocks involved.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/protocol/messages.h"
#include "core/crypto/hash.h"
#include "core/types/ids.h"

namespace bftsim {

struct Violation {
  // "agreement", "chain", "state_agreement", "integrity", "double_vote",
  // "linearizability", "liveness", "commit_height_min"
  std::string check;
  std::uint64_t event_index = 0;
  Instant at = 0;
  std::string detail;
  std::vector<ReplicaIndex> replicas;  // the replicas involved, when there are any
  std::vector<std::string> context;    // the last events that touched them
};

class AgreementChecker {
 public:
  explicit AgreementChecker(std::uint32_t replica_count);

  std::optional<Violation> on_commit(ReplicaIndex replica, Height height, const Hash32& block_hash,
                                     const Hash32& parent_hash, const Hash32& state_digest,
                                     std::uint64_t event_index, Instant at);

  // The replica restarted with an empty log and will commit from height 1 again.
  // A restarted replica resumes at what it recovered from its disk (height 0:
  // nothing). A violation when that is not what the cluster decided there.
  std::optional<Violation> on_recover(ReplicaIndex replica, Height height, const Hash32& block_hash,
                                      const Hash32& state_digest);

  // The highest height any honest replica committed.
  Height decided_height() const { return decided_.empty() ? 0 : decided_.rbegin()->first; }

 private:
  struct Decided {
    Hash32 block_hash;
    Hash32 state_digest;
    ReplicaIndex first_replica = 0;
  };
  std::map<Height, Decided> decided_;
  std::vector<Height> height_of_;    // per replica: its last committed height
  std::vector<Hash32> last_hash_of_; // per replica: its last committed block
};

class IntegrityChecker {
 public:
  // A client sent this request.
  void on_issue(const ClientRequest& request);
  // An honest replica committed `batch` at `height`.
  std::optional<Violation> on_commit(ReplicaIndex replica, Height height,
                                     const std::vector<ClientRequest>& batch);
  // An honest replica replied that it applied (client, number) at `height`.
  std::optional<Violation> on_reply(ReplicaIndex replica, const ClientReply& reply);

 private:
  std::map<std::pair<ClientId, RequestNumber>, Operation> issued_;
  std::map<std::tuple<ReplicaIndex, ClientId, RequestNumber>, Height> applied_at_;
};

class VoteChecker {
 public:
  // An honest replica sent `vote`.
  std::optional<Violation> on_vote(ReplicaIndex replica, const Vote& vote);

 private:
  std::map<std::pair<ReplicaIndex, View>, Hash32> voted_for_;
};

class LivenessChecker {
 public:
  // `gst`: when the last fault ended, or none when the run has no faults (then
  // stalls count from the start); `within`: the longest allowed stall after it.
  LivenessChecker(std::optional<Instant> gst, Duration within)
      : gst_(gst.value_or(0)), has_faults_(gst.has_value()), within_(within) {}

  // A new height was first committed by an honest replica.
  void on_progress(Instant at);
  // Checks the stall up to `end` (the end of the run).
  std::optional<Violation> finish(Instant end, std::uint64_t event_index) const;
  Instant gst() const { return gst_; }

 private:
  Instant gst_;
  bool has_faults_;  // only for the message: a run without faults has no "last fault"
  Duration within_;
  Instant last_progress_ = 0;
  Duration longest_stall_ = 0;  // after gst
  Instant longest_stall_end_ = 0;
};

}  // namespace bftsim
