// A trace window as Chrome trace-event JSON (trace_perfetto.h). Built in
// passes over the window's records: one slice per (event, endpoint) that did
// something, their widths, the view slices around them, then the flows and
// instants placed inside the slices they belong to. Perfetto binds a flow
// event to the innermost slice open on its track at its time, and an instant
// is a zero-width slice that stays open until the next slice begins; so flows
// sit at a quarter of their slice and instants at half of it, after them;
// and at one instant, a slice's flows and instants come right after it,
// before the next slice (two events of one track can share an instant).
#include "sim/report/trace_perfetto.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>

namespace bftsim {
namespace {

struct Slice {
  EndpointIndex track = 0;
  Instant at = 0;
  Duration dur = 0;
  std::string name;
  std::string args;  // the inside of a JSON object
  Instant flow_point() const { return at + dur / 4; }
  Instant instant_point() const { return at + dur / 2; }
};

// One line of the trace, with where it sorts: by time, then views before
// everything else, then by the slice it belongs to (its slice, then its flows,
// then its instants), then global instants.
struct Output {
  Instant at;
  int group;            // 0 views, 1 event slices and what is in them, 2 global instants
  std::uint64_t order;  // in group 1: 4 * slice index + (0 slice, 1 flow, 2 instant)
  std::string json;
};

std::string ts_us(Instant ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

// The endpoint whose track shows a step: the one it happened to.
std::optional<EndpointIndex> step_track(const EventRecord& step) {
  switch (step.kind) {
    case EventKind::fault_begin:
    case EventKind::fault_end:
      return step.fault_replica;
    case EventKind::timer:
      if (step.stale) return std::nullopt;
      return step.to;
    default:
      return step.to;
  }
}

std::string step_name(const EventRecord& step) {
  switch (step.kind) {
    case EventKind::deliver: return step.label;
    case EventKind::timer: return "timer";
    case EventKind::replica_start: return "start";
    case EventKind::client_issue: return "issue";
    case EventKind::client_retry: return fmt::format("retry #{}", step.arg);
    case EventKind::fault_begin: return fmt::format("{} {} begins", step.fault_kind, step.fault_target);
    case EventKind::fault_end: return fmt::format("{} {} ends", step.fault_kind, step.fault_target);
  }
  return "event";
}

std::string step_args(std::uint64_t index, const EventRecord& step, std::uint32_t replica_count) {
  std::string args = fmt::format(R"("event":{})", index);
  if (step.kind == EventKind::deliver)
    args += fmt::format(R"(,"from":"{}","msg":{},"bytes":{})", endpoint_name(step.from, replica_count),
                        step.message_id, step.size_bytes.value_or(0));
  return args;
}

class PerfettoBuilder {
 public:
  explicit PerfettoBuilder(const TraceWindow& window)
      : w_(window), endpoint_count_(window.replica_count + window.client_count) {}

  std::string build() {
    make_slices();
    size_slices();
    make_views();
    make_flows_and_instants();
    std::stable_sort(out_.begin(), out_.end(), [](const Output& a, const Output& b) {
      return std::tie(a.at, a.group, a.order) < std::tie(b.at, b.group, b.order);
    });
    std::string json = "{\"traceEvents\":[\n";
    bool first = true;
    const auto append = [&](const std::string& line) {
      json += first ? "" : ",\n";
      json += line;
      first = false;
    };
    for (const std::string& line : metadata()) append(line);
    for (const Output& o : out_) append(o.json);
    return json + "\n]}\n";
  }

 private:
  int pid(EndpointIndex e) const { return e < w_.replica_count ? 1 : 2; }
  std::uint32_t tid(EndpointIndex e) const { return e + 1; }
  std::string where(EndpointIndex e) const { return fmt::format(R"("pid":{},"tid":{})", pid(e), tid(e)); }

  std::vector<std::string> metadata() const {
    std::vector<std::string> lines;
    const std::string prefix = w_.title.empty() ? std::string() : json_escape(w_.title) + ": ";
    lines.push_back(fmt::format(R"({{"ph":"M","pid":1,"name":"process_name","args":{{"name":"{}replicas"}}}})", prefix));
    lines.push_back(R"({"ph":"M","pid":1,"name":"process_sort_index","args":{"sort_index":1}})");
    if (w_.client_count > 0) {
      lines.push_back(fmt::format(R"({{"ph":"M","pid":2,"name":"process_name","args":{{"name":"{}clients"}}}})", prefix));
      lines.push_back(R"({"ph":"M","pid":2,"name":"process_sort_index","args":{"sort_index":2}})");
    }
    for (EndpointIndex e = 0; e < endpoint_count_; ++e) {
      lines.push_back(fmt::format(R"({{"ph":"M",{},"name":"thread_name","args":{{"name":"{}"}}}})", where(e),
                                  endpoint_name(e, w_.replica_count)));
      lines.push_back(fmt::format(R"({{"ph":"M",{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})", where(e), e));
    }
    return lines;
  }

  // The slice of step `event.index` on `track`, made on first use.
  void touch(EndpointIndex track, const TraceEvent& event, const EventRecord* step) {
    if (track >= endpoint_count_ || slice_of_.contains({event.index, track})) return;
    Slice slice{track, event.at, 0, "event", fmt::format(R"("event":{})", event.index)};
    if (step != nullptr && step_track(*step) == track) {
      slice.name = step_name(*step);
      slice.args = step_args(event.index, *step, w_.replica_count);
    } else if (step != nullptr) {
      slice.name = event_kind_name(step->kind);
    }
    slice_of_.emplace(std::make_pair(event.index, track), slices_.size());
    slices_.push_back(std::move(slice));
  }

  void make_slices() {
    const EventRecord* step = nullptr;
    for (const TraceEvent& event : w_.events) {
      std::visit(
          [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, EventRecord>) {
              step = &r;
              if (auto track = step_track(r)) touch(*track, event, step);
            } else if constexpr (std::is_same_v<T, SendRecord>) {
              touch(r.from, event, step);
            } else {
              touch(r.replica, event, step);
            }
          },
          event.detail);
    }
  }

  // Each slice lasts until the next one on its track, at most perfetto_slice_ns_max.
  void size_slices() {
    std::map<EndpointIndex, std::size_t> last_on_track;
    for (std::size_t i = 0; i < slices_.size(); ++i) {
      Slice& slice = slices_[i];
      slice.dur = perfetto_slice_ns_max;
      if (auto it = last_on_track.find(slice.track); it != last_on_track.end()) {
        Slice& before = slices_[it->second];
        before.dur = std::min(before.dur, slice.at - before.at);
      }
      last_on_track[slice.track] = i;
    }
    window_start_ = w_.events.empty() ? 0 : w_.events.front().at;
    window_end_ = w_.events.empty() ? 0 : w_.events.back().at;
    for (const Slice& slice : slices_) window_end_ = std::max(window_end_, slice.at + slice.dur);
    for (std::size_t i = 0; i < slices_.size(); ++i) {
      const Slice& slice = slices_[i];
      out_.push_back({slice.at, 1, 4 * i,
                      fmt::format(R"({{"ph":"X",{},"ts":{},"dur":{},"name":"{}","cat":"event","args":{{{}}}}})",
                                  where(slice.track), ts_us(slice.at), ts_us(slice.dur), json_escape(slice.name),
                                  slice.args)});
    }
  }

  struct OpenView {
    View view;
    Instant since;
    const char* entered_by;
  };

  void close_view(ReplicaIndex replica, Instant at) {
    auto& open = open_views_[replica];
    if (open && at > open->since)
      out_.push_back({open->since, 0, 0,
                      fmt::format(R"({{"ph":"X",{},"ts":{},"dur":{},"name":"view {}","cat":"view","args":{{"view":{},"entered_by":"{}"}}}})",
                                  where(replica), ts_us(open->since), ts_us(at - open->since), open->view, open->view,
                                  open->entered_by)});
    open.reset();
  }

  // One slice per view a replica was in, from its entry to the next entry, a crash or the window's end.
  void make_views() {
    open_views_.assign(w_.replica_count, std::nullopt);
    for (ReplicaIndex r = 0; r < w_.replica_count && r < w_.views_at_start.size(); ++r)
      if (w_.views_at_start[r]) open_views_[r] = OpenView{*w_.views_at_start[r], window_start_, "before the window"};
    for (const TraceEvent& event : w_.events) {
      if (const auto* note = std::get_if<NoteRecord>(&event.detail)) {
        const bool by_qc = note->kind == NoteKind::view_entered_by_qc;
        if (note->replica >= w_.replica_count || (!by_qc && note->kind != NoteKind::view_entered_by_tc)) continue;
        close_view(note->replica, event.at);
        open_views_[note->replica] = OpenView{note->view, event.at, by_qc ? "qc" : "tc"};
      } else if (const auto* stopped = std::get_if<NodeStoppedRecord>(&event.detail)) {
        if (stopped->replica < w_.replica_count) close_view(stopped->replica, event.at);
      } else if (const auto* step = std::get_if<EventRecord>(&event.detail)) {
        if (step->kind == EventKind::fault_begin && step->fault_kind == "crash" && step->fault_replica &&
            *step->fault_replica < w_.replica_count)
          close_view(*step->fault_replica, event.at);
      }
    }
    for (ReplicaIndex r = 0; r < w_.replica_count; ++r) close_view(r, window_end_);
  }

  void instant(std::uint64_t index, EndpointIndex track, const std::string& name, const std::string& args) {
    const auto it = slice_of_.find({index, track});
    if (it == slice_of_.end()) return;
    const Slice& slice = slices_[it->second];
    out_.push_back({slice.instant_point(), 1, 4 * it->second + 2,
                    fmt::format(R"({{"ph":"i","s":"t",{},"ts":{},"name":"{}","cat":"consensus","args":{{{}}}}})",
                                where(track), ts_us(slice.instant_point()), json_escape(name), args)});
  }

  // A flow from the slice of the send's event to the slice of the delivery's; each flow event names
  // the event whose slice it belongs to (Perfetto ignores a flow event's args; tests read them).
  void flow(std::size_t from_slice, std::uint64_t from_event, std::size_t to_slice, std::uint64_t to_event,
            const char* name) {
    const std::uint64_t id = ++flow_count_;
    const Slice& from = slices_[from_slice];
    const Slice& to = slices_[to_slice];
    out_.push_back({from.flow_point(), 1, 4 * from_slice + 1,
                    fmt::format(R"({{"ph":"s","id":{},{},"ts":{},"name":"{}","cat":"message","args":{{"event":{}}}}})",
                                id, where(from.track), ts_us(from.flow_point()), name, from_event)});
    out_.push_back({to.flow_point(), 1, 4 * to_slice + 1,
                    fmt::format(R"({{"ph":"f","bp":"e","id":{},{},"ts":{},"name":"{}","cat":"message","args":{{"event":{}}}}})",
                                id, where(to.track), ts_us(to.flow_point()), name, to_event)});
  }

  void make_flows_and_instants() {
    struct Sent {
      std::size_t slice;
      std::uint64_t event;
      MessageType type;
    };
    std::map<std::uint64_t, Sent> sent;  // by message id
    for (const TraceEvent& event : w_.events) {
      const std::uint64_t i = event.index;
      std::visit(
          [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, SendRecord>) {
              const auto it = slice_of_.find({i, r.from});
              if (it == slice_of_.end()) return;
              if (r.copies > 0) {
                sent.emplace(r.message_id, Sent{it->second, i, r.type});
              } else {
                instant(i, r.from, fmt::format("dropped {} -> {}", r.label, endpoint_short_name(r.to, w_.replica_count)),
                        fmt::format(R"("msg":{})", r.message_id));
              }
            } else if constexpr (std::is_same_v<T, EventRecord>) {
              if (r.kind == EventKind::deliver) {
                const auto send = sent.find(r.message_id);
                const auto here = slice_of_.find({i, r.to});
                if (send != sent.end() && here != slice_of_.end())
                  flow(send->second.slice, send->second.event, here->second, i, message_type_name(send->second.type));
              } else if (r.kind == EventKind::fault_begin || r.kind == EventKind::fault_end) {
                out_.push_back({event.at, 2, 0,
                                fmt::format(R"({{"ph":"i","s":"g","pid":1,"tid":1,"ts":{},"name":"{}","cat":"fault"}})",
                                            ts_us(event.at), json_escape(step_name(r)))});
              }
            } else if constexpr (std::is_same_v<T, NoteRecord>) {
              const char* what = nullptr;
              switch (r.kind) {
                case NoteKind::timeout_sent: what = "timeout"; break;
                case NoteKind::tc_formed: what = "TC"; break;
                case NoteKind::qc_formed: what = "QC"; break;
                case NoteKind::proposal_sent: what = "propose"; break;
                case NoteKind::view_entered_by_qc:
                case NoteKind::view_entered_by_tc: return;  // the view slices show these
              }
              instant(i, r.replica, fmt::format("{} v{}", what, r.view), fmt::format(R"("view":{})", r.view));
            } else if constexpr (std::is_same_v<T, CommitRecord>) {
              instant(i, r.replica, fmt::format("commit h{}", r.height),
                      fmt::format(R"("height":{},"view":{},"block":"{}")", r.height, r.view, r.block.substr(0, 8)));
            } else if constexpr (std::is_same_v<T, StateInstalledRecord>) {
              instant(i, r.replica, fmt::format("state installed h{}", r.height), fmt::format(R"("height":{})", r.height));
            } else if constexpr (std::is_same_v<T, NodeStoppedRecord>) {
              instant(i, r.replica, "stopped", fmt::format(R"("reason":"{}")", json_escape(r.reason)));
            } else {
              instant(i, r.replica, "disk corrupt",
                      fmt::format(R"("file":"{}","offset":{})", json_escape(r.file), r.offset));
            }
          },
          event.detail);
    }
  }

  const TraceWindow& w_;
  const EndpointIndex endpoint_count_;
  std::vector<Slice> slices_;
  std::map<std::pair<std::uint64_t, EndpointIndex>, std::size_t> slice_of_;
  std::vector<std::optional<OpenView>> open_views_;
  std::vector<Output> out_;
  Instant window_start_ = 0;
  Instant window_end_ = 0;
  std::uint64_t flow_count_ = 0;
};

}  // namespace

std::string perfetto_json(const TraceWindow& window) { return PerfettoBuilder(window).build(); }

}  // namespace bftsim
