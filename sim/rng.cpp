// Seeding and stream derivation for Rng; the generator step is inline in rng.h.
#include "sim/rng.h"

#include "core/types/assert.h"

namespace bftsim {

namespace {

// splitmix64's output function alone: a bijection on 64-bit values.
std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool is_all_zero(const Rng::State& state) {
  return (state[0] | state[1] | state[2] | state[3]) == 0;
}

}  // namespace

std::uint64_t splitmix64_next(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return splitmix64_mix(state);
}

std::uint64_t fnv1a_64(std::string_view text, std::uint64_t hash) {
  constexpr std::uint64_t prime = 0x100000001b3ULL;
  for (const char c : text) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= prime;
  }
  return hash;
}

Rng::Rng(std::uint64_t seed) : Rng(Identity{.run_seed = seed}, seed) {}

Rng::Rng(const Identity& identity, std::uint64_t stream_seed) : identity_(identity) {
  std::uint64_t splitmix_state = stream_seed;
  for (auto& word : state_) word = splitmix64_next(splitmix_state);
  // Four consecutive splitmix64 outputs come from four distinct inputs of a
  // bijection, so at most one is zero.
  BFTSIM_ASSERT(!is_all_zero(state_));
}

Rng Rng::from_name_hash(std::uint64_t run_seed, std::uint64_t name_hash) {
  // Mixing the name hash before the xor keeps related names (which FNV-1a
  // maps to related hashes) from giving related seeds; the outer mix spreads
  // the run seed over every bit.
  const std::uint64_t stream_seed = splitmix64_mix(run_seed ^ splitmix64_mix(name_hash));
  return Rng(Identity{.run_seed = run_seed, .name_hash = name_hash, .named = true}, stream_seed);
}

Rng Rng::stream(std::uint64_t run_seed, std::string_view name) {
  return from_name_hash(run_seed, fnv1a_64(name));
}

Rng Rng::from_state(const State& state) {
  BFTSIM_ASSERT(!is_all_zero(state));
  Rng rng(0);
  rng.state_ = state;
  return rng;
}

Rng Rng::fork(std::string_view name) const {
  BFTSIM_ASSERT(!name.empty());
  std::uint64_t name_hash = identity_.name_hash;
  if (identity_.named) name_hash = fnv1a_64("/", name_hash);
  return from_name_hash(identity_.run_seed, fnv1a_64(name, name_hash));
}

}  // namespace bftsim
