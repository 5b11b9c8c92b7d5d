#include "core/consensus/replica_config.h"

namespace bftsim {

const char* drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::wrong_sender: return "wrong_sender";
    case DropReason::not_leader: return "not_leader";
    case DropReason::stale_view: return "stale_view";
    case DropReason::future_view: return "future_view";
    case DropReason::bad_signature: return "bad_signature";
    case DropReason::bad_certificate: return "bad_certificate";
    case DropReason::bad_block: return "bad_block";
    case DropReason::duplicate: return "duplicate";
    case DropReason::unrequested_block: return "unrequested_block";
    case DropReason::mempool_full: return "mempool_full";
    case DropReason::not_for_replica: return "not_for_replica";
    case DropReason::unsigned_request: return "unsigned_request";
  }
  return "unknown";
}

}  // namespace bftsim
