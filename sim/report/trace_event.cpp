// Names and labels shared by the trace writers (trace_event.h).
#include "sim/report/trace_event.h"

#include <fmt/format.h>

namespace bftsim {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::replica_start: return "replica_start";
    case EventKind::deliver: return "deliver";
    case EventKind::timer: return "timer";
    case EventKind::client_issue: return "client_issue";
    case EventKind::client_retry: return "client_retry";
    case EventKind::fault_begin: return "fault_begin";
    case EventKind::fault_end: return "fault_end";
  }
  return "unknown";
}

std::string message_label(const Message& message) {
  return std::visit(
      [](const auto& body) -> std::string {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Proposal>) {
          return fmt::format("proposal v{} h{}{}", body.block.view, body.block.height,
                             body.timeout_cert ? " +TC" : "");
        } else if constexpr (std::is_same_v<T, Vote>) {
          return fmt::format("vote v{}", body.view);
        } else if constexpr (std::is_same_v<T, Timeout>) {
          return fmt::format("timeout v{}", body.view);
        } else if constexpr (std::is_same_v<T, BlockRequest>) {
          return "block_request";
        } else if constexpr (std::is_same_v<T, BlockResponse>) {
          return fmt::format("block_response {} blocks", body.blocks.size());
        } else if constexpr (std::is_same_v<T, ClientRequest>) {
          return fmt::format("client_request {}#{}", body.client, body.number);
        } else if constexpr (std::is_same_v<T, ClientReply>) {
          return fmt::format("client_reply {}#{} h{}", body.client, body.number, body.height);
        } else if constexpr (std::is_same_v<T, StateRequest>) {
          return fmt::format("state_request h{}", body.committed_height);
        } else if constexpr (std::is_same_v<T, StateResponse>) {
          return fmt::format("state_response h{}", body.block.height);
        } else {
          static_assert(std::is_same_v<T, NewView>);
          return fmt::format("new_view v{} qc v{}{}", body.view, body.high_qc.view, body.last_tc ? " +TC" : "");
        }
      },
      message);
}

std::string json_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string endpoint_name(EndpointIndex endpoint, std::uint32_t replica_count) {
  if (endpoint < replica_count) return fmt::format("replica {}", endpoint);
  return fmt::format("client {}", endpoint - replica_count + 1);
}

std::string endpoint_short_name(EndpointIndex endpoint, std::uint32_t replica_count) {
  if (endpoint < replica_count) return fmt::format("R{}", endpoint);
  return fmt::format("C{}", endpoint - replica_count + 1);
}

}  // namespace bftsim
