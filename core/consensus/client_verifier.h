// ClientVerifier: a replica's check that a client request is signed by its
// client (client_auth.h), each distinct request verified at most once. A
// request usually reaches a replica twice, from its client (into the
// mempool) and inside a proposal, in either order, and clients and the RESP
// door resend; Ed25519 verification (~50 us) dominates a replica's CPU, so
// the requests verified lately are kept and an identical one (same client,
// number, operation and signature) passes without a second verification.
// Bounded (FIFO); deterministic; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "core/protocol/messages.h"

namespace bftsim {

class ClientVerifier {
 public:
  ClientVerifier(std::string chain_id, std::size_t remembered_max);

  // True iff client_request_authentic(request, chain_id); verifies only a
  // request not identical to one that passed recently.
  bool authentic(const ClientRequest& request);

  // Signature verifications done (cache misses), for INFO and tests.
  std::uint64_t verification_count() const { return verification_count_; }
  std::size_t remembered_count() const { return passed_.size(); }

 private:
  using Key = std::pair<ClientId, RequestNumber>;
  std::string chain_id_;
  std::size_t remembered_max_;
  std::map<Key, ClientRequest> passed_;  // requests that verified, by (client, number)
  std::deque<Key> order_;                // insertion order, for eviction
  std::uint64_t verification_count_ = 0;
};

}  // namespace bftsim
