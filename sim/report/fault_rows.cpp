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

std::string groups_text(const std::vector<std::vector<ReplicaIndex>>& groups) {
  std::string out;
  for (const auto& group : groups) {
    if (!out.empty()) out += '|';
    for (std::size_t i = 0; i < group.size(); ++i) out += fmt::format("{}{}", i ? " " : "", group[i]);
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
            restart && restart->replica == crash->replica && restart->at > crash->at &&
            (!row.end || restart->at < *row.end))
          row.end = restart->at;
    } else if (const auto* restart = std::get_if<RestartFault>(&fault)) {
      row.target = fmt::format("{}", restart->replica);
      row.end = restart->at;
    } else if (const auto* partition = std::get_if<PartitionFault>(&fault)) {
      row.target = groups_text(partition_groups_with_rest(*partition, scenario.replica_count));
    } else if (const auto* cut = std::get_if<CutFault>(&fault)) {
      row.target = link_target(cut->from, cut->to, false);
      for (std::size_t t = 1; t <= message_type_count; ++t)
        if ((cut->type_mask & (1u << (t - 1))) != 0)
          row.detail += fmt::format("{}{}", row.detail.empty() ? "types=" : "+", message_type_name(static_cast<MessageType>(t)));
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
