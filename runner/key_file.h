// A node's secret key on disk: one line holding the 32-byte Ed25519 seed in
// hex, in a file only its owner may read (created 0600, never overwritten).
// `bft-node keygen` writes one and prints the public key for the cluster file.
#pragma once

#include <string>

#include "core/crypto/ed25519.h"
#include "core/types/result.h"

namespace bftsim::runner {

Result<Ed25519Seed> read_key_file(const std::string& path);
// Fails (io_error) when the file already exists.
Status write_key_file(const std::string& path, const Ed25519Seed& seed);

}  // namespace bftsim::runner
