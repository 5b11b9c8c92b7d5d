#!/usr/bin/env python3
"""View-change latency of one bftsim run, in parts, as stacked bars.

    python3 analysis/plot_view_changes.py RESULTS_DIR [--out FILE]

Left: one bar per failed view (view_changes.csv), stacked detect, certify,
propose, commit. Right: the median of each part over the view changes of each
cause (the `cause` column), or over all of them when the file has no cause
column. Writes RESULTS_DIR/view_changes.png and .svg and prints the medians
(docs/analysis.md). Exit codes: 0 written, 2 bad usage or missing/unreadable input.
"""

import argparse
import os
import sys

import bftcsv
from bftcsv import VIEW_CHANGE_PHASES, note
from panels import view_change_bars

COLUMNS = ["failed_view", "detect_us", "certify_us", "propose_us", "commit_us", "total_us"]
TABLES = [bftcsv.Table("summary", ["scenario", "seed"]),
          bftcsv.Table("view_changes", COLUMNS, numeric=COLUMNS)]
NO_CAUSE = "(no cause column)"
# Tick-label colours of causes (Paul Tol's "vibrant"), apart from the parts' fills.
CAUSE_COLOURS = ["#0077bb", "#cc3311", "#009988", "#ee7733", "#ee3377", "#33bbee", "#555555"]


def plot_by_cause(ax, view_changes, has_cause, cause_colours):
    """One stacked bar per cause: each part's median (ms) over its view
    changes, with the count and the median total above the bar."""
    ax.set_title("Median parts by cause" if has_cause else "Median parts (view_changes.csv has no cause column)")
    if view_changes.empty:
        ax.set_xticks([])
        ax.set_yticks([])
        note(ax, "no view changes")
        return []
    groups = sorted(view_changes.groupby("cause"), key=lambda item: (-len(item[1]), str(item[0])))
    positions = list(range(len(groups)))
    bottom = [0.0] * len(groups)
    for column, label, colour in VIEW_CHANGE_PHASES:
        # A part that never happened counts as 0 ms, so the parts of one bar add up.
        heights = [group[column].fillna(0).median() / 1e3 for _, group in groups]
        ax.bar(positions, heights, bottom=bottom, color=colour, width=0.6, label=label)
        bottom = [b + h for b, h in zip(bottom, heights)]
    rows = []
    for position, (cause, group), top in zip(positions, groups, bottom):
        totals = group["total_us"].dropna()  # empty when no view change of this cause ended
        total_ms = totals.median() / 1e3 if not totals.empty else None
        rows.append((str(cause), len(group), total_ms))
        total_text = "n/a" if total_ms is None else f"{total_ms:.1f} ms"
        ax.text(position, top, f"n={len(group)}\ntotal {total_text}", ha="center", va="bottom",
                fontsize="small")
    ax.set_xticks(positions)
    ax.set_xticklabels([str(cause) for cause, _ in groups], rotation=20 if len(groups) > 3 else 0,
                       ha="right" if len(groups) > 3 else "center", fontsize="small")
    if has_cause:
        for label, (cause, _) in zip(ax.get_xticklabels(), groups):
            label.set_color(cause_colours[cause])
            label.set_fontweight("bold")
    ax.set_ylabel("median latency (ms)")
    ax.set_ylim(0, max(bottom) * 1.35 if max(bottom) > 0 else 1)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper right", fontsize="small", ncol=2, framealpha=0.9)
    return rows


def main():
    parser = argparse.ArgumentParser(
        description="Plot one bftsim run's view-change latency in parts (detect, certify, propose, "
                    "commit) as stacked bars, per failed view and per cause, into a PNG and an SVG.",
        epilog="Exit codes: 0 written, 2 bad usage or missing/unreadable input. See docs/analysis.md.")
    parser.add_argument("results_dir", help="the --out directory of `bftsim run`")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE.png and FILE.svg (default: RESULTS_DIR/view_changes)")
    args = parser.parse_args()

    directory = args.results_dir
    bftcsv.check_inputs(directory, TABLES, f"write one with `bftsim run SCENARIO --out {directory}`")
    pd, plt, _ = bftcsv.import_libraries()
    tables = bftcsv.read_tables(pd, directory, TABLES)
    summary = bftcsv.one_row(tables["summary"], os.path.join(directory, "summary.csv"))
    view_changes = tables["view_changes"]
    has_cause = "cause" in view_changes.columns
    view_changes["cause"] = view_changes["cause"].fillna("(empty)").astype(str) if has_cause else NO_CAUSE
    causes = sorted(view_changes["cause"].unique())
    cause_colours = {cause: CAUSE_COLOURS[i % len(CAUSE_COLOURS)] for i, cause in enumerate(causes)}

    figure, (left, right) = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [3, 2]})
    view_change_bars(left, view_changes, cause_colours if has_cause else None)
    rows = plot_by_cause(right, view_changes, has_cause, cause_colours)
    figure.suptitle(f"View changes: {summary['scenario']} (seed {summary['seed']}), "
                    f"{len(view_changes)} failed views")
    figure.tight_layout()
    print(f"view changes: {len(view_changes)}")
    for cause, count, total_ms in rows:
        print(f"  {cause}: {count}, median total " + ("n/a" if total_ms is None else f"{total_ms:.3f} ms"))
    bftcsv.save_figure(figure, bftcsv.output_base(directory, "view_changes", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
