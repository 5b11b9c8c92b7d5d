// SharedMessage: a decoded message that several receivers read (the
// simulator decodes each send once for all its receivers, sim/net/wire_message.h),
// immutable, with what each receiver would compute from it alike computed once:
// a proposal's block hash (block_hash() of its block, a pure function of the
// block: hashing a block with a 45 KB certificate at n = 1000 cost every
// receiver 15% of its CPU). A replica's block tree keeps a proposal's block as
// an alias into the shared message (Replica::on_message). Single-threaded:
// one simulation owns it.
#pragma once

#include <optional>
#include <utility>

#include "core/crypto/hash.h"
#include "core/protocol/codec.h"
#include "core/protocol/messages.h"
#include "core/types/assert.h"

namespace bftsim {

class SharedMessage {
 public:
  explicit SharedMessage(Message message) : message_(std::move(message)) {}
  const Message& message() const { return message_; }
  // block_hash(proposal.block), computed at the first call.
  // Requires: the message is a Proposal.
  const Hash32& proposal_block_hash() const {
    if (!proposal_block_hash_) {
      const auto* proposal = std::get_if<Proposal>(&message_);
      BFTSIM_ASSERT(proposal != nullptr);
      proposal_block_hash_ = block_hash(proposal->block);
    }
    return *proposal_block_hash_;
  }

 private:
  const Message message_;
  mutable std::optional<Hash32> proposal_block_hash_;
};

}  // namespace bftsim
