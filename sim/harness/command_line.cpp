// Shared pieces of the bftsim subcommands (command_line.h).
#include "sim/harness/command_line.h"

#include <cstdio>
#include <exception>

#include <fmt/format.h>

namespace bftsim {

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& text) {
  try {
    std::size_t used = 0;
    const std::size_t dash = text.find('-');
    if (dash == std::string::npos) {
      const std::uint64_t count = std::stoull(text, &used);
      if (used != text.size() || count == 0) return std::nullopt;
      return std::make_pair(std::uint64_t{1}, count);
    }
    const std::uint64_t first = std::stoull(text.substr(0, dash), &used);
    if (used != dash) return std::nullopt;
    const std::string rest = text.substr(dash + 1);
    const std::uint64_t last = std::stoull(rest, &used);
    if (used != rest.size() || last < first) return std::nullopt;
    return std::make_pair(first, last);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(text);
}

std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-+./:=@%,") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string replay_command(const CommandOptions& options, std::uint64_t seed, const std::vector<std::string>& extra) {
  std::string command = fmt::format("bftsim run {} --seed {}", shell_word(options.scenario_path), seed);
  for (const auto& set : options.overrides) command += " --set " + shell_word(set);
  for (const auto& set : extra) command += " --set " + shell_word(set);
  return command;
}

Result<Scenario> load_scenario_for(const CommandOptions& options, const std::vector<std::string>& extra) {
  std::vector<std::string> overrides = options.overrides;
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  auto scenario = load_scenario_file(options.scenario_path, overrides);
  if (!scenario) fmt::print(stderr, "bftsim: {}\n", scenario.error().message);
  return scenario;
}

}  // namespace bftsim
