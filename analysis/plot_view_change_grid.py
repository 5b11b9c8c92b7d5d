#!/usr/bin/env python3
"""View-change latency against a grid parameter of a bftsim sweep, with
percentile bands across seeds.

    python3 analysis/plot_view_change_grid.py SWEEP_DIR [--param network.loss] [--band 10,90] [--out FILE]

Reads SWEEP_DIR/sweep.csv from `bftsim sweep --grid PARAM=...` (one row per
seed and grid point; the grid column is named as the parameter). For each grid
value it draws the median over seeds of each run's view_change_p50_us and
view_change_p99_us, a band between two percentiles across seeds, and every
seed as a dot. Other grid columns, if any, make separate series. Runs with no
view change (empty cells) are left out and counted; a grid value where none
had one is a grey x on the axis. Writes
SWEEP_DIR/view_change_grid.png and .svg and prints the numbers (docs/analysis.md).
Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import sys

import bftcsv
from bftcsv import COLOURS, fail

METRICS = [("view_change_p50_us", "p50", "-", "o"), ("view_change_p99_us", "p99", "--", "^")]
SERIES_MAX = len(COLOURS)  # more combinations of the other grid columns than this: exit 2


def parse_band(text):
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        fail(f"--band {text}: expected two percentiles LOW,HIGH such as 10,90")
    if not 0 <= low < high <= 100:
        fail(f"--band {text}: expected 0 <= LOW < HIGH <= 100")
    return low, high


def x_positions(values):
    """Numeric grid values stay numbers; anything else becomes 0, 1, 2, ...
    in sorted order with the values as tick labels. Returns (mapping, numeric)."""
    ordered = sorted(set(values), key=bftcsv.grid_value_key)
    numeric = all(bftcsv.grid_value_key(v)[0] == 0 for v in ordered)
    return {v: (float(v) if numeric else i) for i, v in enumerate(ordered)}, numeric


def main():
    parser = argparse.ArgumentParser(
        description="Plot view-change latency (per-run p50 and p99) against a grid parameter of a "
                    "bftsim sweep, with percentile bands across seeds, into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("sweep_dir", help="the --out directory of `bftsim sweep --grid PARAM=...`")
    parser.add_argument("--param", help="the grid column on the x axis (default: the only column "
                                        "with a dot in its name, such as network.loss)")
    parser.add_argument("--band", default="10,90", metavar="LOW,HIGH",
                        help="percentiles across seeds that bound the band (default: 10,90)")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (default: SWEEP_DIR/view_change_grid)")
    args = parser.parse_args()
    low, high = parse_band(args.band)

    directory = args.sweep_dir
    path = os.path.join(directory, "sweep.csv")
    metric_columns = [column for column, *_ in METRICS]
    table = bftcsv.Table("sweep", ["scenario", "seed"] + metric_columns, numeric=metric_columns,
                         hint="write it with `bftsim sweep ... --out DIR`",
                         text=lambda c: bftcsv.is_grid_column(c) or c == args.param)
    header = bftcsv.check_inputs(directory, [table], f"write one with `bftsim sweep SCENARIO --seeds 1-20 "
                                                     f"--grid PARAM=A,B,C --out {directory}`")["sweep"]
    grid = bftcsv.grid_columns(header, path, [args.param] if args.param else [])
    dotted = bftcsv.grid_columns(header, path)
    if not grid:
        fail(f"{path}: no grid column (a column named as a parameter, such as network.loss; "
             "sweep with --grid PARAM=A,B,C or name one with --param)")
    if len(grid) > 1:
        fail(f"{path}: several grid columns ({', '.join(grid)}); choose the x axis with --param")
    param = grid[0]
    others = [column for column in dotted if column != param]
    pd, plt, _ = bftcsv.import_libraries()
    sweep = bftcsv.read_tables(pd, directory, [table])["sweep"]
    if sweep.empty:
        fail(f"{path}: no rows")
    sweep[param] = sweep[param].astype(str)
    positions, numeric = x_positions(sweep[param].tolist())
    for column in others:
        sweep[column] = sweep[column].astype(str)
    series = bftcsv.grid_groups(sweep, others)
    if len(series) > SERIES_MAX:
        fail(f"{path}: {len(series)} combinations of {', '.join(others)}; at most {SERIES_MAX} "
             "series fit one plot (sweep fewer grid values)")

    figure, ax = plt.subplots(figsize=(10, 6))
    without_view_change = []  # x of grid values where no run of a series had one
    print(f"view-change latency against {param} ({low:g}th-{high:g}th percentile across seeds):")
    for i, (key, table) in enumerate(series):
        series_name = ", ".join(f"{c}={v}" for c, v in zip(others, key))
        for j, (column, metric, linestyle, marker) in enumerate(METRICS):
            # One series: a colour per metric; several: a colour per series.
            colour = COLOURS[j] if len(series) == 1 else COLOURS[i]
            xs, medians, lows, highs = [], [], [], []
            for (value,), group in bftcsv.grid_groups(table, [param]):
                values_ms = group[column].dropna() / 1e3
                line = f"  {series_name + ' ' if series_name else ''}{param}={value} {metric}: " \
                       f"{len(group)} runs, {len(group) - len(values_ms)} without a view change"
                if not values_ms.empty:
                    x = positions[value]
                    xs.append(x)
                    medians.append(values_ms.median())
                    lows.append(values_ms.quantile(low / 100))
                    highs.append(values_ms.quantile(high / 100))
                    ax.scatter([x] * len(values_ms), values_ms, color=colour, marker=marker, s=16,
                               alpha=0.5, linewidths=0)
                    line += f", median {medians[-1]:.3f} ms [{lows[-1]:.3f}, {highs[-1]:.3f}]"
                elif metric == "p50":
                    without_view_change.append(positions[value])
                print(line)
            if xs:
                label = f"{metric}{' (' + series_name + ')' if series_name else ''}"
                ax.plot(xs, medians, color=colour, linestyle=linestyle, marker=marker, linewidth=1.8,
                        label=f"{label}: median over seeds")
                ax.fill_between(xs, lows, highs, color=colour, alpha=0.2,
                                linewidth=0, label=f"{label}: {low:g}th-{high:g}th percentile")
    if without_view_change:
        ax.scatter(without_view_change, [0] * len(without_view_change), marker="x", color="0.3", s=40,
                   zorder=3, clip_on=False, label="no run had a view change")
    # Every grid value on the axis, with or without a point.
    span = max(positions.values()) - min(positions.values())
    margin = span * 0.04 if span > 0 else 0.5
    ax.set_xlim(min(positions.values()) - margin, max(positions.values()) + margin)
    if not numeric:
        ax.set_xticks(list(positions.values()))
        ax.set_xticklabels(list(positions.keys()))
    seeds = sweep["seed"].nunique()
    ax.set_title(f"View-change latency against {param}: {sweep['scenario'].iloc[0]}, "
                 f"{seeds} seeds, {len(sweep)} runs")
    ax.set_xlabel(param)
    ax.set_ylabel("view-change latency within a run (ms)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    figure.tight_layout()
    bftcsv.save_figure(figure, bftcsv.output_base(directory, "view_change_grid", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
