// The protocol's data: blocks, certificates and every message replicas and
// clients exchange. Plain values; core/codec encodes them (docs/wire_format.md)
// and core/crypto signs the domain-separated bytes that signing.h defines.
// A Block carries no hash field: its hash is always recomputed from its bytes,
// never taken from a peer.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/crypto/ed25519.h"
#include "core/crypto/hash.h"
#include "core/crypto/signature.h"
#include "core/protocol/operation.h"
#include "core/types/ids.h"
#include "core/types/shared_list.h"

namespace bftsim {

// One replica's signature inside a certificate.
struct SignerSignature {
  ReplicaIndex signer = 0;
  Signature signature;
  auto operator<=>(const SignerSignature&) const = default;
};

// 2f+1 votes for the block `block_hash` proposed in `view`. The genesis QC
// (view 0, the genesis hash, no signatures) is valid by definition.
struct QuorumCert {
  View view = 0;
  Hash32 block_hash;
  SharedList<SignerSignature> signatures;  // sorted by signer, distinct; copies share it
  auto operator<=>(const QuorumCert&) const = default;
};

// A client's proof that it sent a request: its Ed25519 public key, from
// which its ClientId derives (client_auth.h), and its signature over
// signing::client_request_bytes. The protocol allows requests without it (the
// simulator's clients); a replica configured with require_client_signatures
// (bft-node) drops them, so a Byzantine leader cannot propose an operation no
// client sent.
struct ClientAuth {
  Ed25519PublicKey public_key;
  Signature signature;
  auto operator<=>(const ClientAuth&) const = default;
};

struct ClientRequest {
  ClientId client = 0;
  RequestNumber number = 0;
  Operation op;
  std::optional<ClientAuth> auth = std::nullopt;
  auto operator<=>(const ClientRequest&) const = default;
};

struct Block {
  Hash32 parent_hash;
  Height height = 0;  // parent's height + 1; genesis is 0
  View view = 0;      // the view it was proposed in
  ReplicaIndex proposer = 0;
  QuorumCert justify;  // certifies the parent (chained HotStuff: justify.block_hash == parent_hash)
  std::vector<ClientRequest> batch;
  auto operator<=>(const Block&) const = default;
};

// One timeout's signed content inside a TC: the signer timed out in the TC's
// view holding a QC of view high_qc_view.
struct TimeoutSignature {
  ReplicaIndex signer = 0;
  View high_qc_view = 0;
  Signature signature;
  auto operator<=>(const TimeoutSignature&) const = default;
};

// 2f+1 timeouts for `view`. high_qc is the highest QC among them, so a new
// leader that learned the TC from others still extends the highest QC.
struct TimeoutCert {
  View view = 0;
  SharedList<TimeoutSignature> signatures;  // sorted by signer, distinct; copies share it
  QuorumCert high_qc;
  auto operator<=>(const TimeoutCert&) const = default;
};

// The leader of block.view proposes block. Entering block.view needs either
// block.justify.view == block.view - 1 or a TC for block.view - 1.
struct Proposal {
  Block block;
  std::optional<TimeoutCert> timeout_cert;
  Signature signature;  // by block.proposer over signing::proposal_bytes
  auto operator<=>(const Proposal&) const = default;
};

struct Vote {
  View view = 0;
  Hash32 block_hash;
  ReplicaIndex voter = 0;
  Signature signature;  // by voter over signing::vote_bytes(view, block_hash)
  auto operator<=>(const Vote&) const = default;
};

struct Timeout {
  View view = 0;
  ReplicaIndex sender = 0;
  QuorumCert high_qc;
  // The TC for view - 1 when the sender entered `view` by a TC: a replica
  // that missed those timeouts catches up from it. Not covered by signature
  // (it is a certificate of its own).
  std::optional<TimeoutCert> last_tc;
  Signature signature;  // by sender over signing::timeout_bytes(view, high_qc.view)
  auto operator<=>(const Timeout&) const = default;
};

// Ask a peer for the block with this hash and up to ancestor_count_max of its
// ancestors (a replica that is behind catches up this way), none at or below
// above_height: the asker's committed height when it holds its chain up to
// there (the answer would bring nothing it lacks), 0 for every ancestor.
struct BlockRequest {
  Hash32 block_hash;
  std::uint32_t ancestor_count_max = 0;
  Height above_height = 0;
  auto operator<=>(const BlockRequest&) const = default;
};

// Blocks from the requested one towards genesis. Unsigned: the receiver
// accepts a block only when its recomputed hash is one it asked for.
struct BlockResponse {
  std::vector<Block> blocks;
  auto operator<=>(const BlockResponse&) const = default;
};

struct ClientReply {
  ClientId client = 0;
  RequestNumber number = 0;
  ReplicaIndex replica = 0;
  Height height = 0;  // the committed height that applied the request
  OpResult result;
  auto operator<=>(const ClientReply&) const = default;
};

// State transfer. A replica too far behind for block fetching (its peers
// keep only block_retention blocks below their commit) asks every peer for
// its state; each answers with the state after its committed block.
struct StateRequest {
  Height committed_height = 0;  // the requester's
  auto operator<=>(const StateRequest&) const = default;
};

// One committed height as the responder saw it, for cross-checking offers.
struct CommittedDigest {
  Height height = 0;
  Hash32 block_hash;
  Hash32 state_digest;
  auto operator<=>(const CommittedDigest&) const = default;
};

// One cached exactly-once reply: the KV state machine's own record bytes.
struct SnapshotReply {
  ClientId client = 0;
  RequestNumber number = 0;
  std::vector<std::uint8_t> record;
  auto operator<=>(const SnapshotReply&) const = default;
};

struct KeyValue {
  std::string key;
  std::string value;
  auto operator<=>(const KeyValue&) const = default;
};

// Unsigned, like BlockResponse: the receiver installs it only when f+1
// replicas report the same (height, block hash, state digest) and the pairs
// hash to that digest (core/node/state_transfer.h).
struct StateResponse {
  Block block;                           // committed at block.height; the state is after it
  Hash32 state_digest;
  std::vector<CommittedDigest> history;  // the responder's recent commits, ascending
  std::vector<KeyValue> pairs;           // ascending by key
  std::vector<SnapshotReply> replies;    // ascending by (client, number)
  auto operator<=>(const StateResponse&) const = default;
};

// HotStuff's NEW-VIEW: a replica that entered `view` sends the certificate it
// entered by to the leader of `view`, which may have missed a vote or a
// timeout it needs to form that certificate itself (ReplicaConfig::
// new_view_to_leader). Unsigned: high_qc and last_tc authenticate themselves,
// and the receiver verifies them only when they would move it forward.
struct NewView {
  View view = 0;
  QuorumCert high_qc;                     // the sender's highest QC
  std::optional<TimeoutCert> last_tc;     // the TC for view - 1 when it entered by one
  auto operator<=>(const NewView&) const = default;
};

// The wire type byte of each message (docs/wire_format.md). Values are stable.
enum class MessageType : std::uint8_t {
  proposal = 1,
  vote = 2,
  timeout = 3,
  block_request = 4,
  block_response = 5,
  client_request = 6,
  client_reply = 7,
  state_request = 8,
  state_response = 9,
  new_view = 10,
};
inline constexpr std::size_t message_type_count = 10;

using Message = std::variant<Proposal, Vote, Timeout, BlockRequest, BlockResponse,
                             ClientRequest, ClientReply, StateRequest, StateResponse, NewView>;

inline MessageType message_type(const Message& message) {
  return static_cast<MessageType>(message.index() + 1);
}

inline const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::proposal: return "proposal";
    case MessageType::vote: return "vote";
    case MessageType::timeout: return "timeout";
    case MessageType::block_request: return "block_request";
    case MessageType::block_response: return "block_response";
    case MessageType::client_request: return "client_request";
    case MessageType::client_reply: return "client_reply";
    case MessageType::state_request: return "state_request";
    case MessageType::state_response: return "state_response";
    case MessageType::new_view: return "new_view";
  }
  return "unknown";
}

}  // namespace bftsim
