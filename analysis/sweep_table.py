#!/usr/bin/env python3
"""One Markdown table from the sweep.csv files of several library sweeps
(bench/liveness_sweep.sh writes OUT/<scenario>/sweep.csv), one row per
scenario and labelled sweep (docs/case-study-liveness.md, section 9):

    python3 analysis/sweep_table.py LABEL=DIR [LABEL=DIR ...] [--scenarios lossy seven ...]

Columns: runs, runs as expected, failed views per run (mean of
`view_changes`), view-change latency p50 / p99 (the median of the runs'
`view_change_p50_us`, the 99th percentile of their `view_change_p99_us`),
client request latency p50 / p99 (the same over `latency_us_p50` and
`latency_us_p99`) and committed blocks per simulated second (over every
run). Standard library only. Exit codes: 0 done, 2 bad usage or input.
"""

import argparse
import csv
import os
import sys

EXIT_USAGE = 2
COLUMNS = ["as_expected", "view_changes", "view_change_p50_us", "view_change_p99_us",
           "latency_us_p50", "latency_us_p99", "committed_blocks", "sim_seconds"]


def fail(message):
    print(f"sweep_table: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list; None for an empty one."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil, at least 1
    return ordered[int(rank) - 1]


def number(row, column, path):
    text = row[column]
    if text == "":
        return None  # no failed view in the run: no view-change latency
    try:
        return float(text)
    except ValueError:
        fail(f"{path}: column {column}: not a number: {text!r}")


def summarize(path):
    try:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        fail(f"{path}: {error}")
    if not rows:
        fail(f"{path}: no rows")
    missing = [c for c in COLUMNS if c not in rows[0]]
    if missing:
        fail(f"{path}: missing columns {', '.join(missing)}")

    def values(column):
        return [v for v in (number(r, column, path) for r in rows) if v is not None]

    def ms(value):
        return "-" if value is None else f"{value / 1000:.0f}"

    seconds = sum(values("sim_seconds"))
    return [str(len(rows)), str(sum(r["as_expected"] == "yes" for r in rows)),
            f"{sum(values('view_changes')) / len(rows):.1f}",
            f"{ms(percentile(values('view_change_p50_us'), 0.5))} / "
            f"{ms(percentile(values('view_change_p99_us'), 0.99))}",
            f"{ms(percentile(values('latency_us_p50'), 0.5))} / "
            f"{ms(percentile(values('latency_us_p99'), 0.99))}",
            f"{sum(values('committed_blocks')) / seconds:.1f}" if seconds > 0 else "-"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweeps", nargs="+", metavar="LABEL=DIR")
    parser.add_argument("--scenarios", nargs="+", default=None,
                        help="scenario names (default: every one in the first DIR)")
    args = parser.parse_args()
    sweeps = []
    for item in args.sweeps:
        label, sep, directory = item.partition("=")
        if not sep or not label or not directory:
            fail(f"expected LABEL=DIR, got {item!r}")
        if not os.path.isdir(directory):
            fail(f"{directory}: not a directory")
        sweeps.append((label, directory))
    scenarios = args.scenarios or sorted(
        name for name in os.listdir(sweeps[0][1])
        if os.path.exists(os.path.join(sweeps[0][1], name, "sweep.csv")))
    print("| scenario | sweep | runs | as expected | failed views / run | view change p50 / p99 (ms) "
          "| request latency p50 / p99 (ms) | blocks/s |")
    print("|---|---|---|---|---|---|---|---|")
    for scenario in scenarios:
        for label, directory in sweeps:
            cells = summarize(os.path.join(directory, scenario, "sweep.csv"))
            print(f"| {scenario} | {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
