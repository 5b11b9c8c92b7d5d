#include "sim/report/csv_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/units.h"

namespace bftsim {

namespace {

// Virtual nanoseconds as microseconds with exactly three decimals.
std::string us(Instant ns) {
  const char* sign = ns < 0 ? "-" : "";
  const std::uint64_t magnitude = ns < 0 ? static_cast<std::uint64_t>(-ns) : static_cast<std::uint64_t>(ns);
  return fmt::format("{}{}.{:03}", sign, magnitude / 1000, magnitude % 1000);
}

// Virtual nanoseconds as seconds with nine exact decimals.
std::string seconds(Instant ns) {
  return fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
}

std::string us(const std::optional<Instant>& ns) { return ns ? us(*ns) : std::string(); }

std::string difference_us(const std::optional<Instant>& later, const std::optional<Instant>& earlier) {
  if (!later || !earlier) return {};
  return us(*later - *earlier);
}

// Quotes a CSV field when it needs it (RFC 4180).
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return make_error(ErrorCode::io_error, fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  file << text;
  file.close();
  if (!file) return make_error(ErrorCode::io_error, fmt::format("error writing {}", path.string()));
  return {};
}

std::size_t view_change_count(const RunReport& report) {
  return static_cast<std::size_t>(std::count_if(report.view_changes.begin(), report.view_changes.end(),
                                                [](const ViewChangeRow& row) { return row.tc_formed.has_value(); }));
}

// Nearest-rank percentile of the view changes' total latency (from the stall's
// start to the first commit after it), over those that ended in a commit;
// empty when none did.
std::string view_change_percentile_us(const RunReport& report, int percent) {
  std::vector<Duration> totals;
  for (const auto& row : report.view_changes)
    if (row.first_commit) totals.push_back(*row.first_commit - row.stall_start);
  if (totals.empty()) return "";
  std::sort(totals.begin(), totals.end());
  const std::size_t rank = (totals.size() * static_cast<std::size_t>(percent) + 99) / 100;
  return us(totals[std::max<std::size_t>(rank, 1) - 1]);
}

std::uint64_t total(const RunReport& report, std::uint64_t MessageCounters::*member) {
  std::uint64_t sum = 0;
  for (const auto& counters : report.messages) sum += counters.*member;
  return sum;
}

}  // namespace

Duration request_latency_percentile(const RunReport& report, int percent) {
  if (report.requests.empty()) return 0;
  std::vector<Duration> latencies;
  latencies.reserve(report.requests.size());
  for (const auto& request : report.requests) latencies.push_back(request.completed_at - request.sent_at);
  std::sort(latencies.begin(), latencies.end());
  const std::size_t rank = (latencies.size() * static_cast<std::size_t>(percent) + 99) / 100;
  return latencies[std::max<std::size_t>(rank, 1) - 1];
}

std::string summary_csv_header() {
  return "scenario,seed,protocol,crypto,replicas,faulty,sim_seconds,events,messages_sent,"
         "messages_delivered,messages_dropped,committed_blocks,committed_ops,requests_issued,"
         "requests_completed,throughput_ops_per_s,latency_us_p50,latency_us_p99,view_changes,"
         "safety,liveness,linearizability,expected_safety,expected_liveness,as_expected,violation_check,"
         "violation_event,violation_time_us,states_installed,node_stops,view_change_p50_us,view_change_p99_us,trace_hash,"
         "committed_blocks_by_proposer";
}

std::string summary_csv_row(const RunReport& report) {
  const Violation* violation = report.safety_violation    ? &*report.safety_violation
                               : report.liveness_violation ? &*report.liveness_violation
                                                           : nullptr;
  // A cut-off run without a safety violation names the cut-off in the
  // violation columns: "cut_off", the events run, the time it stopped.
  std::optional<Violation> cut_off;
  if (violation == nullptr && report.cut_off) {
    cut_off = Violation{"cut_off", report.cut_off->event_count, report.cut_off->at, {}, {}, {}};
    violation = &*cut_off;
  }
  // ops per simulated second, with three exact decimals: ops * 1e9 / ns.
  const std::uint64_t milli_ops_per_s =
      report.end_time > 0 ? static_cast<std::uint64_t>(
                                (static_cast<unsigned __int128>(report.committed_op_count) * 1'000'000'000'000ULL) /
                                static_cast<std::uint64_t>(report.end_time))
                          : 0;
  return fmt::format(
      "{},{},chained-hotstuff,{},{},{},{},{},{},{},{},{},{},{},{},{}.{:03},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
      field(report.scenario_name), report.seed, report.crypto, report.replica_count, report.faulty_count,
      seconds(report.end_time), report.event_count, total(report, &MessageCounters::sent),
      total(report, &MessageCounters::delivered), total(report, &MessageCounters::dropped),
      report.decided_height, report.committed_op_count, report.requests_issued, report.requests.size(),
      milli_ops_per_s / 1000, milli_ops_per_s % 1000, us(request_latency_percentile(report, 50)),
      us(request_latency_percentile(report, 99)), view_change_count(report), verdict_name(report.safety),
      verdict_name(report.liveness), report.linearizability, report.expected_safety, report.expected_liveness,
      report.as_expected ? "yes" : "no", violation ? violation->check : "",
      violation ? fmt::format("{}", violation->event_index) : "", violation ? us(violation->at) : "",
      report.states_installed, report.node_stops.size(), view_change_percentile_us(report, 50),
      view_change_percentile_us(report, 99), report.trace_hash,
      committed_by_proposer_cell(report));
}

Status write_report_csv(const RunReport& report, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return make_error(ErrorCode::io_error, fmt::format("cannot create {}: {}", directory, error.message()));
  const fs::path dir(directory);

  std::string summary = summary_csv_header() + "\n" + summary_csv_row(report) + "\n";
  if (auto status = write_file(dir / "summary.csv", summary); !status) return status;

  std::string commits =
      "replica,height,view,block_hash,proposer,ops,proposed_at_us,committed_at_us,commit_latency_us\n";
  for (const auto& row : report.commits) {
    fmt::format_to(std::back_inserter(commits), "{},{},{},{},{},{},{},{},{}\n", row.replica, row.height, row.view,
                   row.block_hash.short_hex(), row.proposer, row.op_count, us(row.proposed_at), us(row.committed_at),
                   difference_us(row.committed_at, row.proposed_at));
  }
  if (auto status = write_file(dir / "commits.csv", commits); !status) return status;

  std::string requests = "client,request,op,key,sent_at_us,completed_at_us,latency_us,retries,status,height\n";
  for (const auto& row : report.requests) {
    fmt::format_to(std::back_inserter(requests), "{},{},{},{},{},{},{},{},{},{}\n", row.client, row.number,
                   op_type_name(row.op), field(row.key), us(row.sent_at), us(row.completed_at),
                   us(row.completed_at - row.sent_at), row.retries, result_status_name(row.status), row.height);
  }
  if (auto status = write_file(dir / "requests.csv", requests); !status) return status;

  std::string changes =
      "failed_view,stall_start_us,first_timeout_us,tc_formed_us,first_proposal_us,first_commit_us,"
      "detect_us,certify_us,propose_us,commit_us,total_us,cause\n";
  for (const auto& row : report.view_changes) {
    fmt::format_to(std::back_inserter(changes), "{},{},{},{},{},{},{},{},{},{},{},{}\n", row.failed_view,
                   us(row.stall_start), us(row.first_timeout), us(row.tc_formed), us(row.first_proposal),
                   us(row.first_commit), us(row.first_timeout - row.stall_start),
                   difference_us(row.tc_formed, row.first_timeout), difference_us(row.first_proposal, row.tc_formed),
                   difference_us(row.first_commit, row.first_proposal),
                   difference_us(row.first_commit, row.stall_start), view_change_cause_name(row.cause));
  }
  if (auto status = write_file(dir / "view_changes.csv", changes); !status) return status;

  std::string faults = "kind,target,start_us,end_us,detail\n";
  for (const auto& row : report.faults)
    fmt::format_to(std::back_inserter(faults), "{},{},{},{},{}\n", row.kind, field(row.target), us(row.start),
                   us(row.end), field(row.detail));
  if (auto status = write_file(dir / "faults.csv", faults); !status) return status;

  std::string messages = "type,sent,delivered,dropped,duplicated,malformed,bytes_sent\n";
  for (std::size_t i = 0; i < report.messages.size(); ++i) {
    const auto& c = report.messages[i];
    fmt::format_to(std::back_inserter(messages), "{},{},{},{},{},{},{}\n",
                   message_type_name(static_cast<MessageType>(i + 1)), c.sent, c.delivered, c.dropped, c.duplicated,
                   c.malformed, c.bytes_sent);
  }
  if (auto status = write_file(dir / "messages.csv", messages); !status) return status;

  std::string storage =
      "replica,syncs,bytes_written,crashes,bit_flips,torn_appends,full_rejections,sync_delay_us,flushes,"
      "compactions,stored_bytes,states_installed,stopped_at_us,stop_reason\n";
  for (const auto& row : report.storage) {
    const NodeStopRow* stop = nullptr;
    for (const auto& candidate : report.node_stops)
      if (candidate.replica == row.replica) stop = &candidate;  // the last one
    fmt::format_to(std::back_inserter(storage), "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", row.replica, row.syncs,
                   row.bytes_written, row.crashes, row.bit_flips, row.torn_appends, row.full_rejections,
                   us(row.sync_delay_total), row.flushes, row.compactions, row.stored_bytes, row.states_installed,
                   stop ? us(stop->at) : "", stop ? field(stop->reason) : "");
  }
  return write_file(dir / "storage.csv", storage);
}

std::string format_summary_text(const RunReport& report) {
  std::string text;
  auto out = std::back_inserter(text);
  fmt::format_to(out, "scenario {} seed {}: n={} f={} crypto={}, {} simulated\n", report.scenario_name, report.seed,
                 report.replica_count, report.faulty_count, report.crypto, format_duration(report.end_time));
  fmt::format_to(out, "  events {}, messages sent {} delivered {} dropped {}\n", report.event_count,
                 total(report, &MessageCounters::sent), total(report, &MessageCounters::delivered),
                 total(report, &MessageCounters::dropped));
  fmt::format_to(out, "  committed {} blocks, {} operations; requests {} issued, {} completed\n",
                 report.decided_height, report.committed_op_count, report.requests_issued, report.requests.size());
  fmt::format_to(out, "  request latency p50 {} us, p99 {} us; view changes {}\n",
                 us(request_latency_percentile(report, 50)), us(request_latency_percentile(report, 99)),
                 view_change_count(report));
  fmt::format_to(out, "  safety {} (expected {}), liveness {} (expected {}), linearizability {}\n",
                 verdict_name(report.safety), report.expected_safety, verdict_name(report.liveness),
                 report.expected_liveness, report.linearizability);
  fmt::format_to(out, "  {}\n", format_verdict(report));
  for (const auto* violation : {report.safety_violation ? &*report.safety_violation : nullptr,
                                report.liveness_violation ? &*report.liveness_violation : nullptr}) {
    if (violation == nullptr) continue;
    fmt::format_to(out, "  VIOLATION {} at event {} (t={} us): {}\n", violation->check, violation->event_index,
                   us(violation->at), violation->detail);
    if (!violation->context.empty()) fmt::format_to(out, "  the last events that touched replicas involved:\n");
    for (const auto& line : violation->context) fmt::format_to(out, "    {}\n", line);
  }
  if (report.cut_off) fmt::format_to(out, "  CUT OFF (event storm): {}\n", format_cut_off(*report.cut_off));
  if (report.states_installed > 0) fmt::format_to(out, "  state transfers installed: {}\n", report.states_installed);
  for (const auto& stop : report.node_stops)
    fmt::format_to(out, "  replica {} stopped at {} us: {}\n", stop.replica, us(stop.at), stop.reason);
  fmt::format_to(out, "  trace hash {}\n", report.trace_hash);
  return text;
}

std::vector<ExpectationMiss> expectation_misses(const RunReport& report) {
  std::vector<ExpectationMiss> misses;
  // A linearizability violation is a safety violation (its check names it).
  const bool wrong_check = !report.expected_check.empty() && report.safety_violation &&
                           report.safety_violation->check != report.expected_check;
  if ((report.safety == Verdict::holds) != (report.expected_safety == "holds") || wrong_check)
    misses.push_back({"safety", report.safety, report.expected_safety, report.expected_check, report.safety_violation,
                      std::nullopt});
  // After a safety violation liveness is unchecked, so an expected liveness
  // verdict is missed too: the run cannot say whether it held.
  // A cut-off run is judged by the cut-off alone: its liveness is unchecked
  // because it stopped short, which the cut-off miss already says.
  if (report.cut_off.has_value() != report.expected_cut_off) {
    misses.push_back({"cut_off", report.cut_off ? Verdict::violated : Verdict::holds,
                      report.expected_cut_off ? "cut off" : "not cut off", {}, std::nullopt, report.cut_off});
  } else if (!report.cut_off && report.expected_liveness != "unchecked" &&
             report.expected_liveness != verdict_name(report.liveness)) {
    misses.push_back({"liveness", report.liveness, report.expected_liveness, {}, report.liveness_violation, std::nullopt});
  }
  BFTSIM_ASSERT(misses.empty() == report.as_expected);
  return misses;
}

std::string format_cut_off(const CutOff& cut_off) {
  return fmt::format("{} events in the {} of simulated time from {} passed event_rate_max {} per simulated second; "
                     "stopped at {} after {} events",
                     cut_off.window_events, format_duration(cut_off.window), format_duration(cut_off.window_start),
                     cut_off.event_rate_max, format_duration(cut_off.at), cut_off.event_count);
}

std::string format_miss(const ExpectationMiss& miss, bool detail) {
  if (miss.aspect == "cut_off") {
    if (miss.cut_off) return detail ? "cut off as an event storm: " + format_cut_off(*miss.cut_off) : "cut off as an event storm";
    return detail ? "not cut off (expected cut_off): ran to its end" : "not cut off (expected cut_off)";
  }
  std::string text;
  if (miss.expected_check.empty()) {
    text = fmt::format("{} {} (expected {})", miss.aspect, verdict_name(miss.verdict), miss.expected);
  } else {
    const std::string found = miss.violation ? " by " + miss.violation->check : "";
    text = fmt::format("{} {}{} (expected {} by {})", miss.aspect, verdict_name(miss.verdict), found, miss.expected,
                       miss.expected_check);
  }
  if (detail && miss.violation) text += fmt::format(": {}: {}", miss.violation->check, miss.violation->detail);
  if (detail && miss.verdict == Verdict::holds) text += ": no check fired";
  return text;
}

std::string format_misses_line(const RunReport& report) {
  const std::vector<ExpectationMiss> misses = expectation_misses(report);
  if (misses.empty()) return {};
  std::string text = "NOT as expected: ";
  for (std::size_t i = 0; i < misses.size(); ++i) text += (i > 0 ? "; " : "") + format_miss(misses[i], true);
  return text;
}

std::string format_verdict(const RunReport& report) {
  const std::vector<ExpectationMiss> misses = expectation_misses(report);
  if (!misses.empty()) {
    std::string text = "verdict: NOT as expected: ";
    for (std::size_t i = 0; i < misses.size(); ++i) text += (i > 0 ? "; " : "") + format_miss(misses[i], false);
    return text;
  }
  std::vector<std::string> found;
  if (report.cut_off) found.push_back("cut off, as expected");
  if (report.safety_violation) found.push_back("safety violated, as expected: " + report.safety_violation->check);
  if (report.liveness_violation)
    found.push_back("liveness violated, as expected: " + report.liveness_violation->check);
  if (found.empty())
    return fmt::format("verdict: as expected (safety {}, liveness {})", verdict_name(report.safety),
                       verdict_name(report.liveness));
  std::string joined = found[0];
  for (std::size_t i = 1; i < found.size(); ++i) joined += "; " + found[i];
  return fmt::format("verdict: as expected ({})", joined);
}

std::string committed_by_proposer_cell(const RunReport& report) {
  // A loop, not fmt::join: GCC 12 at -O3 reports a false -Wstringop-overflow
  // inside fmt 9's join formatter (GCC bug 106199).
  std::string cell;
  for (std::size_t i = 0; i < report.committed_blocks_by_proposer.size(); ++i)
    cell += (i == 0 ? "" : ";") + std::to_string(report.committed_blocks_by_proposer[i]);
  return cell;
}

}  // namespace bftsim
