// The space `bftsim twins` searches (after the Twins paper, Bano et al.
// 2021, and relab/hotstuff's generator): n replicas, the last t of which run
// as twin pairs, so n + t instances; for each of R views a choice of a
// leader (any replica; a twin's leader turn is both its instances') and a
// partition of the instances into at most `group_count_max` groups,
// optionally only partitions with a group that holds a quorum of distinct
// replicas (a twin's instances count once). A scenario is R such choices.
//
// Symmetry: the honest replicas are interchangeable, so are the twin pairs,
// and so are the two instances of each twin. Renaming them the same way in
// every view gives an equivalent scenario, so the space keeps one per
// equivalence class: the one whose sequence of choice codes is
// lexicographically least (canonical). Pure and deterministic; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types/ids.h"
#include "core/types/result.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

using ChoiceCode = std::uint32_t;  // one view's (leader, partition)

struct TwinsSpaceConfig {
  std::uint32_t replica_count = 4;    // n, 4..7; replicas n - t .. n - 1 are the twins
  std::uint32_t faulty_count = 1;     // f, for the quorum
  std::uint32_t twin_count = 1;       // t, 1..2 (2 is past f for n < 7: a way to see violations)
  std::uint32_t group_count_max = 2;  // 1..3 groups per view
  bool quorum_group_required = true;  // every view has a group with a quorum
};

class TwinsSpace {
 public:
  // Errors: a replica count outside 4..7, a twin count outside 1..2, a group
  // count outside 1..3.
  static Result<TwinsSpace> create(const TwinsSpaceConfig& config);

  std::uint32_t honest_count() const { return config_.replica_count - config_.twin_count; }
  std::uint32_t instance_count() const { return config_.replica_count + config_.twin_count; }
  // Choices per view: leaders x partitions.
  std::size_t choice_count() const { return partitions_.size() * config_.replica_count; }
  std::size_t partition_count() const { return partitions_.size(); }
  std::size_t symmetry_count() const { return images_.size() + 1; }  // with the identity

  ReplicaIndex leader(ChoiceCode code) const { return static_cast<ReplicaIndex>(code / partitions_.size()); }
  // The group of each instance (honest replicas 0..n-t-1, then each twin's
  // a and b) in restricted-growth form: the first instance is in group 0, and each new
  // group number is one more than the largest before it.
  const std::vector<std::uint8_t>& partition(ChoiceCode code) const { return partitions_[code % partitions_.size()]; }

  // The image of `code` under symmetry `g` (0 .. symmetry_count() - 2; the
  // identity is left out).
  ChoiceCode image(std::size_t g, ChoiceCode code) const { return images_[g][code]; }

  // Whether no renaming gives a lexicographically smaller sequence.
  bool is_canonical(const std::vector<ChoiceCode>& views) const;
  // The least sequence in the class of `views`.
  std::vector<ChoiceCode> canonical(const std::vector<ChoiceCode>& views) const;

  // The number of canonical scenarios of `view_count` views (Burnside's
  // lemma: the mean over the symmetries of the sequences each fixes), or
  // nullopt when it does not fit in 128 bits.
  std::optional<unsigned __int128> canonical_count(std::uint32_t view_count) const;

  // The first `limit` canonical scenarios of `view_count` views in
  // lexicographic order, by depth-first search that prunes a prefix as soon
  // as a renaming makes it smaller.
  std::vector<std::vector<ChoiceCode>> enumerate(std::uint32_t view_count, std::uint64_t limit) const;

  // Scenario `index` of a sample drawn from the stream "twins/sample/<index>"
  // of `seed`, then made canonical. The first view's choice is uniform; each
  // later view keeps the previous view's partition with probability 1/2 and
  // its leader with probability 1/2 (independently), and draws the rest
  // uniformly. Every scenario can come up, and runs of views under one
  // partition, which multi-view attacks such as a three-chain on each side
  // need, come up often.
  std::vector<ChoiceCode> sample(std::uint32_t view_count, std::uint64_t seed, std::uint64_t index) const;

  // "0 1 3a|2 3b" for a partition (groups in order, instances by name).
  std::string partition_text(ChoiceCode code) const;
  // The partition fault that applies the choice to the messages of `view`
  // (every twin placed by its instances).
  PartitionFault partition_fault(ChoiceCode code, View view) const;

 private:
  explicit TwinsSpace(const TwinsSpaceConfig& config) : config_(config) {}
  void build();
  // The image of `code` when honest replica i becomes honest_map[i], twin j
  // (0-based among the twins) becomes twin_map[j], with its instances swapped
  // when bit j of `swaps` is set.
  ChoiceCode apply(const std::vector<ReplicaIndex>& honest_map, const std::vector<std::uint32_t>& twin_map,
                   std::uint32_t swaps, ChoiceCode code) const;
  std::string instance_name(std::uint32_t instance) const;

  TwinsSpaceConfig config_;
  std::vector<std::vector<std::uint8_t>> partitions_;  // sorted, restricted-growth form
  std::vector<std::vector<ChoiceCode>> images_;       // by symmetry (identity left out), by code
};

// "3 3 0 1": the leaders of a scenario; "0 1 3a|2 3b;..." its partitions.
std::string leaders_text(const TwinsSpace& space, const std::vector<ChoiceCode>& views);
std::string partitions_text(const TwinsSpace& space, const std::vector<ChoiceCode>& views);

}  // namespace bftsim
