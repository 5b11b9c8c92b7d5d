#!/usr/bin/env bash
# Writes OUT_DIR/sweep.csv of a grid sweep for tests/analysis_test.sh: one row
# per (seed, value of PARAM), summary.csv's columns then a PARAM column.
# Uses `bftsim sweep --grid` when the binary has it; until then one sweep per
# value with --set, concatenated here. TEMPORARY, also until bftsim has them:
# view_change_p50_us/p99_us, when sweep.csv lacks them, are computed here from
# each run's view_changes.csv (total_us, nearest rank).
# Usage: tests/analysis_grid_sweep.sh BFTSIM SCENARIO OUT_DIR PARAM V1,V2,.. SEEDS [--set ...]
set -euo pipefail
bftsim=$1 scenario=$2 out=$3 param=$4 values=$5 seeds=$6
shift 6
mkdir -p "$out"
help=$("$bftsim" --help)
if grep -q -- "--grid" <<<"$help"; then
  "$bftsim" sweep "$scenario" --seeds "$seeds" --grid "$param=$values" "$@" --out "$out" -q >/dev/null 2>&1 || true
else
  for value in ${values//,/ }; do
    "$bftsim" sweep "$scenario" --seeds "$seeds" --set "$param=$value" "$@" --out "$out/$value" -q \
      >/dev/null 2>&1 || true  # exit 1 (not as expected) is part of the data
    awk -v param="$param" -v value="$value" -v first="$([ -f "$out/sweep.csv" ] && echo 0 || echo 1)" \
      'NR == 1 { if (first) print $0 "," param; next } { print $0 "," value }' \
      "$out/$value/sweep.csv" >>"$out/sweep.csv"
  done
fi
grep -q "view_change_p50_us" "$out/sweep.csv" && exit 0

# TEMPORARY: per-run view-change percentiles from a rerun of each row.
python3 - "$bftsim" "$scenario" "$out" "$param" "$@" <<'PY'
import csv, math, os, subprocess, sys
bftsim, scenario, out, param, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
with open(os.path.join(out, "sweep.csv")) as f:
    rows = list(csv.DictReader(f))
for i, row in enumerate(rows):
    run_dir = os.path.join(out, f"run{i}")
    subprocess.run([bftsim, "run", scenario, "--seed", row["seed"], "--set", f"{param}={row[param]}",
                    *extra, "--out", run_dir, "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(run_dir, "view_changes.csv")) as f:
        totals = sorted(float(r["total_us"]) for r in csv.DictReader(f) if r["total_us"])
    for name, q in (("view_change_p50_us", 0.5), ("view_change_p99_us", 0.99)):
        row[name] = f"{totals[max(0, math.ceil(q * len(totals)) - 1)]:.3f}" if totals else ""
columns = [c for c in rows[0] if c not in ("view_change_p50_us", "view_change_p99_us", param)]
with open(os.path.join(out, "sweep.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, columns + ["view_change_p50_us", "view_change_p99_us", param],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
PY
