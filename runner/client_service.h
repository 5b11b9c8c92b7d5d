// What the client port (client_door.h) asks of its node: pass on a signed
// request from bft-client and route the replies back to its connection;
// run an operation for the RESP door, which the node signs as its own door
// client; and describe the node for INFO and `bft-node --status`.
// Implemented by NodeServer. Threading: the event loop's thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/protocol/messages.h"

namespace bftsim::runner {

class Stream;

class ClientService {
 public:
  virtual ~ClientService() = default;
  // Replies to request.client go to `reply_to` (whose latest request named it).
  virtual void submit_client_request(const ClientRequest& request, const std::weak_ptr<Stream>& reply_to) = 0;
  // `done` runs once, with the committed result, when it is durable here.
  virtual void submit_operation(Operation op, std::function<void(const OpResult&)> done) = 0;
  // Redis INFO style: "key:value" lines.
  virtual std::string info_text() const = 0;
};

}  // namespace bftsim::runner
