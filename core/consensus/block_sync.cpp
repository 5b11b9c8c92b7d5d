#include "core/consensus/block_sync.h"

#include <algorithm>

#include "core/codec/limits.h"
#include "core/protocol/codec.h"
#include "core/types/assert.h"

namespace bftsim {

BlockSync::BlockSync(const ReplicaConfig& config)
    : index_(config.index),
      replica_count_(config.replica_count),
      retry_after_(config.view_timeout),
      quick_retry_after_(config.view_timeout / 2),
      quick_retries_max_(config.fetch_retry && config.replica_count >= 2 ? config.replica_count - 2 : 0),
      fetch_blocks_max_(config.fetch_blocks_max),
      block_retention_(config.block_retention) {
  BFTSIM_ASSERT(index_ < replica_count_);
}

void BlockSync::fetch(const BlockTree& tree, const Hash32& hash, ReplicaIndex hint, Instant now,
                      Effects& out, std::optional<Height> height) {
  if (tree.contains(hash)) return;
  auto it = fetching_.find(hash);
  if (it != fetching_.end()) {
    // Ask again only after a view timeout, and each time the peer after the
    // one asked last (the hint of a repeat is ignored: the retry of a fetch
    // whose first peer crashed must not ask that peer again).
    if (now - it->second.asked_at < retry_after_) return;
    return ask_next(hash, it->second, now, out);
  }
  if (fetching_.size() >= fetching_max) return;
  const ReplicaIndex peer = hint == index_ ? (hint + 1) % replica_count_ : hint;
  BlockRequest asked = request(hash);
  if (height && *height <= committed_height_) asked.above_height = 0;  // a fork: all its ancestors
  fetching_.emplace(hash, Fetch{.asked_at = now, .peer = peer, .above_height = asked.above_height});
  out.push_back(SendEffect{peer, asked});
  arm_fetch_timer(out);
}

void BlockSync::ask_next(const Hash32& hash, Fetch& fetch, Instant now, Effects& out) const {
  ReplicaIndex peer = (fetch.peer + 1) % replica_count_;
  if (peer == index_) peer = (peer + 1) % replica_count_;
  fetch.asked_at = now;
  fetch.peer = peer;
  out.push_back(SendEffect{peer, BlockRequest{hash, fetch_blocks_max_, fetch.above_height}});
}

void BlockSync::retry_fetches(const BlockTree& tree, Instant now, Effects& out) {
  // Collect first: fetch() updates the entries being walked.
  std::vector<Hash32> pending;
  for (const auto& [hash, state] : fetching_)
    if (!orphans_.contains(hash)) pending.push_back(hash);
  for (const auto& hash : pending) fetch(tree, hash, index_, now, out);
}

void BlockSync::on_fetch_timer(const BlockTree& tree, Instant now, Effects& out) {
  if (!fetch_timer_at_) return;  // none armed: a stray firing
  if (now < *fetch_timer_at_) {
    // Early: the host fired with its clock just short of the deadline. Arm it
    // again; dropped, the retries would stop for good (arm_fetch_timer arms
    // nothing while fetch_timer_at_ is set). A later arming never supersedes
    // an armed one: fetch_timer_at_ is set only while it is unset.
    out.push_back(SetTimerEffect{TimerKind::fetch, *fetch_timer_at_});
    return;
  }
  fetch_timer_at_.reset();
  for (auto& [hash, state] : fetching_) {
    if (orphans_.contains(hash) || tree.contains(hash)) continue;
    if (state.quick_retries >= quick_retries_max_ || now - state.asked_at < quick_retry_after_)
      continue;
    ++state.quick_retries;
    ask_next(hash, state, now, out);
  }
  arm_fetch_timer(out);
}

void BlockSync::arm_fetch_timer(Effects& out) {
  if (fetch_timer_at_ || quick_retry_after_ == 0) return;
  std::optional<Instant> due;
  for (const auto& [hash, state] : fetching_) {
    if (state.quick_retries >= quick_retries_max_ || orphans_.contains(hash)) continue;
    const Instant at = state.asked_at + quick_retry_after_;
    if (!due || at < *due) due = at;
  }
  if (!due) return;
  fetch_timer_at_ = due;
  out.push_back(SetTimerEffect{TimerKind::fetch, *due});
}

bool BlockSync::wait_for_parent(ReplicaIndex from, const Proposal& proposal) {
  if (waiting_proposal_count_ >= waiting_proposals_max) return false;
  waiting_proposals_[proposal.block.parent_hash].emplace_back(from, proposal);
  ++waiting_proposal_count_;
  return true;
}

std::vector<std::pair<ReplicaIndex, Proposal>> BlockSync::take_waiting(const Hash32& parent_hash) {
  auto waiting = waiting_proposals_.find(parent_hash);
  if (waiting == waiting_proposals_.end()) return {};
  auto proposals = std::move(waiting->second);
  waiting_proposals_.erase(waiting);
  waiting_proposal_count_ -= proposals.size();
  return proposals;
}

void BlockSync::on_block_request(const BlockTree& tree, ReplicaIndex from,
                                 const BlockRequest& request, Effects& out) const {
  const std::uint32_t count =
      std::min<std::uint32_t>({request.ancestor_count_max + 1, fetch_blocks_max_,
                               static_cast<std::uint32_t>(block_response_blocks_max)});
  BlockResponse response;
  const StoredBlock* current = tree.find(request.block_hash);
  // The block asked for, then its ancestors above the asker's above_height.
  while (current != nullptr && current->block->height > 0 && response.blocks.size() < count &&
         (response.blocks.empty() || current->block->height > request.above_height)) {
    response.blocks.push_back(*current->block);
    current = tree.find(current->block->parent_hash);
  }
  if (response.blocks.empty()) return;
  out.push_back(SendEffect{from, std::move(response)});
}

bool BlockSync::on_block_response(const BlockTree& tree, ReplicaIndex from,
                                  const BlockResponse& response, Instant now, Effects& out) {
  std::vector<std::pair<const Block*, Hash32>> chain;
  for (const auto& block : response.blocks) {
    const Hash32 hash = block_hash(block);
    const bool linked = chain.empty() ? fetching_.contains(hash)
                                      : hash == chain.back().first->parent_hash;
    if (!linked) break;
    chain.emplace_back(&block, hash);
  }
  if (chain.empty()) return false;
  bool brought_new = false;
  for (const auto& [block, hash] : chain) {
    if (tree.contains(hash) || orphans_.contains(hash)) continue;
    if (orphans_.size() >= orphans_max) break;
    orphans_.emplace(hash, *block);
    orphans_by_parent_.emplace(block->parent_hash, hash);
    brought_new = true;
  }
  // Only a response that brought a new block asks on: a copy of one already
  // taken (a duplicating peer, or two peers answering the same fetch) must not
  // re-ask, or each copy answered by a peer that also duplicates multiplies
  // the requests (swarm-n7 seed 119 under reputation: an event storm between
  // two twins). A parent asked less than half a view timeout ago is not asked
  // again either; the fetch timer and the view timer retry it.
  const Block& oldest = *chain.back().first;
  if (brought_new && !tree.contains(oldest.parent_hash) &&
      !orphans_.contains(oldest.parent_hash)) {
    auto asked = fetching_.find(oldest.parent_hash);
    if (asked != fetching_.end() && now - asked->second.asked_at < quick_retry_after_) return true;
    fetching_.erase(oldest.parent_hash);  // a fresh request, not a retry
    fetch(tree, oldest.parent_hash, from, now, out, oldest.height - 1);
  }
  return true;
}

BlockSync::Adopted BlockSync::adopt_orphans(BlockTree& tree) {
  Adopted adopted;
  std::vector<Hash32> ready;
  for (const auto& [parent, child] : orphans_by_parent_)
    if (tree.contains(parent)) ready.push_back(child);
  while (!ready.empty()) {
    const Hash32 hash = ready.back();
    ready.pop_back();
    auto it = orphans_.find(hash);
    if (it == orphans_.end()) continue;
    Block block = std::move(it->second);
    orphans_.erase(it);
    auto range = orphans_by_parent_.equal_range(block.parent_hash);
    for (auto link = range.first; link != range.second; ++link) {
      if (link->second == hash) {
        orphans_by_parent_.erase(link);
        break;
      }
    }
    fetching_.erase(hash);
    if (tree.contains(hash)) continue;  // it also arrived as a proposal
    const StoredBlock* parent = tree.find(block.parent_hash);
    BFTSIM_ASSERT(parent != nullptr);
    if (block.height != parent->block->height + 1 ||
        block.justify.block_hash != block.parent_hash || block.justify.view >= block.view) {
      ++adopted.bad_block_count;
      continue;
    }
    tree.insert(std::make_shared<const Block>(std::move(block)), hash);
    adopted.inserted.push_back(hash);
    auto children = orphans_by_parent_.equal_range(hash);
    for (auto child = children.first; child != children.second; ++child)
      ready.push_back(child->second);
  }
  return adopted;
}

void BlockSync::prune(BlockTree& tree, Height committed_height) const {
  if (committed_height > block_retention_) tree.prune_below(committed_height - block_retention_);
}

void BlockSync::check_invariants() const {
  BFTSIM_ASSERT(fetching_.size() <= fetching_max);
  BFTSIM_ASSERT(orphans_.size() <= orphans_max);
  // Each orphan has exactly one link from its parent; they enter and leave together.
  BFTSIM_ASSERT(orphans_by_parent_.size() == orphans_.size());
  BFTSIM_ASSERT(waiting_proposal_count_ <= waiting_proposals_max);
  std::size_t waiting_count = 0;
  for (const auto& [parent_hash, proposals] : waiting_proposals_) {
    BFTSIM_ASSERT(!proposals.empty());
    waiting_count += proposals.size();
  }
  BFTSIM_ASSERT(waiting_count == waiting_proposal_count_);
}

void BlockSync::request_state_if_behind(Height committed_height, Height seen_height, Instant now,
                                        Effects& out) {
  if (seen_height <= committed_height + block_retention_) return;
  if (state_requested_at_ && now - *state_requested_at_ < retry_after_) return;
  state_requested_at_ = now;
  ++state_request_count_;
  // Built in place: moving a temporary in draws a false -Wmaybe-uninitialized
  // from GCC 12 at -O3 about another alternative of the variant (GCC bug 80635).
  out.emplace_back(std::in_place_type<BroadcastEffect>, Message{StateRequest{committed_height}});
}

void BlockSync::on_state_installed(Height anchor_height) {
  fetching_.clear();  // what is still missing is asked for again from the new root
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    if (it->second.height > anchor_height) {
      ++it;
      continue;
    }
    auto range = orphans_by_parent_.equal_range(it->second.parent_hash);
    for (auto link = range.first; link != range.second; ++link) {
      if (link->second == it->first) {
        orphans_by_parent_.erase(link);
        break;
      }
    }
    it = orphans_.erase(it);
  }
  state_requested_at_.reset();
}

}  // namespace bftsim
