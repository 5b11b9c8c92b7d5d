// The names of the Byzantine behaviours a scenario can give a replica
// (`byzantine: [{node, behavior, ...parameters}]`) and the parameters some of
// them take; sim/actors/byzantine.h implements them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/types/ids.h"
#include "core/types/result.h"

namespace bftsim {

enum class ByzantineBehavior : std::uint8_t {
  silent,              // runs, sends nothing (crashed but connected)
  equivocate,          // as leader: one block to half the cluster, a conflicting one to the rest
  double_vote,         // votes for its block and for a conflicting hash in the same view
  withhold_votes,      // sends no votes (to `targets` only, when given)
  withhold_proposals,  // sends no proposals (to `targets` only, when given)
  delay_proposals,     // holds each proposal for 90% of the view timeout
  bad_signature,       // flips a bit in the signature of everything it signs
  forged_qc,           // proposals whose justify QC has too few signatures
  stale_replay,        // re-sends its own messages from earlier views
  bad_parent,          // proposals whose parent is not the block their QC certifies
  flood,               // many duplicate messages and block requests for unknown hashes
  twins,               // two instances with one key, each talking to half the cluster
  impersonate,         // votes that name another replica as voter, signed with its own key
  uncertified_commit,  // proposals extending an invented block under an empty QC
  unproven_new_view,   // timeouts for far-future views carrying a TC with one signature
  junk,                // undecodable frames and badly signed timeouts
  fork,                // as leader after a view change: extend a block `depth` QCs back (or the lock)
  propose_out_of_turn, // proposes in views it does not lead, on its highest QC
  bad_sync,            // answers block requests with lies (`mode`)
  amnesia,             // forgets its vote: votes again in a view, for each other block it sees
  withhold_timeouts,   // sends no timeouts (to `targets` only, when given)
  tail_fork,           // as leader: drops its predecessor's block, extends the grandparent
  short_qc,            // certifies a block with the votes it saw, one short of a quorum (`pad`)
  forge_cert,          // sends timeouts carrying a QC or TC a correct replica must refuse (`cert`)
  bad_state,           // answers state requests with a lie (`offer`): a made-up state, or wrong pairs
};
inline constexpr std::size_t byzantine_behavior_count = 25;
// A swarm's behaviour pool when it names none: the behaviours up to short_qc.
// Fixed so that the library's swarm seeds draw the same mixes as the safety
// score (docs/safety-score.md) recorded; a swarm names newer ones in `behaviors`.
inline constexpr std::size_t swarm_default_behavior_count = 23;

std::string_view byzantine_behavior_name(ByzantineBehavior behavior);
Result<ByzantineBehavior> parse_byzantine_behavior(std::string_view name);

// bad_sync's lie (YAML `mode`), for a request of block H:
//   fabricated:     a block that is not H in H's place (same parent, height
//                   and view, another batch), validly signed;
//   unlinked:       H, then made-up "ancestors" that are not its parents;
//   forged_justify: a block in H's place whose justify QC certifies its
//                   parent with one signature short of a quorum.
enum class SyncLie : std::uint8_t { fabricated, unlinked, forged_justify };
std::string_view sync_lie_name(SyncLie lie);

// How short_qc fills its quorum-1 real signatures (YAML `pad`): not at all
// (none), with one more signer under a made-up signature (junk), or with a
// second copy of one entry (duplicate).
enum class QcPad : std::uint8_t { none, junk, duplicate };
std::string_view qc_pad_name(QcPad pad);

// What forge_cert forges (YAML `cert`), each in a timeout of the view after
// the one it certifies, so a replica that accepts it moves on with it and
// passes it on (which the certificate check catches):
//   qc_signature: a QC for the block proposed in the view, with a quorum of
//                 signers of which only its own signature is real;
//   qc_duplicate: a QC for that block listing its own vote a quorum of times;
//   tc_signature: a TC of the view it is in, a quorum of timeouts, only its own signed;
//   tc_short:     a TC of a view from its own and the timeouts it received,
//                 one short of a quorum (sent as soon as it has that many);
//   tc_high_qc:   a TC of a quorum of real timeouts (its own claiming the view
//                 before) whose high QC is lower than the highest they claim.
enum class CertForgery : std::uint8_t { qc_signature, qc_duplicate, tc_signature, tc_short, tc_high_qc };
std::string_view cert_forgery_name(CertForgery forgery);

// bad_state's lie (YAML `offer`), for a state request:
//   made_up:     one height above its commit, a block nobody proposed and
//                pairs that hash to the digest it claims; only it vouches;
//   wrong_pairs: its committed block and the true state digest after it
//                (what honest replicas vouch for), with pairs that are not
//                that state (one value changed, or an invented pair when the
//                state is empty), still sorted by key.
enum class StateLie : std::uint8_t { made_up, wrong_pairs };
std::string_view state_lie_name(StateLie lie);

// fork's depth (YAML `depth: 1 | 2 | 3 | lock | hidden`): 0 means at the lock,
// fork_depth_hidden on the newest QC no proposal carried (byzantine.h).
inline constexpr std::uint32_t fork_depth_lock = 0;
inline constexpr std::uint32_t fork_depth_max = 3;
inline constexpr std::uint32_t fork_depth_hidden = 100;

// The parameters of one `byzantine` entry, each read only by the behaviours
// named beside it (the loader rejects a parameter no behaviour of the entry
// takes). The defaults are the behaviours' meaning without parameters.
struct ByzantineParams {
  std::uint32_t fork_depth = 3;            // fork: `depth`, 1..3, fork_depth_lock or fork_depth_hidden
  SyncLie sync_lie = SyncLie::fabricated;  // bad_sync: `mode`
  bool impersonate_other_block = false;    // impersonate: `vote_for: own_block | other_block`
  std::vector<ReplicaIndex> targets;       // withhold_*: `targets`, sorted (empty: every replica)
  bool equivocate_to_all = false;          // equivocate: `split: halves | all` (all: both blocks to everyone)
  bool bad_parent_grandparent = false;     // bad_parent: `parent: unknown | grandparent`
  QcPad qc_pad = QcPad::none;              // short_qc: `pad`
  CertForgery cert = CertForgery::qc_signature;  // forge_cert: `cert`
  StateLie state_lie = StateLie::made_up;         // bad_state: `offer`

  bool operator==(const ByzantineParams&) const = default;
};

}  // namespace bftsim
