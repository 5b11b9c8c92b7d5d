// Rng: the simulator's one pseudo-random generator, xoshiro256** (Blackman &
// Vigna, https://prng.di.unimi.it/xoshiro256starstar.c), seeded through
// splitmix64. Every component draws from its own named stream derived from
// (run seed, name), so adding or removing draws in one component never shifts
// another's numbers. A value type of 32 bytes plus its identity; not
// thread-safe (the simulator is single-threaded). Output is identical on every
// platform and build: only integer arithmetic, names hashed byte by byte.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace bftsim {

// One step of splitmix64 (Steele, Lea & Flood; Vigna's reference
// splitmix64.c): advances `state` by the golden gamma and returns the mixed
// value. Used to expand a 64-bit seed into xoshiro's 256-bit state.
std::uint64_t splitmix64_next(std::uint64_t& state);

// FNV-1a, 64-bit, over the bytes of `text`, continuing from `hash` (pass
// fnv1a_64_offset_basis to start). Incremental: hashing "a" then "/b" equals
// hashing "a/b", which Rng::fork relies on.
inline constexpr std::uint64_t fnv1a_64_offset_basis = 0xcbf29ce484222325ULL;
std::uint64_t fnv1a_64(std::string_view text, std::uint64_t hash = fnv1a_64_offset_basis);

// Deliberately not a UniformRandomBitGenerator (no operator()): std::shuffle
// and <random>'s distributions give different results across standard
// libraries, so they must not be handed an Rng. Use sim/distributions.h.
class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  // A root generator: its state is four splitmix64 outputs from `seed`
  // (never all zero, since splitmix64 maps distinct inputs to distinct
  // outputs). Rng(seed).fork(name) equals Rng::stream(seed, name).
  explicit Rng(std::uint64_t seed);

  // The stream for `name` in the run seeded with `run_seed`: the seed of the
  // stream is splitmix64-mixed from run_seed and FNV-1a(name). Names are
  // paths such as "net/link/0->3", "node/2/timers", "client/5".
  static Rng stream(std::uint64_t run_seed, std::string_view name);

  // A generator with exactly this state, for tests against the reference
  // algorithm; it forks like Rng(0). Requires: state is not all zero.
  static Rng from_state(const State& state);

  // A child stream named `name` under this one, independent of how many
  // values this generator has drawn: stream(seed, "node/2").fork("timers")
  // equals stream(seed, "node/2/timers"). Does not advance this generator.
  // Requires: name is not empty.
  Rng fork(std::string_view name) const;

  // The next 64 uniformly distributed bits.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  const State& state() const { return state_; }

 private:
  // How this generator was named, so fork() can extend the name.
  struct Identity {
    std::uint64_t run_seed = 0;
    std::uint64_t name_hash = fnv1a_64_offset_basis;  // FNV-1a state of the name so far
    bool named = false;                               // false for Rng(seed) and from_state
  };

  Rng(const Identity& identity, std::uint64_t stream_seed);

  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static Rng from_name_hash(std::uint64_t run_seed, std::uint64_t name_hash);

  State state_{};
  Identity identity_;
};

}  // namespace bftsim
