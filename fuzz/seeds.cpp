// Writes seed corpora for the wire and replica fuzz targets:
// OUT/wire/<n> holds encode_message of each sample message (tests/protocol/
// wire_builder.h), and OUT/replica/<n> scripts for fuzz_replica.cpp that run
// the cluster honestly and inject each sample. The loader's seeds are
// scenarios/*.yaml themselves. Usage: fuzz_seeds OUT_DIR
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/protocol/codec.h"
#include "tests/protocol/wire_builder.h"

namespace {

void write(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A replica script (fuzz_replica.cpp): client requests, then deliveries and
// timers, with `injected` (if any) sent by replica 3, signed, to replica 0.
std::vector<std::uint8_t> replica_script(const std::vector<std::uint8_t>& injected) {
  // Byte by byte: GCC 12 at -O3 misreads vector::insert of a short list as an
  // out-of-bounds copy (-Warray-bounds).
  std::vector<std::uint8_t> script;
  const auto append = [&script](std::initializer_list<std::uint8_t> bytes) {
    for (std::uint8_t byte : bytes) script.push_back(byte);
  };
  append({7, 1, 7, 2});
  if (!injected.empty()) {
    append({6, 3, 0, 1, static_cast<std::uint8_t>(injected.size()), static_cast<std::uint8_t>(injected.size() >> 8)});
    for (std::uint8_t byte : injected) script.push_back(byte);
  }
  for (int i = 0; i < 64; ++i) script.push_back(0);
  append({5, 0, 5, 1, 5, 2});
  for (int i = 0; i < 64; ++i) script.push_back(0);
  return script;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
    return 2;
  }
  const std::filesystem::path out(argv[1]);
  std::filesystem::create_directories(out / "wire");
  std::filesystem::create_directories(out / "replica");
  const auto messages = bftsim::test::sample_messages();
  write(out / "replica" / "honest", replica_script({}));
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto bytes = bftsim::encode_message(messages[i]);
    write(out / "wire" / std::to_string(i), bytes);
    write(out / "replica" / std::to_string(i), replica_script(bytes));
  }
  std::printf("wrote %zu wire and %zu replica seeds to %s\n", messages.size(), messages.size() + 1,
              out.string().c_str());
  return 0;
}
