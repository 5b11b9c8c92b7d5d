// Tests of bft-node's peer links (runner/peer_network.h) over real loopback
// sockets: the test plays replica 1 against replica 0's PeerNetwork. A peer
// that completes the handshake with replica 1's key gets its messages
// delivered as replica 1's; a frame that does not decode, a zero or
// over-limit length, and a handshake signed with the wrong key each close
// that connection and are counted; the network keeps accepting afterwards.
// Method: the PeerNetwork runs on its own thread; the test's blocking socket
// waits for the close, then the thread stops and the counters are read.
#include <doctest/doctest.h>

#include <mutex>
#include <thread>

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "core/codec/frame.h"
#include "core/protocol/codec.h"
#include "tests/runner/loopback.h"
#include "runner/handshake.h"
#include "runner/peer_network.h"

namespace bftsim::runner::test_runner_peer_network_test {
namespace {

using testing::HeldPort;
using testing::seed_of;

std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out;
  append_frame(out, payload);
  return out;
}

std::vector<std::uint8_t> read_frame(asio::ip::tcp::socket& socket) {
  std::array<std::uint8_t, 4> header{};
  asio::read(socket, asio::buffer(header));
  const std::uint32_t size = header[0] | header[1] << 8 | header[2] << 16 | static_cast<std::uint32_t>(header[3]) << 24;
  std::vector<std::uint8_t> payload(size);
  asio::read(socket, asio::buffer(payload));
  return payload;
}

// True when the other side closed the connection (within its own timeouts).
bool closed_by_peer(asio::ip::tcp::socket& socket) {
  std::array<std::uint8_t, 64> buffer{};
  asio::error_code ec;
  while (!ec) socket.read_some(asio::buffer(buffer), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

struct Fixture {
  Fixture() {
    // Replica 0's port is handed to its network; the others stay held and
    // unheard (replica 0's dials to them are refused), for the whole test.
    for (std::uint8_t id = 0; id < 4; ++id)
      cluster.replicas.push_back(
          ReplicaAddress{id, "127.0.0.1", ports[id].port(), 0, ed25519_public_key(seed_of(id + 1))});
    cluster.faulty = 1;
    cluster.chain_id = "test";
    network = std::make_unique<PeerNetwork>(io, cluster, 0, seed_of(1), counters, [this](ReplicaIndex from, Message message) {
      std::lock_guard lock(mutex);
      delivered.emplace_back(from, std::move(message));
    });
    REQUIRE(network->start(ports[0].listen_and_release()));
    thread = std::thread([this] { io.run(); });
  }
  ~Fixture() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { network->stop(); io.stop(); });
    thread.join();
  }
  asio::ip::tcp::socket connect() {
    asio::ip::tcp::socket socket(client_io);
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), cluster.replicas[0].port));
    return socket;
  }
  // The dialer's side of the handshake as replica `claimed` signing with `seed`.
  void handshake(asio::ip::tcp::socket& socket, ReplicaIndex claimed, const Ed25519Seed& seed) {
    const Nonce nonce = random_nonce();
    asio::write(socket, asio::buffer(framed(encode_hello(PeerHello{"test", claimed, 0, nonce}))));
    auto challenge = decode_challenge(read_frame(socket));
    REQUIRE(challenge);
    CHECK(ed25519_verify(cluster.replicas[0].public_key,
                         handshake_bytes(HandshakeRole::accept, "test", claimed, 0, nonce, challenge->nonce),
                         challenge->signature));
    PeerProof proof{ed25519_sign(seed, handshake_bytes(HandshakeRole::dial, "test", claimed, 0, nonce, challenge->nonce))};
    asio::write(socket, asio::buffer(framed(encode_proof(proof))));
  }

  std::array<HeldPort, 4> ports;
  ClusterConfig cluster;
  asio::io_context io;
  asio::io_context client_io;
  NetCounters counters;
  std::unique_ptr<PeerNetwork> network;
  std::thread thread;
  std::mutex mutex;
  std::vector<std::pair<ReplicaIndex, Message>> delivered;
};

}  // namespace

TEST_CASE("peer_network: an authenticated peer's messages arrive; a malformed frame closes its link") {
  Fixture fixture;
  auto socket = fixture.connect();
  fixture.handshake(socket, 1, seed_of(2));
  const Vote vote{3, Hash32{}, 1, {}};
  asio::write(socket, asio::buffer(framed(encode_message(vote))));
  asio::write(socket, asio::buffer(framed({0x01, 0x63, 0x00})));  // version 1, unknown type 99
  CHECK(closed_by_peer(socket));
  // Another connection is still accepted and authenticated after that.
  auto second = fixture.connect();
  fixture.handshake(second, 2, seed_of(3));
  asio::write(second, asio::buffer(framed(encode_message(vote))));
  asio::write(second, asio::buffer(std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff}));  // 4 GiB frame
  CHECK(closed_by_peer(second));
  fixture.stop();
  CHECK(fixture.counters.peer_malformed_frames == 1);
  CHECK(fixture.counters.peer_oversized_frames == 1);
  CHECK(fixture.counters.peer_handshake_failures == 0);
  CHECK(fixture.counters.peer_links_up == 2);
  REQUIRE(fixture.delivered.size() == 2);
  CHECK(fixture.delivered[0].first == 1);
  CHECK(std::get<Vote>(fixture.delivered[0].second) == vote);
  CHECK(fixture.delivered[1].first == 2);  // the transport names the authenticated peer
}

TEST_CASE("peer_network: a peer with the wrong key, chain or target is refused") {
  Fixture fixture;
  auto wrong_key = fixture.connect();
  fixture.handshake(wrong_key, 1, seed_of(9));  // claims replica 1, signs with another key
  asio::write(wrong_key, asio::buffer(framed(encode_message(Vote{}))));
  CHECK(closed_by_peer(wrong_key));
  auto wrong_chain = fixture.connect();
  asio::write(wrong_chain, asio::buffer(framed(encode_hello(PeerHello{"other", 1, 0, random_nonce()}))));
  CHECK(closed_by_peer(wrong_chain));
  auto wrong_target = fixture.connect();
  asio::write(wrong_target, asio::buffer(framed(encode_hello(PeerHello{"test", 1, 2, random_nonce()}))));
  CHECK(closed_by_peer(wrong_target));
  auto junk = fixture.connect();
  asio::write(junk, asio::buffer(framed({1, 2, 3})));
  CHECK(closed_by_peer(junk));
  fixture.stop();
  CHECK(fixture.counters.peer_handshake_failures == 4);
  CHECK(fixture.counters.peer_links_up == 0);
  CHECK(fixture.delivered.empty());
}

}  // namespace bftsim::runner::test_runner_peer_network_test
