// A client request's identity, (client, request number), and a hash for it,
// for the hash tables that find requests by it (the mempool, the simulator's
// integrity checker). The hash only places keys: nothing iterates these
// tables, so their order never reaches a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "core/types/ids.h"

namespace bftsim {

using RequestKey = std::pair<ClientId, RequestNumber>;

struct RequestKeyHash {
  std::size_t operator()(const RequestKey& key) const {
    return std::hash<std::uint64_t>()(key.first * 0x9e3779b97f4a7c15ULL ^ key.second);
  }
};

}  // namespace bftsim
