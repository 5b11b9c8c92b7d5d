// Signed client requests (client_auth.h).
#include "core/protocol/client_auth.h"

#include <string>

#include "core/crypto/blake2b.h"
#include "core/protocol/codec.h"
#include "core/protocol/signing.h"

namespace bftsim {

ClientId client_id_of(const Ed25519PublicKey& public_key) {
  static constexpr std::string_view tag = "bftsim/client/v1";
  std::vector<std::uint8_t> input(tag.begin(), tag.end());
  input.insert(input.end(), public_key.bytes.begin(), public_key.bytes.end());
  const Hash32 hash = blake2b_256(input);
  ClientId id = 0;
  for (int i = 0; i < 8; ++i) id |= static_cast<ClientId>(hash.bytes[i]) << (8 * i);
  return id;
}

void sign_client_request(ClientRequest& request, const Ed25519Seed& seed, std::string_view chain_id) {
  ClientAuth auth;
  auth.public_key = ed25519_public_key(seed);
  request.client = client_id_of(auth.public_key);
  auth.signature = ed25519_sign(
      seed, signing::client_request_bytes(chain_id, request.client, request.number,
                                          encode_operation(request.op)));
  request.auth = auth;
}

bool client_request_authentic(const ClientRequest& request, std::string_view chain_id) {
  if (!request.auth) return false;
  if (client_id_of(request.auth->public_key) != request.client) return false;
  return ed25519_verify(request.auth->public_key,
                        signing::client_request_bytes(chain_id, request.client, request.number,
                                                      encode_operation(request.op)),
                        request.auth->signature);
}

}  // namespace bftsim
