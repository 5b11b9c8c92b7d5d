// Micro benchmarks of the protocol core's hot paths: the wire codec (a vote,
// and a proposal carrying a 100-request batch like the demo's blocks), the
// block hash, signing and verifying with both crypto kinds, and checking a
// 3-of-4 quorum certificate. Inputs are built once, outside the timed loops,
// and checked once so a benchmark never times a failing path.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "core/crypto/blake2b.h"
#include "core/protocol/codec.h"
#include "core/protocol/messages.h"
#include "core/consensus/quorum.h"
#include "core/crypto/keys.h"
#include "core/protocol/signing.h"

namespace bftsim {
namespace {

constexpr std::string_view chain_id = "bftsim";
constexpr std::uint32_t replica_count = 4;
constexpr std::uint32_t quorum = 3;  // quorum_size(4, 1)
constexpr std::uint64_t key_seed = 1;
constexpr std::size_t batch_size = 100;

Hash32 hash_of(std::string_view text) {
  return blake2b_256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// A QC by replicas 0..2 over (view, block_hash), signed with `ring`'s keys.
QuorumCert make_qc(const KeyRing& ring, View view, const Hash32& block_hash) {
  QuorumCert qc{.view = view, .block_hash = block_hash, .signatures = {}};
  const std::vector<std::uint8_t> bytes = signing::vote_bytes(chain_id, view, block_hash);
  for (ReplicaIndex signer = 0; signer < quorum; ++signer)
    qc.signatures.edit().push_back({.signer = signer, .signature = ring.signer(signer)->sign(bytes)});
  return qc;
}

// A block at height 42 whose batch holds 100 puts shaped like the demo's
// (a "key-NNNN" key, a 16-byte value), justified by a real ed25519 QC.
Block make_block() {
  std::unique_ptr<KeyRing> ring = KeyRing::create(CryptoKind::ed25519, key_seed, replica_count);
  const Hash32 parent_hash = hash_of("parent");
  Block block{.parent_hash = parent_hash,
              .height = 42,
              .view = 42,
              .proposer = 42 % replica_count,
              .justify = make_qc(*ring, 41, parent_hash),
              .batch = {}};
  for (std::size_t i = 0; i < batch_size; ++i) {
    Operation op{.type = OpType::put,
                 .key = fmt::format("key-{:04}", i * 7 % 1000),
                 .value = std::string(16, static_cast<char>('a' + i % 26)),
                 .conditions = {},
                 .writes = {}};
    block.batch.push_back({.client = i % 4, .number = i + 1, .op = std::move(op)});
  }
  return block;
}

Message make_proposal() {
  std::unique_ptr<KeyRing> ring = KeyRing::create(CryptoKind::ed25519, key_seed, replica_count);
  Block block = make_block();
  const Signature signature =
      ring->signer(block.proposer)->sign(signing::proposal_bytes(chain_id, block_hash(block)));
  return Proposal{.block = std::move(block), .timeout_cert = std::nullopt, .signature = signature};
}

Message make_vote() {
  std::unique_ptr<KeyRing> ring = KeyRing::create(CryptoKind::ed25519, key_seed, replica_count);
  const Hash32 block = hash_of("block");
  return Vote{.view = 42, .block_hash = block, .voter = 2,
              .signature = ring->signer(2)->sign(signing::vote_bytes(chain_id, 42, block))};
}

void encode(benchmark::State& state, Message message) {
  std::size_t size_bytes = 0;
  for (auto _ : state) {
    std::vector<std::uint8_t> bytes = encode_message(message);
    size_bytes = bytes.size();
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size_bytes));
  state.counters["size_bytes"] = static_cast<double>(size_bytes);
}

void decode(benchmark::State& state, Message message) {
  const std::vector<std::uint8_t> bytes = encode_message(message);
  Result<Message> check = decode_message(bytes);
  if (!check || *check != message) {
    state.SkipWithError("the message does not round-trip");
    return;
  }
  for (auto _ : state) {
    Result<Message> decoded = decode_message(bytes);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["size_bytes"] = static_cast<double>(bytes.size());
}

BENCHMARK_CAPTURE(encode, vote, make_vote());
BENCHMARK_CAPTURE(decode, vote, make_vote());
BENCHMARK_CAPTURE(encode, proposal_100_requests, make_proposal());
BENCHMARK_CAPTURE(decode, proposal_100_requests, make_proposal());

void block_hash_100_requests(benchmark::State& state) {
  const Block block = make_block();
  for (auto _ : state) {
    Hash32 hash = block_hash(block);
    benchmark::DoNotOptimize(hash);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * encode_block(block).size()));
}
BENCHMARK(block_hash_100_requests);

// Signs what a replica signs most: vote bytes (domain tag, chain id, view, hash).
void sign(benchmark::State& state, CryptoKind kind) {
  std::unique_ptr<KeyRing> ring = KeyRing::create(kind, key_seed, replica_count);
  std::unique_ptr<Signer> signer = ring->signer(1);
  const std::vector<std::uint8_t> bytes = signing::vote_bytes(chain_id, 42, hash_of("block"));
  for (auto _ : state) {
    Signature signature = signer->sign(bytes);
    benchmark::DoNotOptimize(signature);
  }
}

void verify(benchmark::State& state, CryptoKind kind) {
  std::unique_ptr<KeyRing> ring = KeyRing::create(kind, key_seed, replica_count);
  std::shared_ptr<const Verifier> verifier = ring->verifier();
  const std::vector<std::uint8_t> bytes = signing::vote_bytes(chain_id, 42, hash_of("block"));
  const Signature signature = ring->signer(1)->sign(bytes);
  if (!verifier->verify(1, bytes, signature)) {
    state.SkipWithError("the signature does not verify");
    return;
  }
  for (auto _ : state) {
    bool ok = verifier->verify(1, bytes, signature);
    benchmark::DoNotOptimize(ok);
  }
}

void verify_qc_3_of_4(benchmark::State& state, CryptoKind kind) {
  std::unique_ptr<KeyRing> ring = KeyRing::create(kind, key_seed, replica_count);
  std::shared_ptr<const Verifier> verifier = ring->verifier();
  const QuorumCert qc = make_qc(*ring, 42, hash_of("block"));
  const Hash32 genesis_hash = hash_of("genesis");
  if (!verify_qc(qc, *verifier, chain_id, quorum, genesis_hash)) {
    state.SkipWithError("the QC does not verify");
    return;
  }
  for (auto _ : state) {
    bool ok = verify_qc(qc, *verifier, chain_id, quorum, genesis_hash);
    benchmark::DoNotOptimize(ok);
  }
}

BENCHMARK_CAPTURE(sign, ed25519, CryptoKind::ed25519);
BENCHMARK_CAPTURE(verify, ed25519, CryptoKind::ed25519);
BENCHMARK_CAPTURE(sign, fast, CryptoKind::fast);
BENCHMARK_CAPTURE(verify, fast, CryptoKind::fast);
BENCHMARK_CAPTURE(verify_qc_3_of_4, ed25519, CryptoKind::ed25519);
BENCHMARK_CAPTURE(verify_qc_3_of_4, fast, CryptoKind::fast);

}  // namespace
}  // namespace bftsim

BENCHMARK_MAIN();
