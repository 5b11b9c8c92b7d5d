// Text forms the scenario writer emits (scenario_writer.cpp, fault_writer.cpp):
// exact YAML scalars for strings, probabilities, durations and lists, and the
// flow and block maps the writer builds from ordered key-value fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario/scenario.h"

namespace bftsim::yaml_text {

// Key-value pairs in the order they are written.
using Fields = std::vector<std::pair<std::string_view, std::string>>;

// A double-quoted YAML string: always a string, whatever it looks like.
std::string quoted(std::string_view text);
// ppm as the exact decimal it stands for: 100000 -> "0.1".
std::string probability(std::uint32_t ppm);
// A signed ppm as its exact decimal: -10000 -> "-0.01".
std::string signed_probability(std::int32_t ppm);
// fmt's shortest form that reads back to the same bits.
std::string number(double value);
std::string duration(Duration value);
std::string boolean(bool value);
std::string index_list(const std::vector<ReplicaIndex>& indices);
// "{k: v, k: v}".
std::string flow_map(const Fields& fields);
// A block map section: "key:\n  k: v\n..." or nothing when `fields` is empty.
void section(std::string& out, std::string_view key, const Fields& fields);
// "[vote, timeout]" from a mask with bit (t - 1) for MessageType t.
std::string message_types(std::uint32_t mask);
// A latency distribution as its flow map ("{distribution: uniform, ...}").
std::string latency(const LatencyDistribution& d);
// `in_flight: deliver` when not the default (drop).
void add_in_flight(Fields& f, InFlight in_flight);

}  // namespace bftsim::yaml_text
