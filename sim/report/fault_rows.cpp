// faults.csv rows from the scenario and its schedule (fault_rows.h).
#include "sim/report/fault_rows.h"

#include <fmt/format.h>

#include "core/protocol/messages.h"
#include "sim/units.h"

namespace bftsim {
namespace {

std::string link_target(ReplicaIndex from, ReplicaIndex to, bool both) {
  return fmt::format("{}{}{}", from, both ? "<->" : "->", to);
}

// "0 1|2 3", with twin instances after the nodes of their group: "0 1 3a|2 3b".
std::string groups_text(const PartitionFault& partition, std::uint32_t replica_count) {
  const auto groups = partition_groups_with_rest(partition, replica_count);
  std::string out;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) out += '|';
    std::string group;
    for (ReplicaIndex replica : groups[g]) group += fmt::format("{}{}", group.empty() ? "" : " ", replica);
    for (const TwinPlacement& twin : partition.twins)
      for (std::size_t k = 0; k < 2; ++k)
        if (twin.group[k] == g) group += fmt::format("{}{}{}", group.empty() ? "" : " ", twin.replica, k == 0 ? 'a' : 'b');
    out += group;
  }
  return out;
}

// What a filter and a view-keyed window add to the detail column.
std::string window_text(const Fault& fault) {
  std::string out;
  if (const auto at_view = fault_at_view(fault)) out += fmt::format("at_view={}", *at_view);
  if (const auto until_view = fault_until_view(fault)) out += fmt::format(" until_view={}", *until_view);
  if (const MessageFilter* filter = fault_filter(fault)) {
    if (filter->type_mask != 0) {
      std::string types;
      for (std::size_t t = 1; t <= message_type_count; ++t)
        if ((filter->type_mask >> (t - 1)) & 1u)
          types += fmt::format("{}{}", types.empty() ? "" : "+", message_type_name(static_cast<MessageType>(t)));
      out += fmt::format("{}types={}", out.empty() ? "" : " ", types);
    }
    if (filter->views) out += fmt::format("{}views={}-{}", out.empty() ? "" : " ", filter->views->first, filter->views->second);
  }
  return out;
}

std::string ppm_text(std::uint32_t ppm) { return fmt::format("{:g}", static_cast<double>(ppm) / 1e6); }

}  // namespace

std::vector<FaultRow> fault_rows(const Scenario& scenario, const std::vector<Fault>& schedule) {
  std::vector<FaultRow> rows;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const Fault& fault = schedule[i];
    FaultRow row{std::string(fault_type_name(fault)), "", fault_at(fault), fault_until(fault), ""};
    if (const auto* crash = std::get_if<CrashFault>(&fault)) {
      row.target = fmt::format("{}", crash->replica);
      for (const Fault& later : schedule)
        if (const auto* restart = std::get_if<RestartFault>(&later);
            restart && !crash->at_view && !restart->at_view && restart->replica == crash->replica &&
            restart->at > crash->at && (!row.end || restart->at < *row.end))
          row.end = restart->at;
    } else if (const auto* restart = std::get_if<RestartFault>(&fault)) {
      row.target = fmt::format("{}", restart->replica);
      if (!restart->at_view) row.end = restart->at;
    } else if (const auto* partition = std::get_if<PartitionFault>(&fault)) {
      row.target = groups_text(*partition, scenario.replica_count);
    } else if (const auto* cut = std::get_if<CutFault>(&fault)) {
      row.target = link_target(cut->from, cut->to, false);
    } else if (const auto* link = std::get_if<LinkFault>(&fault)) {
      row.target = link_target(link->from, link->to, link->both);
      if (link->loss_ppm) row.detail += "loss=" + ppm_text(*link->loss_ppm);
      if (link->duplicate_ppm) row.detail += (row.detail.empty() ? "" : " ") + ("duplicate=" + ppm_text(*link->duplicate_ppm));
      if (link->latency) row.detail += (row.detail.empty() ? "" : " ") + std::string("latency");
      if (link->bandwidth) row.detail += (row.detail.empty() ? "" : " ") + ("bandwidth=" + format_rate(*link->bandwidth));
    } else if (const auto* clog = std::get_if<ClogFault>(&fault)) {
      row.target = link_target(clog->from, clog->to, clog->both);
    } else if (const auto* disk = std::get_if<DiskFault>(&fault)) {
      row.target = fmt::format("{}", disk->replica);
      row.detail = std::string(disk_fault_kind_name(disk->kind));
      if (disk->kind == DiskFaultKind::corrupt) row.end = disk->at;
    } else if (const auto* clock = std::get_if<ClockFault>(&fault)) {
      row.target = fmt::format("{}", clock->replica);
      row.detail = fmt::format("skew={} drift={:g}", format_duration(clock->skew),
                               static_cast<double>(clock->drift_ppm) / 1e6);
    }
    if (const std::string window = window_text(fault); !window.empty())
      row.detail += (row.detail.empty() ? "" : " ") + window;
    rows.push_back(std::move(row));
  }
  for (const ByzantineSpec& spec : scenario.byzantine) {
    std::string behaviors;
    for (ByzantineBehavior b : spec.behaviors) behaviors += (behaviors.empty() ? "" : " ") + std::string(byzantine_behavior_name(b));
    rows.push_back(FaultRow{"byzantine", fmt::format("{}", spec.replica), 0, std::nullopt, behaviors});
  }
  if (scenario.network.loss_ppm > 0)
    rows.push_back(FaultRow{"loss", "all", 0, std::nullopt, "loss=" + ppm_text(scenario.network.loss_ppm)});
  return rows;
}

}  // namespace bftsim
