#!/usr/bin/env python3
"""Plot one bftsim run: four panels from the CSV files `bftsim run --out DIR` writes.

    python3 analysis/plot_run.py RESULTS_DIR [--out FILE.png]

Panels: committed height over virtual time, request latency CDF, the view-change
latency breakdown per failed view, and messages sent and dropped by type.
Reads only RESULTS_DIR/{summary,commits,requests,view_changes,messages}.csv
(docs/analysis.md). Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import re
import sys

EXIT_USAGE = 2
REQUIRED_FILES = ("summary", "commits", "requests", "view_changes", "messages")
REQUIRED_COLUMNS = {
    "summary": ["scenario", "seed", "crypto", "replicas", "faulty", "committed_blocks",
                "committed_ops", "safety", "liveness"],
    "commits": ["height", "committed_at_us"],
    "requests": ["op", "latency_us"],
    "view_changes": ["failed_view", "stall_start_us", "first_timeout_us", "first_commit_us",
                     "detect_us", "certify_us", "propose_us", "commit_us"],
    "messages": ["type", "sent", "dropped"],
}
# Phases of a view change in order, with their colours (colour-blind safe).
PHASES = [("detect_us", "detect", "#4477aa"), ("certify_us", "certify", "#ee6677"),
          ("propose_us", "propose", "#228833"), ("commit_us", "commit", "#ccbb44")]
VIEW_BARS_MAX = 60  # more failed views than this: plot the first ones and say so


def fail(message):
    print(f"plot_run: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def import_libraries():
    """Imports pandas and matplotlib (Agg). When this interpreter lacks them
    (say a pyenv python3 first on PATH) but Debian's /usr/bin/python3 is
    another interpreter, re-runs the script there once."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker as ticker
        import pandas as pd
        return pd, plt, ticker
    except ImportError as error:
        system_python = "/usr/bin/python3"
        if (os.environ.get("BFTSIM_PLOT_REEXEC") != "1" and os.path.exists(system_python)
                and os.path.realpath(sys.executable) != os.path.realpath(system_python)):
            os.environ["BFTSIM_PLOT_REEXEC"] = "1"
            os.execv(system_python, [system_python] + sys.argv)
        fail(f"{error.name} is not installed for {sys.executable} "
             "(install python3-pandas and python3-matplotlib)")


def read_run(pd, directory):
    if not os.path.isdir(directory):
        fail(f"{directory}: no such directory (write one with `bftsim run SCENARIO --out {directory}`)")
    tables = {}
    for name in REQUIRED_FILES:
        path = os.path.join(directory, f"{name}.csv")
        if not os.path.isfile(path):
            fail(f"{path}: missing (is {directory} the --out directory of a bftsim run?)")
        try:
            table = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            fail(f"{path}: cannot read as CSV: {error}")
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in table.columns]
        if missing:
            fail(f"{path}: missing column(s) {', '.join(missing)}")
        tables[name] = table
    if len(tables["summary"]) != 1:
        fail(f"{os.path.join(directory, 'summary.csv')}: expected one row, found {len(tables['summary'])}")
    return tables


def parse_duration_us(text):
    """A bftsim duration ("10s", "1.5s", "750ms", "2m") or a bare number of
    seconds, in microseconds; None when it is neither."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|ms|s|m)?\s*", str(text))
    if not match:
        return None
    scale_us = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, None: 1e6}[match.group(2)]
    return float(match.group(1)) * scale_us


def note(ax, text):
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.4")


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

    def cdf(values, **style):
        values = values.sort_values().values
        ax.step(values, [(i + 1) / len(values) for i in range(len(values))], where="post", **style)

    cdf(latency_ms, color="black", linewidth=2, label=f"all ({len(latency_ms)})")
    by_op = requests.assign(latency_ms=requests["latency_us"] / 1e3).dropna(subset=["latency_ms"])
    if by_op["op"].nunique() > 1:
        for op, group in sorted(by_op.groupby("op"), key=lambda item: str(item[0])):
            values = group["latency_ms"][group["latency_ms"] > 0]
            if not values.empty:
                cdf(values, linewidth=1, alpha=0.8, label=f"{op} ({len(values)})")
    for quantile, style in ((0.5, ":"), (0.99, "--")):
        value = latency_ms.quantile(quantile, interpolation="higher")
        ax.axvline(value, color="0.5", linestyle=style, linewidth=1,
                   label=f"p{int(quantile * 100)} {value:.1f} ms")
    ax.set_xscale("log")
    # Plain numbers (20, 50, 200) read faster than 2x10^1 on a log axis.
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    # Within one decade label every minor tick; across more, only 2s and 5s.
    narrow = latency_ms.max() < 10 * latency_ms.min()
    ax.xaxis.set_minor_formatter(ticker.FuncFormatter(
        lambda value, _: f"{value:g}" if narrow or f"{value:g}"[0] in "25" else ""))
    ax.tick_params(axis="x", which="minor", labelsize="small")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize="small")


def plot_view_changes(ax, view_changes):
    """One stacked bar per failed view: detect, certify, propose, commit (ms).
    A phase that never happened (empty cell) is left out of its bar."""
    ax.set_title("View-change latency by phase")
    if view_changes.empty:
        ax.set_xticks([])
        ax.set_yticks([])
        note(ax, "no view changes")
        return
    shown = view_changes.sort_values("failed_view").head(VIEW_BARS_MAX)
    positions = list(range(len(shown)))
    bottom = [0.0] * len(shown)
    for column, label, colour in PHASES:
        values_ms = (shown[column] / 1e3).tolist()
        heights = [0.0 if v != v else v for v in values_ms]  # NaN: phase never happened
        median = view_changes[column].dropna().median() / 1e3
        median_text = "n/a" if median != median else f"{median:.1f} ms"
        ax.bar(positions, heights, bottom=bottom, color=colour, width=0.8,
               label=f"{label} (median {median_text})")
        bottom = [b + h for b, h in zip(bottom, heights)]
    never_committed = shown["commit_us"].isna().tolist()
    if any(never_committed):
        ax.bar([p for p, n in zip(positions, never_committed) if n],
               [b for b, n in zip(bottom, never_committed) if n], width=0.8, fill=False,
               hatch="///", edgecolor="0.35", linewidth=0, label="no commit followed")
    step = max(1, len(shown) // 15)
    ax.set_xticks(positions[::step])
    ax.set_xticklabels([str(int(v)) for v in shown["failed_view"].tolist()[::step]],
                       rotation=45 if len(positions[::step]) > 8 else 0, fontsize="small")
    ax.set_xlabel("failed view")
    ax.set_ylabel("latency (ms)")
    ax.grid(alpha=0.3, axis="y")
    notes = []
    if len(view_changes) > len(shown):
        notes.append(f"first {len(shown)} of {len(view_changes)} view changes")
    if notes:
        ax.text(0.01, 0.98, "; ".join(notes), transform=ax.transAxes, va="top", fontsize="small", color="0.3")
    # Headroom above the tallest bar keeps the legend off the bars.
    ax.set_ylim(0, max(bottom) * 1.4 if max(bottom) > 0 else 1)
    ax.legend(loc="upper right", ncol=2, fontsize="small", framealpha=0.9)


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
    parser = argparse.ArgumentParser(description="Plot one bftsim run's CSV files into one PNG.")
    parser.add_argument("results_dir", help="the --out directory of `bftsim run`")
    parser.add_argument("--out", help="the PNG to write (default: RESULTS_DIR/run.png)")
    args = parser.parse_args()

    pd, plt, ticker = import_libraries()
    tables = read_run(pd, args.results_dir)
    summary = tables["summary"].iloc[0]
    out_path = args.out or os.path.join(args.results_dir, "run.png")

    figure, axes = plt.subplots(2, 2, figsize=(14, 9))
    run_end_us = parse_duration_us(summary["sim_seconds"]) if "sim_seconds" in summary else None
    plot_commits(axes[0][0], tables["commits"], tables["view_changes"], run_end_us)
    plot_latency_cdf(axes[0][1], tables["requests"], ticker)
    plot_view_changes(axes[1][0], tables["view_changes"])
    plot_messages(axes[1][1], tables["messages"])
    figure.suptitle(
        f"{summary['scenario']} (seed {summary['seed']}): n={summary['replicas']} f={summary['faulty']} "
        f"crypto={summary['crypto']}; {summary['committed_blocks']} blocks, {summary['committed_ops']} ops "
        f"committed; safety {summary['safety']}, liveness {summary['liveness']}")
    figure.tight_layout()
    try:
        figure.savefig(out_path, dpi=100)
    except OSError as error:
        fail(f"{out_path}: cannot write: {error.strerror}")
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
