// A main() for a fuzz target without libFuzzer. It runs each file named on
// the command line (a directory: each file in it, in name order) through
// LLVMFuzzerTestOneInput once; the suite uses it to replay seed corpora and
// fuzz/regressions/ with any compiler, and crashes surface as aborts.
//
// With `--mutate N` it then runs N inputs made from those files by random
// byte edits (flip, overwrite, insert, erase, duplicate, splice), drawn from
// `--seed S`: a short, blind fuzz run that needs no clang and runs under the
// suite's sanitizers. It has no coverage feedback, so it finds far less than
// libFuzzer (scripts/fuzz.sh); it keeps every target honest on inputs near
// the corpus. `--last-input FILE` writes each input there before running
// it, so the one that crashed is left behind.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void run(const Bytes& bytes, const char* last_input) {
  if (last_input != nullptr) {
    std::ofstream out(last_input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  // An allocation of exactly the input's size, as libFuzzer makes, so a read
  // one byte past the end is a heap overflow ASan sees (a vector's spare
  // capacity would hide it).
  const std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[std::max<std::size_t>(bytes.size(), 1)]);
  std::copy(bytes.begin(), bytes.end(), exact.get());
  LLVMFuzzerTestOneInput(exact.get(), bytes.size());
}

// splitmix64: small, and the same sequence on every platform.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t bound) { return bound == 0 ? 0 : static_cast<std::size_t>(next() % bound); }
};

constexpr std::size_t max_input = 1 << 16;

void mutate_once(Bytes& data, const std::vector<Bytes>& corpus, Rng& rng) {
  const std::size_t at = rng.below(data.size() + 1);
  switch (rng.below(6)) {
    case 0:  // flip one bit
      if (!data.empty()) data[rng.below(data.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
      break;
    case 1: {  // overwrite a byte with an interesting value
      static constexpr std::uint8_t values[] = {0, 1, 0x7f, 0x80, 0xff, '\n', ':', '-', '[', '{', '&', '*'};
      if (!data.empty()) data[rng.below(data.size())] = values[rng.below(std::size(values))];
      break;
    }
    case 2: {  // insert random bytes
      const std::size_t count = 1 + rng.below(8);
      for (std::size_t i = 0; i < count; ++i)
        data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng.next()));
      break;
    }
    case 3: {  // erase a range
      const std::size_t count = std::min(data.size() - std::min(at, data.size()), 1 + rng.below(16));
      data.erase(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + count));
      break;
    }
    case 4: {  // duplicate a range in place
      if (data.empty()) break;
      const std::size_t from = rng.below(data.size());
      const std::size_t count = std::min(data.size() - from, 1 + rng.below(32));
      const Bytes piece(data.begin() + static_cast<std::ptrdiff_t>(from),
                        data.begin() + static_cast<std::ptrdiff_t>(from + count));
      data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), piece.begin(), piece.end());
      break;
    }
    default: {  // splice: this input's head, another's tail
      const Bytes& other = corpus[rng.below(corpus.size())];
      const std::size_t from = rng.below(other.size() + 1);
      data.resize(std::min(at, data.size()));
      data.insert(data.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
  }
  if (data.size() > max_input) data.resize(max_input);
}

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "fuzz replay: %s\nusage: fuzz_replay_<target> [--mutate N] [--seed S] [--last-input FILE] PATH...\n",
               message);
  std::exit(2);
}

std::uint64_t number(const char* text, const char* option) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') usage((std::string(option) + " takes a number, not '" + text + "'").c_str());
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t mutations = 0;
  std::uint64_t seed = 1;
  const char* last_input = nullptr;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--mutate" || arg == "--seed" || arg == "--last-input") {
      if (!has_value) usage((arg + " needs a value").c_str());
      const char* value = argv[++i];
      if (arg == "--mutate") mutations = number(value, "--mutate");
      if (arg == "--seed") seed = number(value, "--seed");
      if (arg == "--last-input") last_input = value;
      continue;
    }
    const std::filesystem::path path(arg);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path))
        if (entry.is_regular_file()) found.push_back(entry.path());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(path)) {
      files.push_back(path);
    } else {
      usage(("no such file or directory: " + arg).c_str());
    }
  }
  std::vector<Bytes> corpus;
  for (const auto& file : files) {
    corpus.push_back(read_file(file));
    run(corpus.back(), last_input);
  }
  std::printf("replayed %zu inputs\n", corpus.size());
  if (corpus.empty()) return 1;
  Rng rng{seed};
  for (std::uint64_t i = 0; i < mutations; ++i) {
    Bytes input = corpus[rng.below(corpus.size())];
    const std::size_t edits = 1 + rng.below(4);
    for (std::size_t e = 0; e < edits; ++e) mutate_once(input, corpus, rng);
    run(input, last_input);
  }
  if (mutations > 0) std::printf("ran %llu mutated inputs (seed %llu)\n", static_cast<unsigned long long>(mutations),
                                 static_cast<unsigned long long>(seed));
  return 0;
}
