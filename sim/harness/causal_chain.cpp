// explain_violation (causal_chain.h): indexes the trace's deliveries of
// proposals and votes and its commits by block, then walks from the blocks a
// violation names to the messages that made them.
#include "sim/harness/causal_chain.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/protocol/messages.h"

namespace bftsim {
namespace {

std::string chain_time_text(std::uint64_t ns) { return fmt::format("{:.3f}ms", static_cast<double>(ns) / 1e6); }

std::string list_text(const std::set<std::uint64_t>& values) {
  std::string out;
  for (std::uint64_t v : values) out += (out.empty() ? "" : ", ") + fmt::format("{}", v);
  return out.empty() ? "none" : out;
}

struct ProposalSeen {
  const TraceRecord* first = nullptr;  // its first delivery
  std::set<std::uint64_t> senders;     // "3" or, for a twin instance, 3 with inst
  std::set<std::uint64_t> instances;
  std::set<std::uint64_t> recipients;
};

struct VoteSeen {
  std::uint64_t first_ns = 0;
  std::set<std::uint64_t> recipients;
};

// The trace's proposals, votes and commits, by block (short hex).
class TraceIndex {
 public:
  explicit TraceIndex(const std::vector<TraceRecord>& trace) {
    for (const TraceRecord& record : trace) {
      const std::string& ev = record.text("ev");
      if (ev == "commit") {
        commits_.push_back(&record);
        continue;
      }
      if (ev != "deliver" || !record.has("block")) continue;
      const auto type = static_cast<MessageType>(record.number("arg"));
      const std::string& block = record.text("block");
      if (type == MessageType::proposal) {
        ProposalSeen& seen = proposals_[block];
        if (seen.first == nullptr) seen.first = &record;
        seen.senders.insert(record.number("from"));
        seen.instances.insert(record.number("inst"));
        seen.recipients.insert(record.number("to"));
        if (!record.text("justify_block").empty()) children_[record.text("justify_block")].insert(block);
      } else if (type == MessageType::vote) {
        VoteSeen& seen = votes_[block][record.number("voter")];
        if (seen.recipients.empty()) seen.first_ns = record.number("t_ns");
        seen.recipients.insert(record.number("to"));
      }
    }
  }

  const ProposalSeen* proposal(const std::string& block) const {
    auto it = proposals_.find(block);
    return it == proposals_.end() ? nullptr : &it->second;
  }
  // The proposed blocks whose justify QC certifies `block`.
  std::set<std::string> children(const std::string& block) const {
    auto it = children_.find(block);
    return it == children_.end() ? std::set<std::string>{} : it->second;
  }
  const std::vector<const TraceRecord*>& commits() const { return commits_; }
  const std::map<std::uint64_t, VoteSeen>* votes(const std::string& block) const {
    auto it = votes_.find(block);
    return it == votes_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, ProposalSeen> proposals_;
  std::map<std::string, std::set<std::string>> children_;
  std::map<std::string, std::map<std::uint64_t, VoteSeen>> votes_;
  std::vector<const TraceRecord*> commits_;
};

void describe_proposal(std::string& out, const TraceIndex& index, const std::string& block, const char* indent) {
  const ProposalSeen* seen = index.proposal(block);
  if (seen == nullptr) {
    out += fmt::format("{}block {}: no delivered proposal of it in the trace\n", indent, block);
    return;
  }
  const TraceRecord& p = *seen->first;
  const bool twin = seen->instances.size() > 1 || *seen->instances.begin() != 0;
  out += fmt::format("{}block {} (height {}, view {}, proposer {}{}): proposal from replica {} first delivered at {}, "
                     "to replicas {}{}\n",
                     indent, block, p.number("height"), p.number("view"), p.number("proposer"),
                     twin ? fmt::format(", twin instance {}", list_text(seen->instances)) : std::string(),
                     list_text(seen->senders), chain_time_text(p.number("t_ns")), list_text(seen->recipients),
                     p.has("tc_view") ? fmt::format(", after a TC for view {}", p.number("tc_view")) : std::string());
  out += fmt::format("{}  extends {} on a QC for view {} signed by replicas {}\n", indent, p.text("parent"),
                     p.number("justify_view"), p.text("justify_signers"));
  std::string voters;
  if (const auto* votes = index.votes(block))
    for (const auto& [voter, vote] : *votes)
      voters += fmt::format("{}replica {} ({}, to {})", voters.empty() ? "" : "; ", voter, chain_time_text(vote.first_ns),
                            list_text(vote.recipients));
  out += fmt::format("{}  votes for it delivered: {}\n", indent, voters.empty() ? "none" : voters);
}

// The QC on `block` as carried by its first child proposal, and that child.
std::optional<std::string> describe_certificate(std::string& out, const TraceIndex& index, const std::string& block,
                                                const char* indent) {
  std::optional<std::string> first_child;
  std::uint64_t first_ns = 0;
  for (const std::string& child : index.children(block)) {
    const ProposalSeen* seen = index.proposal(child);
    if (seen == nullptr) continue;
    const std::uint64_t t = seen->first->number("t_ns");
    if (!first_child || t < first_ns) {
      first_child = child;
      first_ns = t;
    }
  }
  if (!first_child) {
    // The newest certificate: formed from the votes where they arrived, not yet carried by a proposal.
    std::string voters;
    if (const auto* votes = index.votes(block))
      for (const auto& [voter, vote] : *votes)
        voters += fmt::format("{}replica {} ({}, to {})", voters.empty() ? "" : "; ", voter, chain_time_text(vote.first_ns),
                              list_text(vote.recipients));
    out += fmt::format("{}  certificate: no proposal carries a QC for it yet; votes for it delivered: {}\n", indent,
                       voters.empty() ? "none" : voters);
    return std::nullopt;
  }
  const TraceRecord& child = *index.proposal(*first_child)->first;
  out += fmt::format("{}  certificate: QC for view {} signed by replicas {}, carried by block {} (height {}, view {}) "
                     "from replica {}, first delivered at {}\n",
                     indent, child.number("justify_view"), child.text("justify_signers"), *first_child,
                     child.number("height"), child.number("view"), child.number("from"), chain_time_text(first_ns));
  return first_child;
}

void describe_block(std::string& out, const TraceIndex& index, const std::string& block) {
  describe_proposal(out, index, block, "  ");
  // The three-chain that commits it: block <- QC in child <- QC in grandchild.
  std::optional<std::string> child = describe_certificate(out, index, block, "  ");
  if (child) {
    std::optional<std::string> grandchild = describe_certificate(out, index, *child, "    ");
    if (grandchild) describe_certificate(out, index, *grandchild, "      ");
  }
  std::string committers;
  for (const TraceRecord* commit : index.commits())
    if (commit->text("block") == block)
      committers += fmt::format("{}replica {} at {}", committers.empty() ? "" : ", ", commit->number("replica"),
                                chain_time_text(commit->number("t_ns")));
  out += fmt::format("  committed by: {}\n", committers.empty() ? "no honest replica" : committers);
}

// The blocks a commit conflict names: those committed at the violating commit's height.
std::vector<std::string> conflicting_blocks(const Violation& violation, const TraceIndex& index) {
  const TraceRecord* violating = nullptr;
  for (const TraceRecord* commit : index.commits())
    if (commit->number("i") == violation.event_index) violating = commit;
  if (violating == nullptr) return {};
  std::vector<std::string> blocks;
  const auto add = [&](const std::string& block) {
    if (!block.empty() && std::find(blocks.begin(), blocks.end(), block) == blocks.end()) blocks.push_back(block);
  };
  if (violation.check == "chain") {
    add(violating->text("block"));
    const TraceRecord* previous = nullptr;  // the replica's commit before it
    for (const TraceRecord* commit : index.commits()) {
      if (commit->number("i") > violation.event_index) break;
      if (commit->number("replica") == violating->number("replica") && commit->text("block") != violating->text("block"))
        previous = commit;
    }
    if (previous != nullptr) add(previous->text("block"));
    return blocks;
  }
  const std::uint64_t height = violating->number("height");
  for (const TraceRecord* commit : index.commits())
    if (commit->number("height") == height) add(commit->text("block"));
  return blocks;
}

}  // namespace

std::string check_meaning(const std::string& check) {
  if (check == "agreement") return "two honest replicas committed different blocks at one height";
  if (check == "chain") return "an honest replica committed a block that does not extend the block it committed before";
  if (check == "state_agreement") return "two honest replicas have different KV state digests at one height";
  if (check == "integrity") return "a committed request is not one a client sent, or a replica applied one twice";
  if (check == "double_vote") return "an honest replica voted for two different blocks in one view";
  if (check == "timeout_vote") return "an honest replica voted in a view after it sent a timeout for that view";
  if (check == "certificate") return "an honest replica passed on a QC or TC that no quorum of replicas signed";
  if (check == "recovery") return "a replica recovered or installed a state the cluster did not decide";
  if (check == "linearizability") return "what the clients observed cannot come from one sequential key-value store";
  if (check == "liveness") return "after the last fault ended, commits stalled longer than the scenario's bound";
  if (check == "commit_height_min") return "an honest replica ended below the committed height the scenario expects";
  return "the check failed";
}

std::string explain_violation(const Violation& violation, const std::vector<TraceRecord>& trace) {
  const TraceIndex index(trace);
  std::string out;
  if (violation.check == "agreement" || violation.check == "state_agreement" || violation.check == "chain") {
    const auto blocks = conflicting_blocks(violation, index);
    out += fmt::format("The {} block(s) involved, each from proposal to votes to certificate to commit:\n", blocks.size());
    for (const std::string& block : blocks) describe_block(out, index, block);
    return out;
  }
  if (violation.check == "double_vote") {
    // "... in view N": the proposals of that view, which the replica voted on.
    const std::size_t at = violation.detail.rfind("view ");
    std::uint64_t view = 0;
    if (at != std::string::npos)
      std::from_chars(violation.detail.data() + at + 5, violation.detail.data() + violation.detail.size(), view);
    std::set<std::string> blocks;
    for (const TraceRecord& record : trace)
      if (record.text("ev") == "deliver" && record.number("arg") == static_cast<std::uint64_t>(MessageType::proposal) &&
          record.number("view") == view && !violation.replicas.empty() &&
          record.number("to") == violation.replicas.front())
        blocks.insert(record.text("block"));
    out += fmt::format("The proposals of view {} that replica {} received:\n", view,
                       violation.replicas.empty() ? 0 : violation.replicas.front());
    for (const std::string& block : blocks) describe_proposal(out, index, block, "  ");
    return out;
  }
  if (violation.check == "liveness" || violation.check == "commit_height_min") {
    const TraceRecord* last = index.commits().empty() ? nullptr : index.commits().back();
    if (last != nullptr) {
      out += fmt::format("The last commit: replica {} committed block {} at height {} at {}\n", last->number("replica"),
                         last->text("block"), last->number("height"), chain_time_text(last->number("t_ns")));
      describe_block(out, index, last->text("block"));
    } else {
      out += "No honest replica committed anything.\n";
    }
    std::map<std::uint64_t, std::pair<std::uint64_t, std::set<std::uint64_t>>> timeouts;  // view -> first t, senders
    std::map<std::uint64_t, std::uint64_t> tcs;                                          // view -> first t
    const std::uint64_t since = last != nullptr ? last->number("t_ns") : 0;
    for (const TraceRecord& record : trace) {
      if (record.text("ev") != "note" || record.number("t_ns") < since) continue;
      const std::uint64_t view = record.number("view");
      if (record.text("note") == "timeout_sent") {
        auto& entry = timeouts.try_emplace(view, record.number("t_ns"), std::set<std::uint64_t>{}).first->second;
        entry.second.insert(record.number("replica"));
      } else if (record.text("note") == "tc_formed") {
        tcs.try_emplace(view, record.number("t_ns"));
      }
    }
    out += fmt::format("Views that timed out after it: {}\n", timeouts.size());
    for (const auto& [view, entry] : timeouts)
      out += fmt::format("  view {}: first timeout at {} (replicas {}), {}\n", view, chain_time_text(entry.first),
                         list_text(entry.second),
                         tcs.contains(view) ? fmt::format("TC formed at {}", chain_time_text(tcs.at(view)))
                                            : std::string("no TC formed"));
    return out;
  }
  out += "The trace has no message chain for this check; the events before it are listed below.\n";
  return out;
}

}  // namespace bftsim
