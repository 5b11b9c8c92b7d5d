#!/usr/bin/env python3
"""Plot one bftsim run: four panels from the CSV files `bftsim run --out DIR` writes.

    python3 analysis/plot_run.py RESULTS_DIR [--out FILE]   # RESULTS_DIR/run.png and run.svg

Panels: committed height over virtual time, request latency CDF, the view-change
latency breakdown per failed view, and messages sent and dropped by type.
Reads only RESULTS_DIR/{summary,commits,requests,view_changes,messages}.csv
(docs/analysis.md). Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import sys

import bftcsv
from bftcsv import note
from panels import cdf, log_ms_axis, percentile_lines, view_change_bars

VIEW_CHANGE_COLUMNS = ["failed_view", "stall_start_us", "first_timeout_us", "first_commit_us",
                       "detect_us", "certify_us", "propose_us", "commit_us"]
TABLES = [
    bftcsv.Table("summary", ["scenario", "seed", "crypto", "replicas", "faulty", "committed_blocks",
                             "committed_ops", "safety", "liveness"]),
    bftcsv.Table("commits", ["height", "committed_at_us"], numeric=["height", "committed_at_us"]),
    bftcsv.Table("requests", ["op", "latency_us"], numeric=["latency_us"]),
    bftcsv.Table("view_changes", VIEW_CHANGE_COLUMNS, numeric=VIEW_CHANGE_COLUMNS),
    bftcsv.Table("messages", ["type", "sent", "dropped"], numeric=["sent", "dropped"]),
]


def plot_commits(ax, commits, view_changes, run_end_us):
    """First commit of each height (by any replica) over virtual time; failed
    views' stalls (last commit before to first commit after) shaded."""
    ax.set_title("Committed height")
    ax.set_xlabel("virtual time (s)")
    ax.set_ylabel("height")
    if commits.empty:
        note(ax, "no commits")
        return
    first = commits.groupby("height")["committed_at_us"].min().sort_index()
    if run_end_us is None:
        run_end_us = max(first.values.max(), view_changes.max(numeric_only=True).max())
    # Held flat to the end of the run, so a final stall shows as one.
    times_s = list(first.values / 1e6) + [max(run_end_us, first.values.max()) / 1e6]
    heights = list(first.index) + [first.index.max()]
    ax.step(times_s, heights, where="post", color="#4477aa", linewidth=1.5)
    # A failed view with no commit of its own (its successor failed too) ends
    # at the next commit after its first timeout, or at the end of the run.
    commit_times_us = sorted(first.values)

    def stall_end_us(row):
        if row.first_commit_us == row.first_commit_us:  # not NaN
            return row.first_commit_us
        later = [t for t in commit_times_us if t > row.first_timeout_us]
        return later[0] if later else run_end_us

    intervals = sorted((row.stall_start_us, stall_end_us(row))
                       for row in view_changes.dropna(subset=["stall_start_us"]).itertuples())
    # Several failed views can share one stall; shade the union once, so the
    # shade means "no new commit here", not how many views failed.
    merged = []
    for start_us, end_us in intervals:
        if merged and start_us <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end_us)
        else:
            merged.append([start_us, end_us])
    for i, (start_us, end_us) in enumerate(merged):
        ax.axvspan(start_us / 1e6, end_us / 1e6, color="#ee6677", alpha=0.15, linewidth=0,
                   label=f"view change under way ({len(view_changes)} failed views)" if i == 0 else None)
    ax.set_xlim(0, max(times_s[-1], merged[-1][1] / 1e6 if merged else 0))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if merged:
        ax.legend(loc="upper left", fontsize="small")


def plot_latency_cdf(ax, requests, ticker):
    """Empirical CDF of completed requests' latency, all ops and per op type."""
    ax.set_title("Request latency CDF")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("fraction of completed requests")
    latency_ms = requests["latency_us"].dropna() / 1e3
    latency_ms = latency_ms[latency_ms > 0]
    if latency_ms.empty:
        note(ax, "no completed requests")
        return
    cdf(ax, latency_ms, color="black", linewidth=2, label=f"all ({len(latency_ms)})")
    by_op = requests.assign(latency_ms=requests["latency_us"] / 1e3).dropna(subset=["latency_ms"])
    if by_op["op"].nunique() > 1:
        for op, group in sorted(by_op.groupby("op"), key=lambda item: str(item[0])):
            values = group["latency_ms"][group["latency_ms"] > 0]
            if not values.empty:
                cdf(ax, values, linewidth=1, alpha=0.8, label=f"{op} ({len(values)})")
    percentile_lines(ax, latency_ms)
    log_ms_axis(ax, ticker, latency_ms)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize="small")


def plot_messages(ax, messages):
    """Copies sent and dropped per message type, counts labelled on the bars."""
    ax.set_title("Messages by type")
    if messages.empty or messages["sent"].sum() == 0:
        note(ax, "no messages")
        return
    shown = messages[messages["sent"] > 0]
    positions = list(range(len(shown)))
    width = 0.4
    sent = ax.bar([p - width / 2 for p in positions], shown["sent"], width, color="#4477aa", label="sent")
    dropped = ax.bar([p + width / 2 for p in positions], shown["dropped"], width, color="#ee6677",
                     label="dropped")
    for bars in (sent, dropped):
        ax.bar_label(bars, fontsize="x-small", padding=1)
    ax.set_xticks(positions)
    ax.set_xticklabels(shown["type"], rotation=30, ha="right", fontsize="small")
    ax.set_ylabel("copies (one per recipient)")
    ax.margins(y=0.12)
    ax.grid(alpha=0.3, axis="y")
    # Above the axes, so it never hides a bar or its count.
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize="small", frameon=False)


def main():
    parser = argparse.ArgumentParser(
        description="Plot one bftsim run's CSV files as four panels, into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("results_dir", help="the --out directory of `bftsim run`")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (a .png/.svg suffix is dropped; "
                             "default: RESULTS_DIR/run.png and run.svg)")
    args = parser.parse_args()

    bftcsv.check_inputs(args.results_dir, TABLES, f"write one with `bftsim run SCENARIO --out {args.results_dir}`")
    pd, plt, ticker = bftcsv.import_libraries()
    tables = bftcsv.read_tables(pd, args.results_dir, TABLES)
    summary = bftcsv.one_row(tables["summary"], os.path.join(args.results_dir, "summary.csv"))
    out_base = bftcsv.output_base(args.results_dir, "run", args.out)

    figure, axes = plt.subplots(2, 2, figsize=(14, 9))
    run_end_us = bftcsv.parse_duration_us(summary["sim_seconds"]) if "sim_seconds" in summary else None
    plot_commits(axes[0][0], tables["commits"], tables["view_changes"], run_end_us)
    plot_latency_cdf(axes[0][1], tables["requests"], ticker)
    view_change_bars(axes[1][0], tables["view_changes"])
    plot_messages(axes[1][1], tables["messages"])
    figure.suptitle(
        f"{summary['scenario']} (seed {summary['seed']}): n={summary['replicas']} f={summary['faulty']} "
        f"crypto={summary['crypto']}; {summary['committed_blocks']} blocks, {summary['committed_ops']} ops "
        f"committed; safety {summary['safety']}, liveness {summary['liveness']}")
    figure.tight_layout()
    bftcsv.save_figure(figure, out_base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
