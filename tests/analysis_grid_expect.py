"""What plot_view_change_grid.py and plot_violations.py must print for a
sweep.csv with one grid column (or none), computed with the csv and
statistics modules only (no pandas), for tests/analysis_test.sh. Prints, per
grid value in file order of first appearance, the view-change line's start
(runs, runs without a view change, median p50 over seeds) and the whole
violations line; without PARAM only the violations line for all runs.
Usage: python3 tests/analysis_grid_expect.py SWEEP_CSV [PARAM]"""

import collections
import csv
import statistics
import sys

path, param = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
with open(path) as f:
    rows = list(csv.DictReader(f))
points = collections.OrderedDict()
for row in rows:
    points.setdefault(row[param] if param else "all runs (no grid column)", []).append(row)
for value, group in points.items():
    p50s = [float(r["view_change_p50_us"]) / 1e3 for r in group if r.get("view_change_p50_us")]
    line = f"  {param}={value} p50: {len(group)} runs, {len(group) - len(p50s)} without a view change"
    if p50s:
        line += f", median {statistics.median(p50s):.3f} ms ["
    if param:
        print(line)
    kinds = ["safety" if r["safety"] == "violated" else "liveness" if r["liveness"] == "violated" else None
             for r in group]
    checks = collections.Counter(f"{r['violation_check'] or '(unnamed check)'} ({k})"
                                 for r, k in zip(group, kinds) if k)
    by_check = "; ".join(f"{check} {checks[check]}" for check in sorted(checks))
    unexpected = sum(r["as_expected"] != "yes" for r in group)
    print(f"  {value}: {len(group)} runs, {kinds.count('safety')} safety violated, "
          f"{kinds.count('liveness')} liveness violated, {unexpected} not as expected"
          f"{'; ' + by_check if by_check else ''}")
