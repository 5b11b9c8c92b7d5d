#include "core/node/node.h"

#include <fmt/format.h>

#include "core/node/executor.h"
#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

Node::Node(const ReplicaConfig& config, std::unique_ptr<Signer> signer,
           std::shared_ptr<const Verifier> verifier, NodeStore& store, NodeHost& host)
    : replica_(config, std::move(signer), std::move(verifier)),
      store_(store),
      host_(host),
      transfer_(config.faulty_max, config.view_timeout) {}

Status Node::start(Instant now) {
  BFTSIM_ASSERT(!started_);
  started_ = true;
  auto recovered = store_.recover();
  if (!recovered) {
    stop(recovered.error(), "recovery");
    return tl::unexpected(recovered.error());
  }
  if (recovered->safety) replica_.restore(*recovered->safety);
  state_machine_ = std::move(recovered->machine);
  if (recovered->committed) {
    replica_.restore_committed(recovered->committed->block, recovered->committed->block_hash);
    transfer_.on_committed(recovered->committed->block->height, recovered->committed->block_hash,
                           state_machine_.digest());
    if (const std::uint32_t wanted = replica_.committed_ancestors_wanted(); wanted > 0) {
      auto ancestors = store_.committed_ancestors(*recovered->committed, wanted);
      if (!ancestors) {
        stop(ancestors.error(), "recovery");
        return tl::unexpected(ancestors.error());
      }
      replica_.restore_ancestors(*ancestors);
    }
  }
  replica_.restore_blocks(std::move(recovered->blocks));
  effects_.clear();
  replica_.start(now, effects_);
  apply(effects_);
  return {};
}

void Node::on_message(ReplicaIndex from, const Message& message, Instant now) {
  on_message(from, message, now, nullptr);
}

void Node::on_message(ReplicaIndex from, const std::shared_ptr<const SharedMessage>& shared, Instant now) {
  on_message(from, shared->message(), now, shared);
}

void Node::on_message(ReplicaIndex from, const Message& message, Instant now,
                      const std::shared_ptr<const SharedMessage>& shared) {
  if (stopped()) return;
  // State transfer is the Node's: it holds the KV state.
  if (const auto* request = std::get_if<StateRequest>(&message))
    return answer_state_request(from, *request, now);
  if (const auto* response = std::get_if<StateResponse>(&message))
    return on_state_response(from, *response, now);
  effects_.clear();
  replica_.on_message(from, message, now, effects_, shared);
  apply(effects_);
}

void Node::on_timer(TimerKind timer, Instant now) {
  if (stopped()) return;
  effects_.clear();
  replica_.on_timer(timer, now, effects_);
  apply(effects_);
}

void Node::on_client_request(const ClientRequest& request, Instant now) {
  if (stopped()) return;
  effects_.clear();
  replica_.on_client_request(request, now, effects_);
  apply(effects_);
}

void Node::apply(Effects& effects) {
  // The host never calls back into the Node, so `effects` is stable here.
  for (const Effect& effect : effects) {
    if (stopped()) return;  // nothing after a failed persist may leave
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, SendEffect>) {
            host_.send(e.to, e.message);
          } else if constexpr (std::is_same_v<T, BroadcastEffect>) {
            host_.broadcast(e.message);
          } else if constexpr (std::is_same_v<T, SetTimerEffect>) {
            host_.set_timer(e.timer, e.at);
          } else if constexpr (std::is_same_v<T, PersistEffect>) {
            if (auto status = store_.persist_safety(e.state); !status)
              stop(status.error(), "persisting the safety state");
          } else if constexpr (std::is_same_v<T, StoreBlockEffect>) {
            if (auto status = store_.record_block(*e.block, e.hash); !status)
              stop(status.error(), "storing a block");
          } else if constexpr (std::is_same_v<T, CommitEffect>) {
            commit(e);
          } else if constexpr (std::is_same_v<T, NoteEffect>) {
            host_.note(e);
          }
        },
        effect);
  }
}

void Node::commit(const CommitEffect& commit) {
  ExecutedBlock executed = execute_block(state_machine_, *commit.block, replica_.index());
  if (auto status = store_.record_commit(*commit.block, commit.block_hash, state_machine_);
      !status)
    return stop(status.error(), "recording a commit");
  transfer_.on_committed(commit.height, commit.block_hash, executed.state_digest);
  host_.committed(CommittedBlock{commit.block, commit.block_hash, commit.height,
                                 executed.state_digest});
  for (const ClientReply& reply : executed.replies) host_.reply(reply);
}

void Node::answer_state_request(ReplicaIndex from, const StateRequest& request, Instant now) {
  if (replica_.committed_height() <= request.committed_height) return;  // nothing newer to offer
  if (!transfer_.should_answer(from, now)) return;
  host_.send(from, transfer_.make_response(*replica_.committed_block(), state_machine_));
}

void Node::on_state_response(ReplicaIndex from, StateResponse response, Instant now) {
  transfer_.on_response(from, std::move(response));
  auto offer = transfer_.take_installable(replica_.committed_height());
  if (!offer) return;
  // Peer data until proven otherwise: damaged reply records reject the offer
  // (checked on their own; the pairs already hashed to the vouched digest).
  if (!make_state_machine({}, offer->replies, offer->block.height)) return;
  auto block = std::make_shared<const Block>(std::move(offer->block));
  const Hash32 hash = block_hash(*block);
  auto machine = store_.install_state(*block, hash, offer->pairs, offer->replies);
  if (!machine) return stop(machine.error(), "installing a transferred state");
  state_machine_ = std::move(*machine);
  if (state_machine_.digest() != offer->state_digest)
    return stop(Error{ErrorCode::corruption, "the installed state does not have the offered digest"},
                "installing a transferred state");
  ++states_installed_;
  transfer_.on_committed(block->height, hash, offer->state_digest);
  host_.state_installed(CommittedBlock{block, hash, block->height, offer->state_digest});
  effects_.clear();
  replica_.install_state(block, hash, now, effects_);
  apply(effects_);
}

void Node::stop(const Error& error, const char* during) {
  if (stopped()) return;
  stop_reason_ = fmt::format("storage failed while {}: {}: {}", during,
                             error_code_name(error.code), error.message);
}

}  // namespace bftsim
