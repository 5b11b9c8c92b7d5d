#!/usr/bin/env bash
# Tests of `bftsim sweep` as a harness: worker processes give the rows of
# single runs, shards together hold the unsharded sweep, grid axes become
# columns, runs not as expected keep their full output, Ctrl-C keeps the
# finished rows (exit 130), bad --jobs/--grid/--shard exit 2.
# Usage: tests/sweep_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

scenario="$src/scenarios/lossy.yaml"
fast=(--set crypto=fast --set duration=2s)

# 20 seeds with --jobs 2 write the rows of 20 single runs, in seed order.
run sweep "$scenario" --seeds 1-20 "${fast[@]}" --jobs 2 --out "$work/j2"
j2_rc=$(rc)
run sweep "$scenario" --seeds 1-20 "${fast[@]}" --jobs 1 --out "$work/j1"
[ "$j2_rc" = "$(rc)" ] && cmp -s "$work/j1/sweep.csv" "$work/j2/sweep.csv" && pass \
  || fail "--jobs 2 and --jobs 1 differ: $(diff "$work/j1/sweep.csv" "$work/j2/sweep.csv" | head -3)"
{ head -1 "$work/j1/sweep.csv"; for seed in $(seq 1 20); do
    "$bftsim" run "$scenario" --seed "$seed" "${fast[@]}" -q --out "$work/single" 2>/dev/null
    tail -1 "$work/single/summary.csv"; done; } >"$work/singles.csv"
cmp -s "$work/singles.csv" "$work/j2/sweep.csv" && pass || fail "sweep rows are not those of single runs"
[ "$(wc -l <"$work/j2/sweep.csv")" = 21 ] && pass || fail "sweep.csv has $(wc -l <"$work/j2/sweep.csv") lines, want 21"

# Shards 1/3, 2/3, 3/3 hold disjoint rows that together are the unsharded sweep.
for k in 1 2 3; do run sweep "$scenario" --seeds 1-20 "${fast[@]}" --shard "$k/3" --jobs 2 --out "$work/s$k"; done
{ head -1 "$work/s1/sweep.csv"; for k in 1 2 3; do tail -n +2 "$work/s$k/sweep.csv"; done | sort -t, -k2,2n; } >"$work/shards.csv"
cmp -s "$work/shards.csv" "$work/j1/sweep.csv" && pass || fail "shards do not make the unsharded sweep"
[ "$(tail -n +2 "$work/s1/sweep.csv" | cut -d, -f2 | tr '\n' ' ')" = "1 4 7 10 13 16 19 " ] && pass \
  || fail "shard 1/3 runs every 3rd run from the 1st: $(tail -n +2 "$work/s1/sweep.csv" | cut -d, -f2 | tr '\n' ' ')"

# A grid: one column per axis, every point for every seed, a replay line with the point's --set.
run sweep "$src/scenarios/demo.yaml" --seeds 1-2 --set crypto=fast --set duration=1s \
  --grid network.loss=0,0.5 --grid 'network.latency={distribution: constant, value: 5ms},{distribution: constant, value: 50ms}' \
  --jobs 2 --out "$work/grid"
header=$(head -1 "$work/grid/sweep.csv")
[[ $header == "$(head -1 "$work/j1/sweep.csv"),network.loss,network.latency" ]] && pass || fail "grid header: $header"
[ "$(wc -l <"$work/grid/sweep.csv")" = 9 ] && pass || fail "grid: 2 seeds x 4 points = 8 rows"
[ "$(sed -n 2p "$work/grid/sweep.csv" | awk -F'"' '{print $2}')" = "{distribution: constant, value: 5ms}" ] \
  && sed -n 2p "$work/grid/sweep.csv" | grep -q ',0,"{distribution' && pass || fail "grid values in the row: $(sed -n 2p "$work/grid/sweep.csv")"
# the loss=0.5 points miss liveness: their replay line carries the point, and their full output is kept
if [ "$(rc)" = 1 ] && grep -q "^    replay: bftsim run $src/scenarios/demo.yaml --seed 1 --set crypto=fast --set duration=1s --set network.loss=0.5 --set 'network.latency={distribution: constant, value: 5ms}'$" "$work/out"; then pass
else fail "grid replay line: $(cat "$work/out")"; fi
kept=$(ls "$work/grid/runs" 2>/dev/null | wc -l)
unexpected=$(sed -n 's/.*), \([0-9]*\) not as expected.*/\1/p' "$work/out" | head -1)
[ "$kept" -gt 0 ] && [ "$kept" = "$unexpected" ] && [ -s "$work/grid/runs/seed-1_network.loss=0.5_network.latency=_distribution__constant__value__5ms_/summary.csv" ] \
  && pass || fail "full output kept only for the $unexpected runs not as expected: $(ls "$work/grid/runs" 2>&1)"
# an axis summary.csv already has (replicas) adds no second column
run sweep "$src/scenarios/demo.yaml" --seeds 1 --set crypto=fast --set duration=1s --grid replicas=4,7 --out "$work/rep"
[ "$(head -1 "$work/rep/sweep.csv")" = "$(head -1 "$work/j1/sweep.csv")" ] && [ "$(cut -d, -f5 "$work/rep/sweep.csv" | tr '\n' ' ')" = "replicas 4 7 " ] \
  && pass || fail "grid over replicas: $(cut -d, -f5 "$work/rep/sweep.csv" | tr '\n' ' ')"

# Ctrl-C: exit 130, the finished rows are written.
"$bftsim" sweep "$src/scenarios/demo.yaml" --seeds 1-100000 --set crypto=fast --set duration=1s --jobs 2 \
  --out "$work/int" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do sleep 0.1; grep -q "runs" "$work/err" 2>/dev/null && break; done
sleep 1
kill -INT "$pid"
wait "$pid"; int_rc=$?
rows=$(($(wc -l <"$work/int/sweep.csv" 2>/dev/null || echo 1) - 1))
[ "$int_rc" = 130 ] && [ "$rows" -gt 0 ] && grep -q "^interrupted: $rows of 100000 runs finished" "$work/err" && pass \
  || fail "Ctrl-C: exit $int_rc, $rows rows, $(cat "$work/err")"
[ -z "$(pgrep -f "seeds 1-100000" || true)" ] && pass || fail "Ctrl-C left workers behind"

# Bad input: 2.
for bad in "--jobs 0" "--grid network.loss" "--grid network.loss=0,,1" "--grid network.nope=1" "--shard 0/2" "--shard 3/2" "--shard x"; do
  # shellcheck disable=SC2086
  run sweep "$scenario" --seeds 1-2 $bad
  [ "$(rc)" = 2 ] && [ -s "$work/err" ] && pass || fail "sweep $bad exits 2: $(rc) $(cat "$work/err")"
done
run run "$scenario" --grid network.loss=0,1
[ "$(rc)" = 2 ] && pass || fail "--grid with run exits 2"

echo "sweep: $passed passed, $failed failed"
[ "$failed" = 0 ]
