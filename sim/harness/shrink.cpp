// shrink_scenario (shrink.h): the passes over one current scenario, each
// candidate tried with one rerun and kept only when it still violates.
#include "sim/harness/shrink.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/types/assert.h"
#include "sim/harness/ddmin.h"
#include "sim/net/fault_schedule.h"
#include "sim/scenario/scenario_writer.h"
#include "sim/units.h"

namespace bftsim {
namespace {

constexpr int round_count_max = 3;       // rounds of passes 3-6
constexpr int window_halvings_max = 6;   // per fault window
constexpr Duration step = ns_per_ms;     // times are cut to whole milliseconds

Duration ceil_ms(Duration d) { return (d + step - 1) / step * step; }
Duration round_ms(Duration d) { return (d + step / 2) / step * step; }

// A part ddmin may drop: one fault entry or one behaviour of one replica.
struct Part {
  std::optional<std::size_t> fault;  // index into scenario.faults
  ReplicaIndex replica = 0;          // otherwise: this replica's
  ByzantineBehavior behavior = ByzantineBehavior::silent;
};

std::string describe(const Scenario& scenario, const Part& part) {
  if (part.fault) return fmt::format("fault {}", fault_to_yaml(scenario.faults[*part.fault]));
  return fmt::format("behaviour {} of replica {}", byzantine_behavior_name(part.behavior), part.replica);
}

// When the last fault of the schedule ends (the liveness checker's GST).
Instant stabilization_time(const Scenario& scenario) {
  Instant gst = 0;
  for (const Fault& fault : scenario.faults) gst = std::max(gst, fault_until(fault).value_or(fault_at(fault)));
  return gst;
}

class Shrinker {
 public:
  Shrinker(const Scenario& input, const Violation& violation, const Reproduce& reproduce)
      : reproduce_(reproduce) {
    result_.scenario = input;
    result_.violation = violation;
  }

  ShrinkResult run(std::uint64_t seed) {
    materialize_random_faults(seed);
    cut_duration();
    for (int round = 0; round < round_count_max; ++round) {
      const std::size_t steps_before = result_.steps.size();
      drop_parts();
      shorten_windows();
      lower_clients();
      cut_duration();
      if (result_.steps.size() == steps_before) break;
    }
    if (result_.scenario.byzantine.size() <= result_.scenario.faulty_count)
      result_.scenario.allow_more_faulty = false;  // no longer past f: the loader needs no permission
    return std::move(result_);
  }

 private:
  // Reruns `candidate`; keeps it (and logs `what`) when it still violates.
  bool attempt(const Scenario& candidate, const std::string& what) {
    ++result_.reruns;
    auto violation = reproduce_(candidate);
    if (!violation) return false;
    result_.scenario = candidate;
    result_.violation = std::move(*violation);
    if (!what.empty()) result_.steps.push_back(what);
    return true;
  }

  const Scenario& current() const { return result_.scenario; }

  void materialize_random_faults(std::uint64_t seed) {
    if (!current().random_faults.any()) return;
    Scenario candidate = bftsim::materialize_random_faults(current(), seed);
    const std::size_t added = candidate.faults.size() - current().faults.size();
    const std::size_t byzantine = candidate.byzantine.size() - current().byzantine.size();
    attempt(candidate, fmt::format("wrote the {} random faults{} of seed {} as fault entries", added,
                                   byzantine ? fmt::format(" and {} random Byzantine replicas", byzantine) : "", seed));
  }

  // Safety checks stop the run at their event: the run up to it is the same
  // with any duration past it. End-of-run checks get a binary search; a
  // liveness stall needs at least GST + within, and commit_height_min only
  // gets easier with less time, so its duration stays.
  void cut_duration() {
    const std::string& check = result_.violation.check;
    if (check == "commit_height_min") return;
    const Duration duration = current().duration;
    if (!end_of_run_check(check)) {
      const Duration cut = std::max(step, ceil_ms(result_.violation.at));
      if (cut >= duration) return;
      Scenario candidate = current();
      candidate.duration = cut;
      attempt(candidate, fmt::format("cut the duration from {} to {}, just past the violation",
                                     format_duration(duration), format_duration(cut)));
      return;
    }
    Duration lower = check == "liveness" ? stabilization_time(current()) + current().expect.within : 0;
    lower = lower / step * step;
    Duration upper = duration;  // known to violate
    while (upper - lower > step) {
      const Duration middle = round_ms(lower + (upper - lower) / 2);
      if (middle <= lower || middle >= upper) break;
      Scenario candidate = current();
      candidate.duration = middle;
      if (attempt(candidate, "")) {
        upper = middle;
      } else {
        lower = middle;
      }
    }
    if (upper < duration)
      result_.steps.push_back(
          fmt::format("cut the duration from {} to {}", format_duration(duration), format_duration(upper)));
  }

  void drop_parts() {
    std::vector<Part> parts;
    for (std::size_t f = 0; f < current().faults.size(); ++f) parts.push_back(Part{f});
    for (const ByzantineSpec& spec : current().byzantine)
      for (ByzantineBehavior behavior : spec.behaviors) parts.push_back(Part{std::nullopt, spec.replica, behavior});
    if (parts.empty()) return;
    const Scenario base = current();
    const auto build = [&](const Subset& kept) {
      Scenario candidate = base;
      candidate.faults.clear();
      for (auto& spec : candidate.byzantine) spec.behaviors.clear();
      for (std::size_t k : kept) {
        const Part& part = parts[k];
        if (part.fault) {
          candidate.faults.push_back(base.faults[*part.fault]);
          continue;
        }
        for (auto& spec : candidate.byzantine)
          if (spec.replica == part.replica) spec.behaviors.push_back(part.behavior);
      }
      std::erase_if(candidate.byzantine, [](const ByzantineSpec& spec) { return spec.behaviors.empty(); });
      return candidate;
    };
    // ddmin moves to a subset as soon as it fails, so its answer is the
    // last subset it tested that failed (or all of them, when none did).
    std::optional<std::pair<Subset, ShrinkResult>> last_failing;
    const DdminResult found = ddmin(parts.size(), [&](const Subset& kept) {
      ++result_.reruns;
      Scenario candidate = build(kept);
      auto violation = reproduce_(candidate);
      if (!violation) return false;
      last_failing = {kept, ShrinkResult{std::move(candidate), std::move(*violation), {}, 0}};
      return true;
    });
    if (found.kept.size() == parts.size()) return;
    BFTSIM_ASSERT(last_failing && last_failing->first == found.kept);
    result_.scenario = std::move(last_failing->second.scenario);
    result_.violation = std::move(last_failing->second.violation);
    std::vector<bool> kept(parts.size(), false);
    for (std::size_t k : found.kept) kept[k] = true;
    for (std::size_t k = 0; k < parts.size(); ++k)
      if (!kept[k]) result_.steps.push_back("dropped " + describe(base, parts[k]));
  }

  void shorten_windows() {
    for (std::size_t f = 0; f < current().faults.size(); ++f) {
      const Fault& fault = current().faults[f];
      const bool instant = std::holds_alternative<CrashFault>(fault) || std::holds_alternative<RestartFault>(fault) ||
                           (std::holds_alternative<DiskFault>(fault) &&
                            std::get<DiskFault>(fault).kind == DiskFaultKind::corrupt);
      if (instant) continue;
      const Duration at = fault_at(fault);
      const std::optional<Duration> until_before = fault_until(fault);
      if (at >= current().duration) continue;
      Duration window = until_before.value_or(current().duration) - at;
      for (int i = 0; i < window_halvings_max; ++i) {
        const Duration shorter = round_ms(window / 2);
        if (shorter < step || shorter >= window) break;
        Scenario candidate = current();
        set_until(candidate.faults[f], at + shorter);
        if (!attempt(candidate, "")) break;
        window = shorter;
      }
      const std::optional<Duration> until_after = fault_until(current().faults[f]);
      if (until_after != until_before)
        result_.steps.push_back(fmt::format("shortened fault {} to end at {} (was {})", f,
                                            format_duration(*until_after),
                                            until_before ? format_duration(*until_before) : "never"));
    }
  }

  static void set_until(Fault& fault, Duration until) {
    std::visit(
        [&](auto& f) {
          using T = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<T, ClogFault>) {
            f.until = until;
          } else if constexpr (!std::is_same_v<T, CrashFault> && !std::is_same_v<T, RestartFault>) {
            f.until = until;
          }
        },
        fault);
  }

  // The least value in [lowest, now] that still violates, by binary search
  // (lowest first: often the workload does not matter at all); `apply` sets
  // a value on a copy of the current scenario.
  template <typename Apply>
  void lower_value(const char* name, std::uint64_t now, std::uint64_t lowest, Apply apply) {
    if (now <= lowest) return;
    const auto violates = [&](std::uint64_t value) {
      Scenario candidate = current();
      apply(candidate, value);
      return attempt(candidate, "");
    };
    std::uint64_t fails = now;  // known to violate
    if (violates(lowest)) {
      fails = lowest;
    } else {
      std::uint64_t passes = lowest;  // known not to
      while (fails - passes > 1) {
        const std::uint64_t middle = passes + (fails - passes) / 2;
        if (violates(middle)) {
          fails = middle;
        } else {
          passes = middle;
        }
      }
    }
    if (fails < now) result_.steps.push_back(fmt::format("lowered {} from {} to {}", name, now, fails));
  }

  void lower_clients() {
    const ClientsConfig& clients = current().clients;
    lower_value("clients.count", clients.client_count, 0,
                [](Scenario& s, std::uint64_t v) { s.clients.client_count = static_cast<std::uint32_t>(v); });
    if (current().clients.client_count == 0) return;
    if (current().clients.mode == ClientMode::closed) {
      lower_value("clients.outstanding", current().clients.outstanding_max, 1,
                  [](Scenario& s, std::uint64_t v) { s.clients.outstanding_max = static_cast<std::uint32_t>(v); });
    } else {
      lower_value("clients.rate (events per period)", current().clients.rate.events, 1,
                  [](Scenario& s, std::uint64_t v) { s.clients.rate.events = v; });
    }
    if (current().clients.op_count_max > 0)
      lower_value("clients.max_ops", current().clients.op_count_max, 1,
                  [](Scenario& s, std::uint64_t v) { s.clients.op_count_max = v; });
  }

  const Reproduce& reproduce_;
  ShrinkResult result_;
};

}  // namespace

bool end_of_run_check(const std::string& check) {
  return check == "liveness" || check == "commit_height_min" || check == "linearizability";
}

ShrinkResult shrink_scenario(const Scenario& input, const Violation& violation, std::uint64_t seed,
                             const Reproduce& reproduce) {
  return Shrinker(input, violation, reproduce).run(seed);
}

}  // namespace bftsim
