// libFuzzer target for the replica's message handlers (core/consensus/
// replica.h): four replicas with fast crypto, 0..2 honest and run by the test
// cluster (tests/consensus/cluster_harness.h), 3 played by the input. The
// input is a script: deliver, reorder, drop or duplicate queued messages,
// fire view timers, submit client requests, and inject any decoded message
// from any sender to an honest replica, optionally signed with replica 3's
// key (the one Byzantine key f = 1 allows). Peer input is data, so no
// BFTSIM_ASSERT may fire (each handler checks the replica's invariants), and
// the honest replicas must agree on every height both committed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <utility>

#include "core/protocol/codec.h"
#include "core/protocol/signing.h"
#include "core/types/assert.h"
#include "tests/consensus/cluster_harness.h"

namespace bftsim {
namespace {

constexpr ReplicaIndex byzantine_index = 3;
constexpr std::uint32_t honest_count = 3;
constexpr std::size_t script_steps_max = 512;
constexpr std::size_t network_size_max = 4096;

class Script {
 public:
  Script(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}
  bool done() const { return bytes_.empty(); }
  std::uint8_t u8() {
    if (bytes_.empty()) return 0;
    const std::uint8_t value = bytes_.front();
    bytes_ = bytes_.subspan(1);
    return value;
  }
  std::uint16_t u16() {  // little-endian
    const std::uint16_t low = u8();
    return static_cast<std::uint16_t>(low | (u8() << 8));
  }
  std::span<const std::uint8_t> take(std::size_t size) {
    const std::size_t taken = std::min(size, bytes_.size());
    const auto out = bytes_.first(taken);
    bytes_ = bytes_.subspan(taken);
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

// Makes `message` carry replica 3's identity and a valid signature by it.
void sign_as_byzantine(const testing::Cluster& cluster, Message& message) {
  const auto signer = cluster.keys().signer(byzantine_index);
  const std::string& chain_id = cluster.forger().chain_id();
  if (auto* proposal = std::get_if<Proposal>(&message)) {
    proposal->block.proposer = byzantine_index;
    proposal->signature = signer->sign(signing::proposal_bytes(chain_id, block_hash(proposal->block)));
  } else if (auto* vote = std::get_if<Vote>(&message)) {
    vote->voter = byzantine_index;
    vote->signature = signer->sign(signing::vote_bytes(chain_id, vote->view, vote->block_hash));
  } else if (auto* timeout = std::get_if<Timeout>(&message)) {
    timeout->sender = byzantine_index;
    timeout->signature = signer->sign(signing::timeout_bytes(chain_id, timeout->view, timeout->high_qc.view));
  }
}

void inject(testing::Cluster& cluster, Script& script) {
  const auto from = static_cast<ReplicaIndex>(script.u8() % cluster.size());
  const auto to = static_cast<ReplicaIndex>(script.u8() % honest_count);
  const bool sign = (script.u8() & 1) != 0;
  const auto bytes = script.take(script.u16());
  auto message = decode_message(bytes);
  if (!message || from == to) return;  // the transport never delivers to the sender
  if (sign && from == byzantine_index) sign_as_byzantine(cluster, *message);
  cluster.inject(from, to, *message);
}

void run_script(testing::Cluster& cluster, Script& script) {
  auto& network = cluster.network();
  std::uint64_t request_number = 0;
  for (std::size_t step = 0; step < script_steps_max && !script.done(); ++step) {
    if (network.size() > network_size_max) network.resize(network_size_max);
    switch (script.u8() % 8) {
      case 0:
      case 1:
        cluster.step();
        break;
      case 2: {  // deliver a later message first
        const std::size_t index = script.u8();
        if (network.empty()) break;
        std::swap(network.front(), network[index % network.size()]);
        cluster.step();
        break;
      }
      case 3: {  // lose one
        const std::size_t index = script.u8();
        if (!network.empty()) network.erase(network.begin() + static_cast<std::ptrdiff_t>(index % network.size()));
        break;
      }
      case 4: {  // deliver one twice
        const std::size_t index = script.u8();
        if (!network.empty()) network.push_back(network[index % network.size()]);
        break;
      }
      case 5: {
        const auto replica = static_cast<ReplicaIndex>(script.u8() % honest_count);
        if (cluster.timer_at(replica)) cluster.fire_timer(replica);
        break;
      }
      case 6:
        inject(cluster, script);
        break;
      case 7: {
        ClientRequest request;
        request.client = script.u8();
        request.number = ++request_number;
        request.op.type = OpType::put;
        request.op.key = "k";
        request.op.value = "v";
        cluster.submit_all(request);
        break;
      }
    }
  }
  cluster.run(2'000);
}

// Honest replicas agree on every height both committed.
void check_agreement(const testing::Cluster& cluster) {
  std::map<Height, Hash32> committed;
  for (ReplicaIndex replica = 0; replica < honest_count; ++replica)
    for (const auto& commit : cluster.commits(replica)) {
      const auto [it, inserted] = committed.emplace(commit.height, commit.block_hash);
      BFTSIM_ASSERT(inserted || it->second == commit.block_hash);
    }
}

}  // namespace
}  // namespace bftsim

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bftsim;
  testing::Cluster cluster;
  cluster.set_down(byzantine_index, true);  // its sends come only from the script
  for (ReplicaIndex replica = 0; replica < honest_count; ++replica) cluster.start(replica);
  Script script(data, size);
  run_script(cluster, script);
  check_agreement(cluster);
  return 0;
}
