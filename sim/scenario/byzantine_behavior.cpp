// The names of the Byzantine behaviours, as scenarios write them.
#include "sim/scenario/byzantine_behavior.h"

#include <array>

#include <fmt/format.h>

namespace bftsim {

namespace {

constexpr std::array<std::string_view, byzantine_behavior_count> behavior_names = {
    "silent",      "equivocate",   "double_vote", "withhold_votes",     "withhold_proposals",
    "delay_proposals", "bad_signature", "forged_qc", "stale_replay",    "bad_parent",
    "flood",       "twins",        "impersonate", "uncertified_commit", "unproven_new_view",
    "junk",        "fork",         "propose_out_of_turn", "bad_sync",   "amnesia",
    "withhold_timeouts", "tail_fork", "short_qc", "forge_cert", "bad_state"};

constexpr std::array<std::string_view, 3> sync_lie_names = {"fabricated", "unlinked", "forged_justify"};
constexpr std::array<std::string_view, 3> qc_pad_names = {"none", "junk", "duplicate"};
constexpr std::array<std::string_view, 5> cert_forgery_names = {"qc_signature", "qc_duplicate", "tc_signature",
                                                                "tc_short", "tc_high_qc"};
constexpr std::array<std::string_view, 2> state_lie_names = {"made_up", "wrong_pairs"};

}  // namespace

std::string_view byzantine_behavior_name(ByzantineBehavior behavior) {
  return behavior_names[static_cast<std::size_t>(behavior)];
}

Result<ByzantineBehavior> parse_byzantine_behavior(std::string_view name) {
  for (std::size_t i = 0; i < behavior_names.size(); ++i)
    if (behavior_names[i] == name) return static_cast<ByzantineBehavior>(i);
  return make_error(ErrorCode::invalid_argument, fmt::format("unknown behavior \"{}\"", name));
}

std::string_view sync_lie_name(SyncLie lie) { return sync_lie_names[static_cast<std::size_t>(lie)]; }

std::string_view qc_pad_name(QcPad pad) { return qc_pad_names[static_cast<std::size_t>(pad)]; }

std::string_view cert_forgery_name(CertForgery forgery) {
  return cert_forgery_names[static_cast<std::size_t>(forgery)];
}

std::string_view state_lie_name(StateLie lie) { return state_lie_names[static_cast<std::size_t>(lie)]; }

}  // namespace bftsim
