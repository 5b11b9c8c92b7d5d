// Why a view failed, in one word for view_changes.csv's `cause` column: what
// was wrong when its first honest timeout fired, most specific first. The
// simulation knows the facts (who leads the view, who is crashed, which
// faults are active); this file only names them, so the rule is in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/scenario/byzantine_behavior.h"

namespace bftsim {

enum class ViewChangeCause : std::uint8_t {
  leader_crashed,         // the view's leader was crashed or stopped
  equivocation,           // the leader is Byzantine and sends conflicting proposals (equivocate, twins, fork)
  leader_silent_or_slow,  // the leader is Byzantine and withholds, delays or never sends its proposal
  leader_byzantine,       // the leader is Byzantine in another way
  partition,              // a partition, one-way cut or clog was active
  slow_disk,              // the leader's disk was slow
  message_loss,           // the network (or a link fault) loses messages
  unknown,                // none of these: a timeout too short for the latency, or a cascade
};

struct ViewChangeFacts {
  bool leader_crashed = false;
  std::optional<std::vector<ByzantineBehavior>> leader_behaviors;  // set when the leader is Byzantine
  bool partition_active = false;
  bool leader_disk_slow = false;
  bool lossy = false;
};

ViewChangeCause classify_view_change(const ViewChangeFacts& facts);
std::string_view view_change_cause_name(ViewChangeCause cause);

}  // namespace bftsim
