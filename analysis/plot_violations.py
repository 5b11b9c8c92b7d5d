#!/usr/bin/env python3
"""Violations per grid point of a bftsim sweep.

    python3 analysis/plot_violations.py SWEEP_DIR [--param network.loss ...] [--out FILE]

Reads SWEEP_DIR/sweep.csv (one row per seed and grid point). For each grid
point (each combination of the grid columns' values) one bar: the fraction of
its runs that violated safety or liveness, stacked by the check that failed
(violation_check), with the run count under it; a black diamond marks the
fraction of runs that were not as the scenario expected (as_expected). A sweep
without grid columns is one point. Writes SWEEP_DIR/violations.png and .svg and
prints the counts (docs/analysis.md).
Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import sys

import bftcsv
from bftcsv import COLOURS, fail

COLUMNS = ["scenario", "seed", "safety", "liveness", "as_expected", "violation_check"]
BARS_MAX = 80  # more grid points than this do not fit one plot: exit 2


def violation_kind(row):
    """'safety', 'liveness' or None for one sweep row."""
    if row["safety"] == "violated":
        return "safety"
    if row["liveness"] == "violated":
        return "liveness"
    return None


def main():
    parser = argparse.ArgumentParser(
        description="Plot the fraction of runs that violated safety or liveness at each grid point "
                    "of a bftsim sweep, by failed check, into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("sweep_dir", help="the --out directory of `bftsim sweep [--grid PARAM=...]`")
    parser.add_argument("--param", action="append", default=[],
                        help="a grid column (repeatable; default: every column with a dot in its "
                             "name, such as network.loss)")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (default: SWEEP_DIR/violations)")
    args = parser.parse_args()

    directory = args.sweep_dir
    path = os.path.join(directory, "sweep.csv")
    table = bftcsv.Table("sweep", COLUMNS, hint="write it with `bftsim sweep ... --out DIR`",
                         text=lambda c: bftcsv.is_grid_column(c) or c in args.param)
    header = bftcsv.check_inputs(directory, [table], f"write one with `bftsim sweep SCENARIO --seeds 1-20 "
                                                     f"--out {directory}`")["sweep"]
    grid = bftcsv.grid_columns(header, path, args.param)
    pd, plt, _ = bftcsv.import_libraries()
    sweep = bftcsv.read_tables(pd, directory, [table])["sweep"]
    if sweep.empty:
        fail(f"{path}: no rows")
    sweep["kind"] = sweep.apply(violation_kind, axis=1)
    checks = sweep["violation_check"].fillna("").astype(str)
    sweep["check"] = [f"{c or '(unnamed check)'} ({k})" if k else None for c, k in zip(checks, sweep["kind"])]

    for column in grid:
        sweep[column] = sweep[column].astype(str)
    points = bftcsv.grid_groups(sweep, grid)
    if grid:
        labels = ["\n".join(f"{c}={v}" for c, v in zip(grid, key)) if len(grid) > 1 else str(key[0])
                  for key, _ in points]
    else:
        labels = ["all runs (no grid column)"]
    if len(points) > BARS_MAX:
        fail(f"{path}: {len(points)} grid points; at most {BARS_MAX} fit one plot (name fewer with --param)")

    checks_seen = sorted(c for c in sweep["check"].dropna().unique())
    colours = {check: COLOURS[(i + 1) % len(COLOURS)] for i, check in enumerate(checks_seen)}
    figure, ax = plt.subplots(figsize=(max(8, 1 + 0.7 * len(points)), 6))
    positions = list(range(len(points)))
    bottom = [0.0] * len(points)
    for check in checks_seen:
        heights = [(table["check"] == check).sum() / len(table) for _, table in points]
        ax.bar(positions, heights, bottom=bottom, color=colours[check], width=0.7, label=check)
        bottom = [b + h for b, h in zip(bottom, heights)]
    unexpected = [(table["as_expected"].astype(str) != "yes").sum() / len(table) for _, table in points]
    ax.scatter(positions, unexpected, marker="D", color="black", s=30, zorder=3, label="not as expected")

    print(f"violations per grid point ({', '.join(grid) if grid else 'no grid column'}):")
    for label, (_, table) in zip(labels, points):
        counts = table["check"].value_counts()
        by_check = "; ".join(f"{check} {counts[check]}" for check in sorted(counts.index))
        print(f"  {label.replace(chr(10), ', ')}: {len(table)} runs, "
              f"{(table['kind'] == 'safety').sum()} safety violated, "
              f"{(table['kind'] == 'liveness').sum()} liveness violated, "
              f"{(table['as_expected'].astype(str) != 'yes').sum()} not as expected"
              f"{'; ' + by_check if by_check else ''}")

    ax.set_xticks(positions)
    ax.set_xticklabels([f"{label}\nn={len(table)}" for label, (_, table) in zip(labels, points)],
                       fontsize="small", rotation=45 if len(points) > 12 and len(grid) == 1 else 0)
    ax.set_xlabel(", ".join(grid) if len(grid) == 1 else "grid point")
    ax.set_ylabel("fraction of runs")
    ax.set_ylim(0, 1.3)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper left", fontsize="small", ncol=2, framealpha=0.9)
    ax.set_title(f"Violations per grid point: {sweep['scenario'].iloc[0]}, "
                 f"{sweep['seed'].nunique()} seeds, {len(sweep)} runs")
    figure.tight_layout()
    bftcsv.save_figure(figure, bftcsv.output_base(directory, "violations", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
