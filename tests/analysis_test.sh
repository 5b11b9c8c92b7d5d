#!/usr/bin/env bash
# Tests of analysis/*.py: each script runs on real bftsim output (the demo,
# a leader crash with view changes, a small grid sweep), writes a non-empty PNG
# and SVG, and prints numbers that are checked here against the CSV files with
# awk or plain Python (no pandas); bad input exits 2 with one line on stderr.
# The runs that import pandas and matplotlib (about a second each) go in
# parallel, three at a time; bad-input checks exit before those imports.
# Usage: tests/analysis_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"
analysis=$src/analysis
# Debian's interpreter has pandas; a pyenv shim first on PATH costs 0.3 s a
# call. The plot_run run below goes through `python3` to cover the re-run.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# plot NAME SCRIPT ARGS...: runs a script in the background (at most three at
# once), its stdout, stderr and exit code in $work/NAME.{out,err,rc}.
plot() {
  while [ "$(jobs -rp | wc -l)" -ge 3 ]; do wait -n; done
  ("${interpreter:-$python}" "$analysis/$2" "${@:3}" >"$work/$1.out" 2>"$work/$1.err"; echo $? >"$work/$1.rc") &
}
rc() { cat "$work/$1.rc"; }  # here: the exit code of plot NAME (the library's rc reads run's)
show() { cat "$work/$1.out" "$work/$1.err"; }
# A PNG (by its signature) and an SVG, both non-empty, at BASE.png and BASE.svg.
images_ok() {
  [ -s "$1.png" ] && [ "$(head -c 8 "$1.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    && [ -s "$1.svg" ] && grep -q "<svg" "$1.svg"
}
# bad_ok NAME TEXT: exit 2 and exactly one stderr line, containing TEXT.
bad_ok() { [ "$(rc "$1")" = 2 ] && [ "$(wc -l <"$work/$1.err")" = 1 ] && grep -qF -- "$2" "$work/$1.err"; }
column_of() { head -1 "$1" | tr ',' '\n' | grep -nx -- "$2" | cut -d: -f1; }

# Inputs (fast crypto and 3 s keep the suite quick): the demo, a leader crash
# (view changes), the demo swept over 4 seeds at three loss rates (no view
# change at 0, liveness lost above), and twins past f swept without a grid
# (safety violated, as expected).
quick=(--set crypto=fast --set duration=3s)
"$bftsim" run "$src/scenarios/demo.yaml" "${quick[@]}" --out "$work/demo" -q >/dev/null 2>&1 \
  || fail "bftsim run demo"
"$bftsim" run "$src/scenarios/leader-crash.yaml" "${quick[@]}" --out "$work/lc" -q >/dev/null 2>&1 \
  || fail "bftsim run leader-crash"
rm -f "$work/demo/faults.csv"  # the no-faults.csv case
[ "$(sed -n 2p "$work/lc/faults.csv")" = "crash,1,1000000.000,," ] && pass \
  || fail "leader-crash's faults.csv: $(cat "$work/lc/faults.csv")"
"$bftsim" sweep "$src/scenarios/demo.yaml" --seeds 1-4 --grid network.loss=0,0.05,0.1 "${quick[@]}" \
  --out "$work/grid" -q >/dev/null 2>&1
[ -s "$work/grid/sweep.csv" ] || fail "grid sweep fixture"
mkdir -p "$work/nogrid" "$work/bad"
"$bftsim" sweep "$src/scenarios/twins-f-plus-one.yaml" --seeds 1-2 "${quick[@]}" --out "$work/nogrid" -q \
  >/dev/null 2>&1
cp "$work/lc/summary.csv" "$work/lc/view_changes.csv" "$work/bad/"
printf 'kind,target,start_us,end_us,detail\ncrash,replica 1,soon,,x\n' >"$work/bad/faults.csv"
sed '2s/,[0-9.]*$/,soon/' "$work/lc/commits.csv" >"$work/bad/commits.csv"

# The scripts on good input, and the one bad input that needs pandas to see.
interpreter=python3 plot run plot_run.py "$work/demo" --out "$work/demo-run.png"
plot latency plot_commit_latency.py "$work/demo"
for run in demo lc; do
  plot views-$run plot_view_changes.py "$work/$run"
done
plot throughput-lc plot_throughput.py "$work/lc" --bucket 50ms
plot throughput-demo plot_throughput.py "$work/demo"
plot grid plot_view_change_grid.py "$work/grid"
plot violations plot_violations.py "$work/grid"
plot violations-nogrid plot_violations.py "$work/nogrid"
plot bad-numeric plot_commit_latency.py "$work/bad"
wait

[ "$(rc run)" = 0 ] && images_ok "$work/demo-run" && pass || fail "plot_run --out: $(show run)"

# plot_commit_latency.py counts every commit; p50 is the nearest rank above
# (sorted latencies, index ceil(0.5 * (n - 1)) from 0).
commits=$work/demo/commits.csv
rows=$(($(wc -l <"$commits") - 1))
p50=$(tail -n +2 "$commits" | cut -d, -f"$(column_of "$commits" commit_latency_us)" | sort -g \
      | awk -v n="$rows" '{ v[NR] = $1 } END { i = int(0.5 * (n - 1)); if (i < 0.5 * (n - 1)) i++; printf "%.3f", v[i + 1] / 1000 }')
[ "$(rc latency)" = 0 ] && images_ok "$work/demo/commit_latency" \
  && grep -q "^commit latency: $rows commits, p50 $p50 ms" "$work/latency.out" && pass \
  || fail "plot_commit_latency: want $rows commits, p50 $p50: $(show latency)"

# plot_throughput.py: the committed ops it counts are summary.csv's
# committed_ops; fault windows are faults.csv's rows; none without the file.
ops_of() { sed -n 2p "$1/summary.csv" | cut -d, -f"$(column_of "$1/summary.csv" committed_ops)"; }
windows=$(($(wc -l <"$work/lc/faults.csv") - 1))
[ "$(rc throughput-lc)" = 0 ] && images_ok "$work/lc/throughput" \
  && grep -q "^throughput: $(ops_of "$work/lc") ops committed in 3 s .*; $windows fault windows$" \
     "$work/throughput-lc.out" && pass || fail "plot_throughput lc: $(show throughput-lc)"
[ "$(rc throughput-demo)" = 0 ] && images_ok "$work/demo/throughput" \
  && grep -q "^throughput: $(ops_of "$work/demo") ops committed in 3 s .*; no faults.csv$" \
     "$work/throughput-demo.out" && pass || fail "plot_throughput without faults.csv: $(show throughput-demo)"

# plot_view_changes.py: one bar per row of view_changes.csv; none also draws.
for run in demo lc; do
  rows=$(($(wc -l <"$work/$run/view_changes.csv") - 1))
  [ "$(rc views-$run)" = 0 ] && images_ok "$work/$run/view_changes" \
    && grep -q "^view changes: $rows$" "$work/views-$run.out" && pass \
    || fail "plot_view_changes $run: want $rows: $(show views-$run)"
done
[ "$rows" -gt 0 ] && pass || fail "leader-crash had no view change to plot"

# The grid scripts: runs per grid point, runs without a view change, the
# median p50 over seeds and the violation counts, recomputed from sweep.csv.
[ "$(rc grid)" = 0 ] && images_ok "$work/grid/view_change_grid" && pass || fail "plot_view_change_grid: $(show grid)"
[ "$(rc violations)" = 0 ] && images_ok "$work/grid/violations" && pass || fail "plot_violations: $(show violations)"
"$python" "$src/tests/analysis_grid_expect.py" "$work/grid/sweep.csv" network.loss >"$work/expect"
for loss in 0 0.05 0.1; do
  grep "^  network.loss=$loss p50: " "$work/expect" >"$work/want"
  [ -s "$work/want" ] && grep -qF -f "$work/want" "$work/grid.out" && pass \
    || fail "view-change grid at $loss: want $(cat "$work/want"): $(show grid)"
  grep "^  $loss: " "$work/expect" >"$work/want"
  [ -s "$work/want" ] && grep -qxF -f "$work/want" "$work/violations.out" && pass \
    || fail "violations at $loss: want $(cat "$work/want"): $(show violations)"
done
"$python" "$src/tests/analysis_grid_expect.py" "$work/nogrid/sweep.csv" >"$work/want"
[ "$(rc violations-nogrid)" = 0 ] && images_ok "$work/nogrid/violations" \
  && grep -q "safety violated" "$work/want" && grep -qxF -f "$work/want" "$work/violations-nogrid.out" && pass \
  || fail "plot_violations without a grid: want $(cat "$work/want"): $(show violations-nogrid)"
bad_ok bad-numeric "commits.csv: column commit_latency_us is not numeric (row 1: 'soon')" && pass \
  || fail "non-numeric commit_latency_us: $(show bad-numeric)"

# --help, no argument and a missing directory, for every script.
for script in plot_run.py plot_commit_latency.py plot_throughput.py plot_view_changes.py \
              plot_view_change_grid.py plot_violations.py; do
  plot help "$script" --help; wait
  [ "$(rc help)" = 0 ] && grep -q "^usage: $script" "$work/help.out" && pass || fail "$script --help"
  plot bad "$script"; wait
  [ "$(rc bad)" = 2 ] && pass || fail "$script without a directory exits 2: $(rc bad)"
  plot bad "$script" "$work/no-such-dir"; wait
  bad_ok bad "no-such-dir: no such directory" && pass || fail "$script on a missing directory: $(show bad)"
done

# Bad input found from the header line alone: each exits 2 naming the file
# and what is wrong.
expect_bad() {  # expect_bad TEXT SCRIPT ARGS...
  plot bad "${@:2}"; wait
  bad_ok bad "$1" && pass || fail "$2 ${*:3}: want '$1': $(show bad)"
}
expect_bad "requests.csv: missing" plot_run.py "$work/bad"
mkdir -p "$work/bad2"
cut -d, -f1-6,8- "$work/lc/summary.csv" >"$work/bad2/summary.csv"
cp "$work/lc/commits.csv" "$work/bad2/"
expect_bad "summary.csv: missing column(s) sim_seconds" plot_throughput.py "$work/bad2"
cut -d, -f1-8 "$work/lc/commits.csv" >"$work/bad/commits.csv"
expect_bad "commits.csv: missing column(s) commit_latency_us" plot_commit_latency.py "$work/bad"
printf 'kind,target,start_us\n' >"$work/bad/faults.csv"
expect_bad "faults.csv: missing column(s) end_us, detail" plot_throughput.py "$work/bad"
: >"$work/bad/view_changes.csv"
expect_bad "view_changes.csv: cannot read as CSV" plot_view_changes.py "$work/bad"
expect_bad "--bucket soon" plot_throughput.py "$work/lc" --bucket soon
expect_bad "--band 90,10" plot_view_change_grid.py "$work/grid" --band 90,10
expect_bad "no grid column network.delay" plot_view_change_grid.py "$work/grid" --param network.delay
expect_bad "no grid column" plot_view_change_grid.py "$work/nogrid"
cut -d, -f1-29 "$work/lc/summary.csv" >"$work/bad/sweep.csv"
expect_bad "sweep.csv: missing column(s) view_change_p50_us, view_change_p99_us" plot_view_change_grid.py "$work/bad"
: >"$work/nogrid/sweep.csv"
expect_bad "sweep.csv: cannot read as CSV" plot_violations.py "$work/nogrid"

echo "analysis: $passed passed, $failed failed"
[ "$failed" = 0 ]
