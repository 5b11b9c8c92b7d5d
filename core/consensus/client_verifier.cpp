// ClientVerifier: see client_verifier.h.
#include "core/consensus/client_verifier.h"

#include "core/protocol/client_auth.h"
#include "core/types/assert.h"

namespace bftsim {

ClientVerifier::ClientVerifier(std::string chain_id, std::size_t remembered_max)
    : chain_id_(std::move(chain_id)), remembered_max_(remembered_max) {
  BFTSIM_ASSERT(remembered_max_ >= 1);
}

bool ClientVerifier::authentic(const ClientRequest& request) {
  const Key key{request.client, request.number};
  // Only an identical request passes from memory: the same (client, number)
  // with another operation or signature is verified on its own.
  if (auto found = passed_.find(key); found != passed_.end() && found->second == request) return true;
  ++verification_count_;
  if (!client_request_authentic(request, chain_id_)) return false;
  if (passed_.insert_or_assign(key, request).second) order_.push_back(key);
  while (passed_.size() > remembered_max_) {
    passed_.erase(order_.front());
    order_.pop_front();
  }
  BFTSIM_ASSERT(passed_.size() == order_.size());
  return true;
}

}  // namespace bftsim
