// Runs libsodium's sodium_init() once per process (it takes a lock on every
// call). For core/crypto's own sources only: it pulls in <sodium.h>.
#pragma once

#include <sodium.h>

#include "core/types/assert.h"

namespace bftsim::detail {

inline void ensure_sodium() {
  static const bool initialized = sodium_init() >= 0;
  BFTSIM_ASSERT(initialized);
}

}  // namespace bftsim::detail
