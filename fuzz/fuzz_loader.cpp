// libFuzzer target for the scenario loader (sim/scenario/scenario.h, scenario_tree.h):
// any bytes, read as a scenario file and as a --set value, must give a
// Scenario or one error naming its place. Hangs, stack overflows, memory
// blowups and exceptions are the bugs this looks for; sanitizers and
// libFuzzer's -timeout / -rss_limit_mb catch them. Stateless per input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/types/assert.h"
#include "sim/scenario/scenario.h"

namespace {

// The smallest valid scenario, for the --set forms.
constexpr std::string_view minimal_yaml =
    "name: fuzz\ndescription: d\nduration: 1s\nreplicas: 4\nfaulty: 1\nexpect: {safety: holds, liveness: holds}\n";

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

void load_as_file(std::string_view text) {
  auto loaded = bftsim::load_scenario_string(text, "fuzz.yaml", {});
  if (!loaded) {
    BFTSIM_ASSERT(starts_with(loaded.error().message, "fuzz.yaml:"));
    return;
  }
  // Loading is a pure function of the text.
  auto again = bftsim::load_scenario_string(text, "fuzz.yaml", {});
  BFTSIM_ASSERT(again.has_value());
  BFTSIM_ASSERT(*again == *loaded);
}

void load_as_override(std::string_view path, std::string_view text) {
  const std::vector<std::string> overrides = {std::string(path) + "=" + std::string(text)};
  auto loaded = bftsim::load_scenario_string(minimal_yaml, "fuzz.yaml", overrides);
  if (!loaded) {
    // A value is located at its --set, or (a broken cross-key rule) in the file.
    const std::string& message = loaded.error().message;
    BFTSIM_ASSERT(starts_with(message, "--set ") || starts_with(message, "fuzz.yaml:"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  load_as_file(text);
  // A scalar key, a map key and a list-of-maps key: the value reaches
  // different parts of the schema.
  load_as_override("seed", text);
  load_as_override("network", text);
  load_as_override("faults", text);
  return 0;
}
