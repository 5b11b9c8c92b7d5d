#!/usr/bin/env python3
"""Throughput over virtual time of one bftsim run, with its fault windows shaded.

    python3 analysis/plot_throughput.py RESULTS_DIR [--bucket 100ms] [--out FILE]

Committed operations per second (the first commit of each height by any
replica, commits.csv) and completed requests per second (requests.csv, when
present) in fixed buckets. Fault windows come from faults.csv (kind, target,
start_us, end_us, detail): shaded on the plot and drawn one lane per fault
below it; without faults.csv the plot says so and shades nothing.
Writes RESULTS_DIR/throughput.png and .svg (docs/analysis.md).
Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import math
import os
import sys

import bftcsv
from bftcsv import COLOURS, fail

BUCKETS_TARGET = 100  # default bucket: the run's length over about this many
FAULT_LANES_MAX = 16  # more (kind, target) pairs than this: the first ones, and a note
TABLES = [
    bftcsv.Table("summary", ["scenario", "seed", "sim_seconds"], numeric=["sim_seconds"]),
    bftcsv.Table("commits", ["height", "ops", "committed_at_us"], numeric=["height", "ops", "committed_at_us"]),
    bftcsv.Table("requests", ["completed_at_us"], numeric=["completed_at_us"], optional=True),
    bftcsv.Table("faults", ["kind", "target", "start_us", "end_us", "detail"], numeric=["start_us", "end_us"],
                 optional=True),
]


def default_bucket_us(run_us):
    """A round bucket (1, 2 or 5 times a power of ten microseconds) that cuts
    the run into about BUCKETS_TARGET pieces."""
    raw = max(run_us / BUCKETS_TARGET, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def rate_per_s(pd, times_us, weights, bucket_us, run_us):
    """Sum of `weights` per bucket of [0, run_us), divided by the bucket in s.
    Returns (bucket start times in s, rates)."""
    count = max(1, math.ceil(run_us / bucket_us))
    index = (times_us // bucket_us).clip(upper=count - 1).astype(int)
    sums = pd.Series(weights.values, index=index.values).groupby(level=0).sum()
    sums = sums.reindex(range(count), fill_value=0)
    return [i * bucket_us / 1e6 for i in range(count)], (sums / (bucket_us / 1e6)).tolist()


def fault_colours(faults):
    kinds = sorted(faults["kind"].astype(str).unique())
    return {kind: COLOURS[(i + 1) % len(COLOURS)] for i, kind in enumerate(kinds)}


def shade_faults(ax, faults, colours, run_us):
    """A translucent span per fault window; a fault that never heals (empty
    end_us) lasts to the end of the run; an instant one is a vertical line."""
    labelled = set()
    for row in faults.itertuples():
        kind = str(row.kind)
        end_us = run_us if row.end_us != row.end_us else row.end_us  # NaN: never heals
        label = None if kind in labelled else kind
        labelled.add(kind)
        if end_us > row.start_us:
            ax.axvspan(row.start_us / 1e6, end_us / 1e6, color=colours[kind], alpha=0.15, linewidth=0,
                       label=label)
        else:
            ax.axvline(row.start_us / 1e6, color=colours[kind], linewidth=1.5, label=label)


def fault_lanes(ax, faults, colours, run_us):
    """One lane per (kind, target): its windows as bars, hatched when they
    never heal. Requires: `faults` has a row."""
    ax.set_xlabel("virtual time (s)")
    lanes = sorted({(str(row.kind), str(row.target)) for row in faults.itertuples()})
    shown = lanes[:FAULT_LANES_MAX]
    for row in faults.itertuples():
        lane = (str(row.kind), str(row.target))
        if lane not in shown:
            continue
        y = shown.index(lane)
        heals = row.end_us == row.end_us
        end_us = row.end_us if heals else run_us
        width_s = max((end_us - row.start_us) / 1e6, run_us / 1e6 / 400)  # instants stay visible
        ax.barh(y, width_s, left=row.start_us / 1e6, height=0.7, color=colours[lane[0]],
                hatch=None if heals else "///", edgecolor="0.3" if not heals else None, linewidth=0)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([f"{kind} {target}" for kind, target in shown], fontsize="small")
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.grid(alpha=0.3, axis="x")
    if len(lanes) > len(shown):
        ax.text(0.99, 0.02, f"first {len(shown)} of {len(lanes)} fault lanes", transform=ax.transAxes,
                ha="right", fontsize="small", color="0.3")


def main():
    parser = argparse.ArgumentParser(
        description="Plot one bftsim run's throughput over virtual time, fault windows shaded, "
                    "into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("results_dir", help="the --out directory of `bftsim run`")
    parser.add_argument("--bucket", metavar="DURATION",
                        help="bucket width, e.g. 50ms or 1s (default: about 1/100 of the run, rounded)")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (default: RESULTS_DIR/throughput)")
    args = parser.parse_args()

    bucket_us = None
    if args.bucket is not None:
        bucket_us = bftcsv.parse_duration_us(args.bucket)
        if not bucket_us:
            fail(f"--bucket {args.bucket}: not a positive duration (e.g. 50ms, 1s)")

    directory = args.results_dir
    bftcsv.check_inputs(directory, TABLES, f"write one with `bftsim run SCENARIO --out {directory}`")
    pd, plt, _ = bftcsv.import_libraries()
    tables = bftcsv.read_tables(pd, directory, TABLES)
    summary_path = os.path.join(directory, "summary.csv")
    summary = bftcsv.one_row(tables["summary"], summary_path)
    commits, requests, faults = tables["commits"], tables["requests"], tables["faults"]
    if faults is not None and faults["start_us"].isna().any():
        fail(f"{os.path.join(directory, 'faults.csv')}: start_us is empty in row "
             f"{faults.index[faults['start_us'].isna()][0] + 1}")
    run_us = summary["sim_seconds"] * 1e6
    if not run_us > 0:
        fail(f"{summary_path}: sim_seconds is {summary['sim_seconds']}, not a positive number")
    bucket_us = bucket_us or default_bucket_us(run_us)

    if faults is not None and not faults.empty:
        figure, (ax, lanes_ax) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True,
                                              gridspec_kw={"height_ratios": [3, 1]})
    else:
        figure, ax = plt.subplots(figsize=(11, 5))
        lanes_ax = None
    ax.set_title(f"Throughput: {summary['scenario']} (seed {summary['seed']}), "
                 f"{bucket_us / 1e3:g} ms buckets")
    ax.set_ylabel("operations per second")
    first = commits.sort_values("committed_at_us").drop_duplicates("height")
    total_ops = int(first["ops"].sum())
    times_s, rates = rate_per_s(pd, first["committed_at_us"], first["ops"], bucket_us, run_us)
    ax.step(times_s + [run_us / 1e6], rates + rates[-1:], where="post", color="black", linewidth=1.5,
            label=f"committed ops ({total_ops})")
    if requests is not None:
        done = requests.dropna(subset=["completed_at_us"])
        _, request_rates = rate_per_s(pd, done["completed_at_us"], pd.Series([1.0] * len(done), dtype=float),
                                      bucket_us, run_us)
        ax.step(times_s + [run_us / 1e6], request_rates + request_rates[-1:], where="post",
                color="0.5", linewidth=1, linestyle="--", label=f"completed requests ({len(done)})")
    colours = fault_colours(faults) if faults is not None else {}
    if faults is not None:
        shade_faults(ax, faults, colours, run_us)
    ax.set_xlim(0, run_us / 1e6)
    # Headroom above the highest step keeps the legend off the line.
    ax.set_ylim(0, max(rates + [1.0]) * 1.25)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small", ncol=2, framealpha=0.9)
    if lanes_ax is not None:
        fault_lanes(lanes_ax, faults, colours, run_us)
    else:
        ax.set_xlabel("virtual time (s)")
        ax.text(0.01, 0.98, "no faults.csv: fault windows not shown" if faults is None else "no faults",
                transform=ax.transAxes, va="top", fontsize="small", color="0.3")
    figure.tight_layout()
    fault_count = "no faults.csv" if faults is None else f"{len(faults)} fault windows"
    print(f"throughput: {total_ops} ops committed in {run_us / 1e6:g} s "
          f"(mean {total_ops / (run_us / 1e6):.1f} ops/s, peak {max(rates):.1f} ops/s); {fault_count}")
    bftcsv.save_figure(figure, bftcsv.output_base(directory, "throughput", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
