// ClientDoor: bft-node's client port. A connection that opens with the four
// bytes "BFTC" speaks the bft-client protocol: frames (frame.h) each holding
// one encoded ClientRequest, answered by ClientReply frames. Any other
// connection speaks RESP (the Redis protocol, resp_reader.h): GET, SET, DEL,
// EXISTS, MGET, MSET, INCR, INCRBY, DECR, DECRBY, APPEND, PING, ECHO, INFO,
// MULTI/EXEC, run through consensus by this
// node on behalf of its RESP clients, who therefore trust this node.
// A malformed frame, a frame that is not a request, or bytes that are not
// RESP commands close that connection only, and are counted.
// Threading: the event loop's thread. Owned by the NodeServer.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "core/types/result.h"
#include "runner/client_service.h"
#include "runner/net_counters.h"

namespace bftsim::runner {

inline constexpr char client_protocol_magic[4] = {'B', 'F', 'T', 'C'};

class ClientDoor {
 public:
  ClientDoor(asio::io_context& io, ClientService& service, NetCounters& counters);
  ~ClientDoor();
  // Binds host:port, or (listen_socket >= 0) uses that socket, already bound
  // and listening, and owns it from then on (see PeerNetwork::start).
  Status start(const std::string& host, std::uint16_t port, int listen_socket = -1);
  void stop();

  class Session;

 private:
  void accept_next();

  asio::io_context& io_;
  ClientService& service_;
  NetCounters& counters_;
  asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<Session>> sessions_;
  bool stopped_ = false;
};

}  // namespace bftsim::runner
