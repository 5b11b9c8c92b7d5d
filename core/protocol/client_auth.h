// Signed client requests: a client's id derives from its Ed25519 public key,
// and it signs (chain id, client, number, operation). A replica that requires
// signatures accepts a request only when client_request_authentic() holds, in
// its mempool and in every proposed block, so a Byzantine leader cannot make
// up operations. Pure functions; no state.
#pragma once

#include <string_view>

#include "core/crypto/ed25519.h"
#include "core/protocol/messages.h"

namespace bftsim {

// The first 8 bytes (little-endian) of BLAKE2b-256("bftsim/client/v1" || key).
ClientId client_id_of(const Ed25519PublicKey& public_key);

// Sets request.client to the seed's client id and signs the request.
void sign_client_request(ClientRequest& request, const Ed25519Seed& seed, std::string_view chain_id);

// True iff the request carries a ClientAuth whose key gives request.client
// and whose signature covers this chain, client, number and operation.
bool client_request_authentic(const ClientRequest& request, std::string_view chain_id);

}  // namespace bftsim
