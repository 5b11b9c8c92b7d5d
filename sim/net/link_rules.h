// What the network's fault rules match on: a message's tag (its wire type
// and its view) against a fault's MessageFilter (`types`, `views`), and where
// each replica, and each instance of a twin, sits in a partition. Pure values;
// VirtualNetwork (network.h) keeps one per active fault.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/protocol/messages.h"
#include "sim/scenario/scenario.h"

namespace bftsim {

// What a filter sees of one message. A message without a type or a view
// (none) matches no filter that names types or views.
struct MessageTag {
  MessageTag() = default;
  // A type alone (no view) converts, so `route(..., MessageType::vote)` reads plainly.
  MessageTag(std::optional<MessageType> type_, std::optional<View> view_ = std::nullopt)  // NOLINT: implicit
      : type(type_), view(view_) {}
  MessageTag(MessageType type_, std::optional<View> view_ = std::nullopt)  // NOLINT: implicit
      : type(type_), view(view_) {}
  std::optional<MessageType> type;
  std::optional<View> view;
};

// A proposal's block view, a vote's or a timeout's view; none for the others.
std::optional<View> message_view(const Message& message);

// Whether a fault with `filter` acts on a message tagged `tag`.
bool filter_matches(const MessageFilter& filter, const MessageTag& tag);

// One partition as the network applies it: the group of every replica's
// instances (both the same for a replica not placed as a twin), which
// replicas it places as twins, and the messages it acts on.
struct PartitionLayout {
  std::vector<std::array<std::uint32_t, 2>> group_of;  // by replica, by instance
  std::vector<bool> placed;                           // by replica: listed as `<r>a`, `<r>b`
  MessageFilter filter;

  PartitionLayout(const PartitionFault& fault, std::uint32_t replica_count);
  std::uint32_t group(ReplicaIndex replica, std::uint8_t instance) const {
    return group_of[replica][instance < 2 ? instance : 0];
  }
};

}  // namespace bftsim
