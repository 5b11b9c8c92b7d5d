// The text forms of yaml_text.h.
#include "sim/scenario/yaml_text.h"

#include <fmt/format.h>

#include "core/protocol/messages.h"
#include "sim/scenario/schema.h"
#include "sim/units.h"

namespace bftsim::yaml_text {

using namespace loader;

// A double-quoted YAML string: always a string, whatever it looks like.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ppm as the exact decimal it stands for: 100000 -> "0.1".
std::string probability(std::uint32_t ppm) {
  if (ppm == 0) return "0";
  if (ppm >= 1'000'000) return "1";
  std::string fraction = fmt::format("{:06}", ppm);
  while (fraction.back() == '0') fraction.pop_back();
  return "0." + fraction;
}

// A signed ppm as its exact decimal: -10000 -> "-0.01".
std::string signed_probability(std::int32_t ppm) {
  const std::string magnitude = probability(static_cast<std::uint32_t>(ppm < 0 ? -static_cast<std::int64_t>(ppm) : ppm));
  return ppm < 0 ? "-" + magnitude : magnitude;
}

std::string number(double value) { return fmt::format("{}", value); }
std::string duration(Duration value) { return format_duration(value); }
std::string boolean(bool value) { return value ? "true" : "false"; }

std::string index_list(const std::vector<ReplicaIndex>& indices) {
  std::string out = "[";
  for (std::size_t i = 0; i < indices.size(); ++i) out += (i ? ", " : "") + fmt::format("{}", indices[i]);
  return out + "]";
}

// "{k: v, k: v}" from key-value pairs in order.
std::string flow_map(const Fields& fields) {
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", fields[i].first, fields[i].second);
  return out + "}";
}

// A block map section: "key:\n  k: v\n..." or nothing when `fields` is empty.
void section(std::string& out, std::string_view key, const Fields& fields) {
  if (fields.empty()) return;
  out += fmt::format("{}:\n", key);
  for (const auto& [name, value] : fields) out += fmt::format("  {}: {}\n", name, value);
}


// "[vote, timeout]" from a mask with bit (t - 1) for MessageType t.
std::string message_types(std::uint32_t mask) {
  std::string out = "[";
  for (std::size_t t = 1; t <= message_type_count; ++t)
    if ((mask & (1u << (t - 1))) != 0)
      out += fmt::format("{}{}", out.size() > 1 ? ", " : "", message_type_name(static_cast<MessageType>(t)));
  return out + "]";
}

void add_in_flight(Fields& f, InFlight in_flight) {
  if (in_flight != InFlight::drop)
    f.emplace_back("in_flight", std::string(name_of(NameTable<InFlight>(in_flight_names), in_flight)));
}

std::string latency(const LatencyDistribution& d) {
  Fields fields{{"distribution", std::string(distribution_name(d.kind))}};
  switch (d.kind) {
    case DistributionKind::constant: fields.emplace_back("value", duration(d.value)); break;
    case DistributionKind::uniform:
      fields.emplace_back("min", duration(d.min));
      fields.emplace_back("max", duration(d.max));
      break;
    case DistributionKind::exponential:
      fields.emplace_back("mean", duration(d.mean));
      if (d.min != 0) fields.emplace_back("min", duration(d.min));
      break;
    case DistributionKind::normal:
      fields.emplace_back("mean", duration(d.mean));
      fields.emplace_back("stddev", duration(d.stddev));
      break;
    case DistributionKind::lognormal:
      fields.emplace_back("median", duration(d.median));
      fields.emplace_back("sigma", number(d.sigma));
      break;
    case DistributionKind::pareto:
      fields.emplace_back("scale", duration(d.scale));
      fields.emplace_back("shape", number(d.shape));
      break;
  }
  return flow_map(fields);
}

}  // namespace bftsim::yaml_text
