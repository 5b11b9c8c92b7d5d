// Tests of sim/disk/chunked_bytes.h. Goal: a chunked file reads back exactly
// what a plain byte vector would hold, across chunk boundaries, after
// truncations to any point, and with single bytes changed in place. Method:
// a seeded loop of appends (sizes from 0 to past two chunks), truncations
// and byte flips applied to both, comparing sizes and random reads.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "sim/disk/chunked_bytes.h"
#include "sim/distributions.h"
#include "sim/rng.h"

namespace bftsim::test_sim_disk_chunked_bytes_test {
namespace {

TEST_CASE("sim: chunked bytes match a plain vector across chunk boundaries") {
  constexpr std::uint64_t chunk = ChunkedBytes::chunk_size_bytes;
  Rng rng = Rng::stream(7, "chunked-bytes-test");
  ChunkedBytes chunked;
  std::vector<std::uint8_t> model;
  for (int step = 0; step < 400; ++step) {
    const std::uint64_t action = uniform_u64(rng, 10);
    if (action < 6) {
      std::vector<std::uint8_t> bytes(uniform_u64(rng, 2 * chunk + 100));
      for (auto& byte : bytes) byte = static_cast<std::uint8_t>(uniform_u64(rng, 256));
      chunked.append(bytes);
      model.insert(model.end(), bytes.begin(), bytes.end());
    } else if (action < 8) {
      // Sometimes exactly at a chunk boundary.
      std::uint64_t size = uniform_u64(rng, model.size() + 1);
      if (action == 7) size = size / chunk * chunk;
      chunked.truncate(size);
      model.resize(size);
    } else if (!model.empty()) {
      const std::uint64_t offset = uniform_u64(rng, model.size());
      chunked[offset] ^= 0x10;
      model[offset] ^= 0x10;
    }
    REQUIRE(chunked.size() == model.size());
    const std::uint64_t offset = uniform_u64(rng, model.size() + 1);
    const std::uint64_t size = uniform_u64(rng, 3 * chunk);
    const std::uint64_t end = std::min<std::uint64_t>(model.size(), offset + size);
    const std::vector<std::uint8_t> expected(model.begin() + static_cast<std::ptrdiff_t>(offset),
                                             model.begin() + static_cast<std::ptrdiff_t>(end));
    REQUIRE(chunked.read(offset, size) == expected);
  }
  CHECK(chunked.read(0, model.size()) == model);
  chunked.clear();
  CHECK(chunked.empty());
  CHECK(chunked.read(0, 10).empty());
}

}  // namespace
}  // namespace bftsim::test_sim_disk_chunked_bytes_test
