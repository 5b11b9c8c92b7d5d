#!/usr/bin/env python3
"""Commit-latency CDF of one bftsim run: how long blocks took from proposal to
commit (commits.csv), over all replicas and per replica, with the clients'
request latency (requests.csv, sent to reply) for comparison when present.

    python3 analysis/plot_commit_latency.py RESULTS_DIR [--out FILE]

Writes RESULTS_DIR/commit_latency.png and .svg and prints p50/p99.
Reads only RESULTS_DIR/{summary,commits,requests}.csv (docs/analysis.md).
Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import sys

import bftcsv
from bftcsv import COLOURS, note
from panels import cdf, log_ms_axis, percentile_lines

REPLICA_LINES_MAX = len(COLOURS)  # more replicas than this: only the overall line
TABLES = [
    bftcsv.Table("summary", ["scenario", "seed"]),
    bftcsv.Table("commits", ["replica", "commit_latency_us"], numeric=["commit_latency_us"]),
    bftcsv.Table("requests", ["latency_us"], numeric=["latency_us"], optional=True),
]


def main():
    parser = argparse.ArgumentParser(
        description="Plot the CDF of block commit latency (proposal to commit) of one bftsim run, "
                    "into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("results_dir", help="the --out directory of `bftsim run`")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (default: RESULTS_DIR/commit_latency)")
    args = parser.parse_args()

    directory = args.results_dir
    bftcsv.check_inputs(directory, TABLES, f"write one with `bftsim run SCENARIO --out {directory}`")
    pd, plt, ticker = bftcsv.import_libraries()
    tables = bftcsv.read_tables(pd, directory, TABLES)
    summary = bftcsv.one_row(tables["summary"], os.path.join(directory, "summary.csv"))
    commits, requests = tables["commits"], tables["requests"]

    figure, ax = plt.subplots(figsize=(9, 6))
    ax.set_title(f"Commit latency CDF: {summary['scenario']} (seed {summary['seed']})")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("fraction of commits")
    latency_ms = commits["commit_latency_us"].dropna() / 1e3
    latency_ms = latency_ms[latency_ms > 0]
    if latency_ms.empty:
        note(ax, "no commits")
        print("commit latency: no commits")
    else:
        cdf(ax, latency_ms, color="black", linewidth=2,
            label=f"block proposal to commit, all replicas ({len(latency_ms)})")
        by_replica = commits.assign(latency_ms=commits["commit_latency_us"] / 1e3)
        by_replica = by_replica[by_replica["latency_ms"] > 0]
        if 1 < by_replica["replica"].nunique() <= REPLICA_LINES_MAX:
            for i, (replica, group) in enumerate(sorted(by_replica.groupby("replica"),
                                                        key=lambda item: bftcsv.grid_value_key(item[0]))):
                cdf(ax, group["latency_ms"], color=COLOURS[i], linewidth=1, alpha=0.8,
                    label=f"replica {replica} ({len(group)})")
        shown_ms = latency_ms
        if requests is not None:
            request_ms = requests["latency_us"].dropna() / 1e3
            request_ms = request_ms[request_ms > 0]
            if not request_ms.empty:
                cdf(ax, request_ms, color="0.45", linewidth=1.5, linestyle="-.",
                    label=f"client request, sent to reply ({len(request_ms)})")
                shown_ms = pd.concat([latency_ms, request_ms])
        percentile_lines(ax, latency_ms, "commit ")
        log_ms_axis(ax, ticker, shown_ms)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right", fontsize="small")
        p50 = latency_ms.quantile(0.5, interpolation="higher")
        p99 = latency_ms.quantile(0.99, interpolation="higher")
        print(f"commit latency: {len(latency_ms)} commits, p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    figure.tight_layout()
    bftcsv.save_figure(figure, bftcsv.output_base(directory, "commit_latency", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
