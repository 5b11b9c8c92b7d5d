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

// The half of the recipients that gets the "other" version of a message.
bool second_half(std::size_t position, std::size_t count) { return position >= (count + 1) / 2; }

Signature* signature_of(Message& message) {
  if (auto* proposal = std::get_if<Proposal>(&message)) return &proposal->signature;
  if (auto* vote = std::get_if<Vote>(&message)) return &vote->signature;
  if (auto* timeout = std::get_if<Timeout>(&message)) return &timeout->signature;
  return nullptr;
}

}  // namespace

ByzantineActor::ByzantineActor(const ReplicaConfig& config, const KeyRing& keys,
                               std::vector<ByzantineBehavior> behaviors, std::uint64_t run_seed,
                               std::uint32_t client_endpoint_base)
    : config_(config),
      signer_(keys.signer(config.index)),
      behaviors_(byzantine_behavior_count, false),
      client_endpoint_base_(client_endpoint_base) {
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
  if (const auto* proposal = std::get_if<Proposal>(&message)) remember_qc(proposal->block);
  effects_.clear();
  instances_[instance]->on_message(from, message, now, effects_);
  translate(instance, out);
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
}

void ByzantineActor::translate(std::uint8_t instance, ByzantineOutbox& out) {
  // send_message may not run the inner replica, so effects_ stays stable here.
  for (const Effect& effect : effects_) {
    if (const auto* send = std::get_if<SendEffect>(&effect)) {
      send_message(instance, {send->to}, send->message, 0, out);
    } else if (const auto* broadcast = std::get_if<BroadcastEffect>(&effect)) {
      send_message(instance, others(), broadcast->message, 0, out);
    } else if (const auto* timer = std::get_if<SetTimerEffect>(&effect)) {
      out.timers.push_back({instance, timer->at});
    } else if (const auto* commit = std::get_if<CommitEffect>(&effect)) {
      // The inner honest replica executes what it commits and answers clients.
      const ExecutedBlock executed = execute_block(state_machines_[instance], *commit->block, config_.index);
      if (has(ByzantineBehavior::silent)) continue;
      for (const ClientReply& reply : executed.replies)
        out.sends.push_back({client_endpoint_base_ + static_cast<std::uint32_t>(reply.client - 1), instance,
                             encode_message(Message{reply}), MessageType::client_reply, 0});
    }
  }
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

void ByzantineActor::remember_qc(const Block& block) {
  if (block.height == 0) return;
  seen_qcs_.emplace(block.justify.view, std::make_pair(block.justify, block.height - 1));
  while (seen_qcs_.size() > 16) seen_qcs_.erase(seen_qcs_.begin());
}

Proposal ByzantineActor::sign_proposal(Block block, std::optional<TimeoutCert> tc) const {
  Proposal proposal{std::move(block), std::move(tc), {}};
  proposal.signature = signer_->sign(signing::proposal_bytes(config_.chain_id, block_hash(proposal.block)));
  return proposal;
}

void ByzantineActor::rewrite_proposal(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                                      const Proposal& proposal, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::withhold_proposals)) return;
  const Duration delay = has(ByzantineBehavior::delay_proposals)
                             ? instances_[instance]->current_view_timeout() * 9 / 10
                             : 0;
  Proposal base = proposal;
  remember_qc(base.block);
  if (has(ByzantineBehavior::fork) && base.timeout_cert) {
    // A TC lets a leader justify with any valid QC: pick one three
    // certificates below the highest, so the block conflicts with what the
    // lock protects. Only replicas that ignore their lock vote for it.
    auto it = seen_qcs_.lower_bound(base.block.justify.view);
    for (int back = 0; back < 3 && it != seen_qcs_.begin(); ++back) --it;
    if (it != seen_qcs_.end() && it->first + 3 <= base.block.justify.view) {
      const auto& [older_qc, older_height] = it->second;
      base.block.justify = older_qc;
      base.block.parent_hash = older_qc.block_hash;
      base.block.height = older_height + 1;
      base = sign_proposal(base.block, base.timeout_cert);
      ++forged_count_;
    }
  }
  if (has(ByzantineBehavior::forged_qc) && !base.block.justify.signatures.empty()) {
    // One signature short of a quorum.
    base.block.justify.signatures.resize(quorum_size(config_.replica_count, config_.faulty_max) - 1);
    base = sign_proposal(base.block, base.timeout_cert);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::bad_parent)) {
    // The parent is not the block the justify QC certifies.
    base.block.parent_hash.bytes[0] ^= 0x01;
    base = sign_proposal(base.block, base.timeout_cert);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::uncertified_commit)) {
    // A block far ahead that claims an invented parent under an empty QC.
    Block invented = base.block;
    invented.height += 100;
    invented.justify = QuorumCert{base.block.view - 1, {}, {}};
    Rng& invent_rng = rng(ByzantineBehavior::uncertified_commit);
    for (auto& byte : invented.justify.block_hash.bytes) byte = static_cast<std::uint8_t>(invent_rng.next_u64());
    invented.parent_hash = invented.justify.block_hash;
    const Proposal fake = sign_proposal(invented, std::nullopt);
    for (ReplicaIndex to : recipients) emit(instance, to, fake, delay, out);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::equivocate) && !base.block.batch.empty()) {
    // The same slot with another batch: a different block, validly signed.
    Block other = base.block;
    other.batch.pop_back();
    const Proposal conflicting = sign_proposal(other, base.timeout_cert);
    for (std::size_t i = 0; i < recipients.size(); ++i)
      emit(instance, recipients[i], second_half(i, recipients.size()) ? conflicting : base, delay, out);
    ++forged_count_;
    return;
  }
  for (ReplicaIndex to : recipients) emit(instance, to, base, delay, out);
}

void ByzantineActor::rewrite_vote(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                                  const Vote& vote, ByzantineOutbox& out) {
  if (has(ByzantineBehavior::withhold_votes)) return;
  if (has(ByzantineBehavior::impersonate)) {
    // A vote naming the next replica as voter, signed with this replica's key.
    Vote forged = vote;
    forged.voter = (config_.index + 1) % config_.replica_count;
    forged.signature = signer_->sign(signing::vote_bytes(config_.chain_id, vote.view, vote.block_hash));
    for (ReplicaIndex to : recipients) emit(instance, to, forged, 0, out);
    ++forged_count_;
  }
  if (has(ByzantineBehavior::double_vote)) {
    Vote conflicting = vote;
    conflicting.block_hash.bytes[31] ^= 0x80;
    conflicting.signature =
        signer_->sign(signing::vote_bytes(config_.chain_id, conflicting.view, conflicting.block_hash));
    if (recipients.size() == 1) {
      // Votes to the next leader only: that leader gets both.
      emit(instance, recipients[0], vote, 0, out);
      emit(instance, recipients[0], conflicting, 0, out);
    } else {
      for (std::size_t i = 0; i < recipients.size(); ++i)
        emit(instance, recipients[i], second_half(i, recipients.size()) ? conflicting : vote, 0, out);
    }
    ++forged_count_;
    return;
  }
  for (ReplicaIndex to : recipients) emit(instance, to, vote, 0, out);
}

void ByzantineActor::rewrite_timeout(std::uint8_t instance, const std::vector<ReplicaIndex>& recipients,
                                     const Timeout& timeout, ByzantineOutbox& out) {
  for (ReplicaIndex to : recipients) emit(instance, to, timeout, 0, out);
  if (has(ByzantineBehavior::unproven_new_view)) {
    // Claims the cluster timed out up to a far view, with only its own signature.
    const View far = timeout.view + 1000;
    TimeoutCert tc{far - 1, {}, timeout.high_qc};
    tc.signatures.push_back({config_.index, timeout.high_qc.view,
                             signer_->sign(signing::timeout_bytes(config_.chain_id, far - 1,
                                                                  timeout.high_qc.view))});
    Timeout forged{far, config_.index, timeout.high_qc, tc, {}};
    forged.signature = signer_->sign(signing::timeout_bytes(config_.chain_id, far, timeout.high_qc.view));
    for (ReplicaIndex to : recipients) emit(instance, to, forged, 0, out);
    ++forged_count_;
  }
}

void ByzantineActor::corrupt(Signature& signature) {
  const auto bit = uniform_u64(rng(ByzantineBehavior::bad_signature), 32 * 8);  // the first half: both kinds check it
  signature.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
}

}  // namespace bftsim
