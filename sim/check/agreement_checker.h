// AgreementChecker: no two honest replicas commit different blocks at one
// height ("agreement"), each replica's log is a parent chain ("chain"), the KV
// state digest agrees at equal height ("state_agreement"), and a restarted
// replica resumes at a state the cluster decided ("recovery").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "sim/check/checker.h"

namespace bftsim {

class AgreementChecker final : public Checker {
 public:
  explicit AgreementChecker(std::uint32_t replica_count);

  std::optional<Violation> on_commit(const CommitObservation& commit) override {
    return on_commit(commit.replica, commit.height, commit.block_hash, commit.parent_hash, commit.state_digest,
                     commit.event_index, commit.at);
  }
  std::optional<Violation> on_commit(ReplicaIndex replica, Height height, const Hash32& block_hash,
                                     const Hash32& parent_hash, const Hash32& state_digest,
                                     std::uint64_t event_index, Instant at);

  // The replica restarted with an empty log and will commit from height 1 again.
  // A restarted replica resumes at what it recovered from its disk (height 0:
  // nothing). A violation when that is not what the cluster decided there.
  std::optional<Violation> on_recover(ReplicaIndex replica, Height height, const Hash32& block_hash,
                                      const Hash32& state_digest) override;

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

}  // namespace bftsim
