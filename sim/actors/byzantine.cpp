#include "sim/actors/byzantine.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/node/executor.h"
#include "core/protocol/codec.h"
#include "core/consensus/block_tree.h"
#include "core/consensus/quorum.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"
#include "sim/distributions.h"
#include "sim/net/link_rules.h"

namespace bftsim {

namespace {

constexpr std::size_t replay_history_max = 64;
constexpr std::size_t flood_copies = 4;
constexpr std::size_t flood_fetches = 2;


Signature* signature_of(Message& message) {
  if (auto* proposal = std::get_if<Proposal>(&message)) return &proposal->signature;
  if (auto* vote = std::get_if<Vote>(&message)) return &vote->signature;
  if (auto* timeout = std::get_if<Timeout>(&message)) return &timeout->signature;
  return nullptr;
}

}  // namespace

ByzantineActor::ByzantineActor(const ReplicaConfig& config, const KeyRing& keys,
                               std::vector<ByzantineBehavior> behaviors, std::uint64_t run_seed,
                               std::uint32_t client_endpoint_base, ByzantineParams params)
    : config_(config),
      signer_(keys.signer(config.index)),
      behaviors_(byzantine_behavior_count, false),
      client_endpoint_base_(client_endpoint_base),
      params_(std::move(params)) {
  for (ByzantineBehavior behavior : behaviors) {
    const auto b = static_cast<std::size_t>(behavior);
    behaviors_[b] = true;
    if (!rngs_[b])
      rngs_[b] = Rng::stream(run_seed, fmt::format("byz/{}/{}", config.index, byzantine_behavior_name(behavior)));
  }
  const std::size_t count = has(ByzantineBehavior::twins) ? 2 : 1;
  state_machines_.resize(count);
  for (std::size_t i = 0; i < count; ++i)
    instances_.push_back(std::make_unique<Replica>(config_, keys.signer(config.index), keys.verifier()));
  voted_.resize(count);
  out_of_turn_view_.assign(count, 0);
}

bool ByzantineActor::has(ByzantineBehavior behavior) const {
  return behaviors_[static_cast<std::size_t>(behavior)];
}

Rng& ByzantineActor::rng(ByzantineBehavior behavior) {
  auto& stream = rngs_[static_cast<std::size_t>(behavior)];
  BFTSIM_ASSERT(stream.has_value());  // only a behaviour the actor has draws
  return *stream;
}

std::vector<ReplicaIndex> ByzantineActor::others() const {
  std::vector<ReplicaIndex> result;
  for (ReplicaIndex r = 0; r < config_.replica_count; ++r)
    if (r != config_.index) result.push_back(r);
  return result;
}

void ByzantineActor::start(Instant now, ByzantineOutbox& out) {
  for (std::uint8_t k = 0; k < instances_.size(); ++k) {
    effects_.clear();
    instances_[k]->start(now, effects_);
    translate(k, out);
  }
}

void ByzantineActor::on_message(std::uint8_t instance, ReplicaIndex from, const Message& message,
                                Instant now, ByzantineOutbox& out) {
  BFTSIM_ASSERT(instance < instances_.size());
  if (const auto* proposal = std::get_if<Proposal>(&message)) {
    remember_qc(proposal->block);
    remember_block(proposal->block);
  }
  if (has(ByzantineBehavior::fork) && params_.fork_depth == fork_depth_hidden) remember_claimed_qc(message);
  if (const auto* vote = std::get_if<Vote>(&message); vote != nullptr && vote->voter == from &&
                                                      has(ByzantineBehavior::short_qc))
    record_vote(*vote);
  effects_.clear();
  instances_[instance]->on_message(from, message, now, effects_);
  translate(instance, out);
  if (has(ByzantineBehavior::forge_cert) && !has(ByzantineBehavior::silent))
    forge_certificates(instance, from, &message, out);
  if (const auto* request = std::get_if<StateRequest>(&message);
      request != nullptr && has(ByzantineBehavior::bad_state) && !has(ByzantineBehavior::silent))
    answer_state_request(instance, from, *request, out);
}

void ByzantineActor::on_client_request(std::uint8_t instance, const ClientRequest& request,
                                       Instant now, ByzantineOutbox& out) {
  BFTSIM_ASSERT(instance < instances_.size());
  effects_.clear();
  instances_[instance]->on_client_request(request, now, effects_);
  translate(instance, out);
}

void ByzantineActor::on_timer(std::uint8_t instance, Instant now, ByzantineOutbox& out) {
  BFTSIM_ASSERT(instance < instances_.size());
  effects_.clear();
  instances_[instance]->on_timer(TimerKind::view, now, effects_);
  translate(instance, out);
  if (has(ByzantineBehavior::forge_cert) && !has(ByzantineBehavior::silent))
    forge_certificates(instance, config_.index, nullptr, out);
}

void ByzantineActor::translate(std::uint8_t instance, ByzantineOutbox& out) {
  // send_message may not run the inner replica, so effects_ stays stable here.
  // A leader's replica votes for its block before it proposes it; the
  // behaviours that vote for other blocks of a view need its proposals (and
  // their equivocated versions) first.
  const bool proposals_first = has(ByzantineBehavior::amnesia) || params_.impersonate_other_block ||
                               (has(ByzantineBehavior::fork) && params_.fork_depth == fork_depth_hidden);
  if (proposals_first) {
    for (const Effect& effect : effects_)
      if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect))
        if (std::holds_alternative<Proposal>(broadcast->message))
          send_message(instance, others(), broadcast->message, 0, out);
  }
  for (const Effect& effect : effects_) {
    if (const auto* send = std::get_if<SendEffect>(&effect)) {
      send_message(instance, {send->to}, send->message, 0, out);
    } else if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect)) {
      if (proposals_first && std::holds_alternative<Proposal>(broadcast->message)) continue;
      send_message(instance, others(), broadcast->message, 0, out);
    } else if (const auto* timer = std::get_if<SetTimerEffect>(&effect)) {
      // One timer per instance: the view timer. Inner replicas retry fetches
      // on it only (no quick fetch retry), as before that timer existed.
      if (timer->timer == TimerKind::view) out.timers.push_back({instance, timer->at});
    } else if (const auto* commit = std::get_if<CommitEffect>(&effect)) {
      // The inner honest replica executes what it commits and answers clients.
      const ExecutedBlock executed = execute_block(state_machines_[instance], *commit->block, config_.index);
      if (has(ByzantineBehavior::silent)) continue;
      for (const ClientReply& reply : executed.replies)
        out.sends.push_back({client_endpoint_base_ + static_cast<std::uint32_t>(reply.client - 1), instance,
                             encode_message(Message{reply}), MessageType::client_reply, 0});
    }
  }
  if (has(ByzantineBehavior::silent)) return;
  if (has(ByzantineBehavior::amnesia)) vote_again(instance, out);
  if (has(ByzantineBehavior::propose_out_of_turn)) propose_out_of_turn(instance, out);
}

void ByzantineActor::emit(std::uint8_t instance, ReplicaIndex to, const Message& message, Duration delay,
                          ByzantineOutbox& out) {
  Message copy = message;
  if (has(ByzantineBehavior::bad_signature)) {
    if (Signature* signature = signature_of(copy)) {
      corrupt(*signature);
      ++forged_count_;
    }
  }
  out.sends.push_back({to, instance, encode_message(copy), message_type(copy), delay, message_view(copy)});
}

void ByzantineActor::send_message(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                                  const Message& message, Duration delay, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::silent)) return;
  const std::size_t first_sent = out.sends.size();
  if (const auto* proposal = std::get_if<Proposal>(&message)) {
    rewrite_proposal(instance, recipients, *proposal, out);
  } else if (const auto* vote = std::get_if<Vote>(&message)) {
    rewrite_vote(instance, recipients, *vote, out);
  } else if (const auto* timeout = std::get_if<Timeout>(&message)) {
    rewrite_timeout(instance, recipients, *timeout, out);
  } else if (const auto* response = std::get_if<BlockResponse>(&message);
             response != nullptr && has(ByzantineBehavior::bad_sync)) {
    for (ReplicaIndex to : recipients) rewrite_block_response(instance, to, *response, out);
  } else {
    for (ReplicaIndex to : recipients) emit(instance, to, message, delay, out);
  }
  // Replay and flood work on what was really sent: a withheld message stays withheld.
  const std::size_t last_sent = out.sends.size();

  if (has(ByzantineBehavior::stale_replay)) {
    if (sent_history_.size() >= replay_history_max / 2) {
      // One of its own sends from the older half of its history, again, to the same peers.
      ByzantineSend old = sent_history_[uniform_u64(rng(ByzantineBehavior::stale_replay), sent_history_.size() / 2)];
      for (ReplicaIndex to : recipients) {
        old.to = to;
        old.from_instance = instance;
        old.delay = 0;
        out.sends.push_back(old);
      }
      ++forged_count_;
    }
    for (std::size_t i = first_sent; i < last_sent; ++i) {
      if (out.sends[i].type == MessageType::block_response) continue;
      sent_history_.push_back(out.sends[i]);
      if (sent_history_.size() > replay_history_max) sent_history_.pop_front();
    }
  }
  if (has(ByzantineBehavior::flood)) {
    Rng& flood_rng = rng(ByzantineBehavior::flood);
    for (std::size_t i = first_sent; i < last_sent; ++i)
      for (std::size_t copy = 0; copy < flood_copies; ++copy) out.sends.push_back(out.sends[i]);
    for (ReplicaIndex to : recipients) {
      for (std::size_t i = 0; i < flood_fetches; ++i) {
        BlockRequest request{{}, 64};
        for (auto& byte : request.block_hash.bytes) byte = static_cast<std::uint8_t>(flood_rng.next_u64());
        emit(instance, to, request, 0, out);
      }
    }
    forged_count_ += (last_sent - first_sent) * flood_copies + recipients.size() * flood_fetches;
  }
  if (has(ByzantineBehavior::junk)) {
    Rng& junk_rng = rng(ByzantineBehavior::junk);
    for (ReplicaIndex to : recipients) {
      // A frame with a plausible header and garbage after it.
      ByzantineSend junk{to, instance, {}, MessageType::vote, 0};
      junk.type = static_cast<MessageType>(1 + uniform_u64(junk_rng, message_type_count));
      junk.bytes = {wire_version, static_cast<std::uint8_t>(junk.type)};
      const auto length = uniform_u64(junk_rng, 48);
      for (std::uint64_t i = 0; i < length; ++i) junk.bytes.push_back(static_cast<std::uint8_t>(junk_rng.next_u64()));
      out.sends.push_back(std::move(junk));
      // A well-formed timeout for its current view under a random signature.
      Timeout forged{instances_[instance]->view(), config_.index, instances_[instance]->safety_state().high_qc, {}, {}};
      for (auto& byte : forged.signature.bytes) byte = static_cast<std::uint8_t>(junk_rng.next_u64());
      out.sends.push_back({to, instance, encode_message(Message{forged}), MessageType::timeout, 0});
      forged_count_ += 2;
    }
  }
}

void ByzantineActor::corrupt(Signature& signature) {
  const auto bit = uniform_u64(rng(ByzantineBehavior::bad_signature), 32 * 8);  // the first half: both kinds check it
  signature.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
}

}  // namespace bftsim
