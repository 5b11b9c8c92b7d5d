// SignatureListVerdicts: an optional side of a Verifier that remembers the
// verdict on a whole list of signatures over one message (a QC's votes).
// verify_qc (quorum.h) asks a Verifier that has this side before checking a
// QC's signatures one by one, and tells it the verdict after. Every
// signature of a QC reaches every replica, so in the simulator, where the
// replicas of a run share one Verifier (sim/verdict_cache.h), the list is
// checked once per run instead of once per replica (n=1000: 667 signatures
// per proposal). A remembered verdict must be the one the signature-by-
// signature check gives; the lists are compared in full.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/protocol/messages.h"
#include "core/types/shared_list.h"

namespace bftsim {

class SignatureListVerdicts {
 public:
  virtual ~SignatureListVerdicts() = default;
  // Whether every entry of `signatures` verifies `message`, if remembered.
  virtual std::optional<bool> recall(std::span<const std::uint8_t> message,
                                     const SharedList<SignerSignature>& signatures) const = 0;
  virtual void remember(std::span<const std::uint8_t> message, const SharedList<SignerSignature>& signatures,
                        bool verdict) const = 0;
};

}  // namespace bftsim
