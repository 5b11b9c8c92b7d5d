// What a Replica asks its driver (core/node's Node) to do. A handler appends effects to a
// caller-owned Effects vector; the driver (the simulator or bft-node) applies
// them in order. Order matters: a Persist comes before the Send or Broadcast
// of the vote or timeout that depends on it, and the driver must make it
// durable before it lets those messages leave. A StoreBlock comes before the
// Persist of a vote for its block, so the block is durable no later than the
// vote: every block a QC certifies is on the disks of the replicas that voted
// for it, and a restart of every replica does not lose it.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "core/protocol/messages.h"
#include "core/crypto/hash.h"
#include "core/types/ids.h"

namespace bftsim {

// Send to one replica (never to the sender itself).
struct SendEffect {
  ReplicaIndex to = 0;
  Message message;
};

// Send to every other replica.
struct BroadcastEffect {
  Message message;
};

// view: the pacemaker's view timer. fetch: BlockSync's quick retry of an
// unanswered fetch (armed only while a fetch is outstanding).
enum class TimerKind : std::uint8_t { view = 0, fetch = 1 };
inline constexpr std::size_t timer_kind_count = 2;

// Arm `timer` to fire at `at`, replacing any pending time of the same timer.
struct SetTimerEffect {
  TimerKind timer = TimerKind::view;
  Instant at = 0;
};

// The safety-critical state, to be made durable before later sends leave.
// A replica restarted from it never votes twice in one view.
struct SafetyState {
  View view = 0;
  View last_voted_view = 0;
  QuorumCert locked_qc;
  QuorumCert high_qc;
  auto operator<=>(const SafetyState&) const = default;
};

struct PersistEffect {
  SafetyState state;
};

// `block` entered the block tree above the committed height: keep it so a
// restarted replica finds it (Replica::restore_blocks). Durable no later than
// the next Persist; forgotten once a commit passes its height.
struct StoreBlockEffect {
  std::shared_ptr<const Block> block;
  Hash32 hash;
};

// The replica committed `block` at `height`. Commits come in height order;
// the driver (core/node) executes the batch against the KV state machine and
// answers the clients.
struct CommitEffect {
  Height height = 0;
  Hash32 block_hash;
  std::shared_ptr<const Block> block;
};

// Observations for metrics and traces; they change nothing.
enum class NoteKind : std::uint8_t {
  view_entered_by_qc = 0,
  view_entered_by_tc,
  timeout_sent,       // the view timer expired and this replica sent its timeout
  tc_formed,          // this replica assembled a TC for `view`
  proposal_sent,
  qc_formed,          // as the next leader, this replica assembled a QC for `view`
};
inline constexpr std::size_t note_kind_count = 6;
const char* note_kind_name(NoteKind kind);

struct NoteEffect {
  NoteKind kind = NoteKind::view_entered_by_qc;
  View view = 0;
};

using Effect = std::variant<SendEffect, BroadcastEffect, SetTimerEffect, PersistEffect,
                            CommitEffect, NoteEffect, StoreBlockEffect>;
using Effects = std::vector<Effect>;

inline const char* note_kind_name(NoteKind kind) {
  switch (kind) {
    case NoteKind::view_entered_by_qc: return "view_entered_by_qc";
    case NoteKind::view_entered_by_tc: return "view_entered_by_tc";
    case NoteKind::timeout_sent: return "timeout_sent";
    case NoteKind::tc_formed: return "tc_formed";
    case NoteKind::proposal_sent: return "proposal_sent";
    case NoteKind::qc_formed: return "qc_formed";
  }
  return "unknown";
}

}  // namespace bftsim
