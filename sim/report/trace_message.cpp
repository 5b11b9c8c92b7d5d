// trace_message_fields (trace_message.h).
#include "sim/report/trace_message.h"

#include <fmt/format.h>

#include "core/protocol/codec.h"

namespace bftsim {
namespace {

std::string signers(const QuorumCert& qc) {
  std::string out = "[";
  for (std::size_t i = 0; i < qc.signatures.size(); ++i) out += fmt::format("{}{}", i ? "," : "", qc.signatures[i].signer);
  return out + "]";
}

}  // namespace

std::string trace_message_fields(const Message& message) {
  if (const auto* proposal = std::get_if<Proposal>(&message)) {
    const Block& block = proposal->block;
    std::string out = fmt::format(
        R"(,"view":{},"height":{},"proposer":{},"block":"{}","parent":"{}","justify_view":{},"justify_block":"{}","justify_signers":{})",
        block.view, block.height, block.proposer, block_hash(block).short_hex(), block.parent_hash.short_hex(),
        block.justify.view, block.justify.block_hash.short_hex(), signers(block.justify));
    if (proposal->timeout_cert) out += fmt::format(R"(,"tc_view":{})", proposal->timeout_cert->view);
    return out;
  }
  if (const auto* vote = std::get_if<Vote>(&message))
    return fmt::format(R"(,"view":{},"block":"{}","voter":{})", vote->view, vote->block_hash.short_hex(), vote->voter);
  if (const auto* timeout = std::get_if<Timeout>(&message))
    return fmt::format(R"(,"view":{},"sender":{},"high_qc_view":{},"high_qc_block":"{}")", timeout->view,
                       timeout->sender, timeout->high_qc.view, timeout->high_qc.block_hash.short_hex());
  if (const auto* new_view = std::get_if<NewView>(&message)) {
    std::string out = fmt::format(R"(,"view":{},"high_qc_view":{},"high_qc_block":"{}")", new_view->view,
                                  new_view->high_qc.view, new_view->high_qc.block_hash.short_hex());
    if (new_view->last_tc) out += fmt::format(R"(,"tc_view":{})", new_view->last_tc->view);
    return out;
  }
  if (const auto* response = std::get_if<BlockResponse>(&message))
    return fmt::format(R"(,"blocks":{})", response->blocks.size());
  return {};
}

}  // namespace bftsim
