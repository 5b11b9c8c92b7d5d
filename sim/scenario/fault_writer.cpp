// fault_to_yaml (scenario_writer.h): one fault entry as the flow map the
// loader's fault readers (faults.cpp, fault_scope.cpp) read back into an
// equal Fault: its type, its window by time or by view, its message filter
// and its own keys, each left out when at the loader's default.
#include <optional>
#include <type_traits>

#include <fmt/format.h>

#include "sim/scenario/scenario_writer.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/yaml_text.h"

namespace bftsim {

using namespace loader;
using namespace yaml_text;

namespace {

void add_until(Fields& f, const std::optional<Duration>& until) {
  if (until) f.emplace_back("until", duration(*until));
}

// The window: `at` and `until`, or `at_view` and `until_view`.
template <typename F>
void add_window(Fields& f, const F& x, const std::optional<Duration>& until) {
  if (x.at_view) {
    f.emplace_back("at_view", fmt::format("{}", *x.at_view));
    if constexpr (requires { x.until_view; })
      if (x.until_view) f.emplace_back("until_view", fmt::format("{}", *x.until_view));
    return;
  }
  f.emplace_back("at", duration(x.at));
  if (until) f.emplace_back("until", duration(*until));
}

void add_filter(Fields& f, const MessageFilter& filter) {
  if (filter.type_mask != 0) f.emplace_back("types", message_types(filter.type_mask));
  if (filter.views) f.emplace_back("views", fmt::format("[{}, {}]", filter.views->first, filter.views->second));
}

void add_link_ends(Fields& f, ReplicaIndex from, ReplicaIndex to, bool both) {
  f.emplace_back("from", fmt::format("{}", from));
  f.emplace_back("to", fmt::format("{}", to));
  if (both) f.emplace_back("both", "true");
}

// "[[0, 1, 3a], [2, 3b]]": each group's nodes, then the twin instances in it.
std::string groups_yaml(const PartitionFault& x) {
  std::string groups = "[";
  for (std::size_t g = 0; g < x.groups.size(); ++g) {
    std::string group = "[";
    for (std::size_t i = 0; i < x.groups[g].size(); ++i) group += fmt::format("{}{}", i ? ", " : "", x.groups[g][i]);
    for (const TwinPlacement& twin : x.twins)
      for (std::size_t k = 0; k < 2; ++k)
        if (twin.group[k] == g) group += fmt::format("{}{}{}", group.size() > 1 ? ", " : "", twin.replica, k == 0 ? 'a' : 'b');
    groups += (g ? ", " : "") + group + "]";
  }
  return groups + "]";
}

Fields fault_fields(const Fault& fault) {
  Fields f{{"type", std::string(fault_type_name(fault))}};
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CrashFault> || std::is_same_v<T, RestartFault>) {
          f.emplace_back("node", fmt::format("{}", x.replica));
          add_window(f, x, std::nullopt);
        } else if constexpr (std::is_same_v<T, PartitionFault>) {
          f.emplace_back("groups", groups_yaml(x));
          add_window(f, x, x.until);
          add_in_flight(f, x.in_flight);
          add_filter(f, x.filter);
        } else if constexpr (std::is_same_v<T, CutFault>) {
          add_link_ends(f, x.from, x.to, false);
          add_window(f, x, x.until);
          add_in_flight(f, x.in_flight);
          add_filter(f, x.filter);
        } else if constexpr (std::is_same_v<T, LinkFault>) {
          add_link_ends(f, x.from, x.to, x.both);
          add_window(f, x, x.until);
          if (x.loss_ppm) f.emplace_back("loss", probability(*x.loss_ppm));
          if (x.latency) f.emplace_back("latency", latency(*x.latency));
          if (x.duplicate_ppm) f.emplace_back("duplicate", probability(*x.duplicate_ppm));
          if (x.bandwidth) f.emplace_back("bandwidth", format_rate(*x.bandwidth));
          add_filter(f, x.filter);
        } else if constexpr (std::is_same_v<T, ClogFault>) {
          add_link_ends(f, x.from, x.to, x.both);
          add_window(f, x, std::optional<Duration>(x.until));
          add_filter(f, x.filter);
        } else if constexpr (std::is_same_v<T, DiskFault>) {
          f.emplace_back("node", fmt::format("{}", x.replica));
          f.emplace_back("fault", std::string(disk_fault_kind_name(x.kind)));
          f.emplace_back("at", duration(x.at));
          if (x.kind != DiskFaultKind::corrupt && x.until) f.emplace_back("until", duration(*x.until));
          if (x.kind == DiskFaultKind::corrupt && x.bit_flip_count != 1)
            f.emplace_back("count", fmt::format("{}", x.bit_flip_count));
          if (x.kind == DiskFaultKind::slow) f.emplace_back("latency", duration(x.sync_latency));
          if (x.kind == DiskFaultKind::full && x.capacity_bytes)
            f.emplace_back("capacity_bytes", fmt::format("{}", *x.capacity_bytes));
        } else if constexpr (std::is_same_v<T, ClockFault>) {
          f.emplace_back("node", fmt::format("{}", x.replica));
          f.emplace_back("at", duration(x.at));
          add_until(f, x.until);
          if (x.skew != 0) f.emplace_back("skew", duration(x.skew));
          if (x.drift_ppm != 0) f.emplace_back("drift", signed_probability(x.drift_ppm));
        }
      },
      fault);
  return f;
}

}  // namespace

std::string fault_to_yaml(const Fault& fault) { return flow_map(fault_fields(fault)); }

}  // namespace bftsim
