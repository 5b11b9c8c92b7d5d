#!/usr/bin/env bash
# Tests of `bftsim bisect`. With a seed: on every library scenario that
# expects a violation (and on variants padded with parts that do not matter),
# minimal.yaml is a valid scenario whose `bftsim run --seed S` violates the
# same check, with no more fault entries and Byzantine behaviours than the
# input and fewer where the input had parts to spare, in under 200 reruns;
# violation.txt explains it; the trace is JSON lines; two bisects agree byte
# for byte. With --param: a threshold with monotone probes that a sweep at
# the threshold and just below confirms. Exit codes 0/1/2.
# Usage: tests/bisect_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

# The value of column $2 of the last row of CSV file $1.
column() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } END { print $c }' "$1"; }
# Fault entries plus Byzantine behaviours of a scenario file (one per line or list item).
parts() {
  python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
faults = len(re.findall(r'^\s*- \{type:', text, re.M))
behaviours = sum(len(b.split(',')) for b in re.findall(r'behavior: \[?([^\]}]*)', text))
random = 1 if 'random_faults:' in text else 0
print(faults + behaviours + 1000 * random)  # random faults stand for many entries
EOF
}

# bisect SCENARIO NAME [--set ...]: shrinks, then checks minimal.yaml reproduces the check.
# Sets $check, $seed and $reruns for the caller.
bisect_case() {
  local scenario=$1 name=$2
  shift 2
  run bisect "$scenario" --set crypto=fast --out "$work/$name" "$@"
  if [ "$(rc)" != 0 ]; then fail "$name: bisect exits $(rc): $(cat "$work/out" "$work/err")"; return 1; fi
  seed=$(sed -n 's/^seed \([0-9]*\)$/\1/p' "$work/out")
  check=$(sed -n 's/^first failing check: \([a-z_]*\) .*/\1/p' "$work/out")
  reruns=$(sed -n 's/^shrunk in \([0-9]*\) reruns.*/\1/p' "$work/out")
  [ -n "$seed" ] && [ -n "$check" ] && [ -n "$reruns" ] && [ "$reruns" -lt 200 ] && pass \
    || fail "$name: seed '$seed', check '$check', reruns '$reruns' (< 200): $(cat "$work/out")"
  "$bftsim" run "$work/$name/minimal.yaml" --seed "$seed" -q --out "$work/$name/rerun" >/dev/null 2>&1
  local got
  got=$(column "$work/$name/rerun/summary.csv" violation_check)
  [ "$got" = "$check" ] && pass || fail "$name: minimal.yaml at seed $seed violates '$got', want '$check'"
  # minimal.yaml names its seed, so a plain run replays it too.
  "$bftsim" run "$work/$name/minimal.yaml" -q --out "$work/$name/plain" >/dev/null 2>&1
  [ "$(column "$work/$name/plain/summary.csv" violation_check)" = "$check" ] && pass \
    || fail "$name: minimal.yaml without --seed does not reproduce"
  grep -q "^  $check (" "$work/$name/violation.txt" && grep -q "How it happened" "$work/$name/violation.txt" && pass \
    || fail "$name: violation.txt: $(head -12 "$work/$name/violation.txt")"
  python3 -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "empty trace"
for line in lines: json.loads(line)' "$work/$name/minimal.trace.jsonl" && pass || fail "$name: the trace is not JSON lines"
  # The Perfetto trace: trace-event JSON with a slice per event and the violation marked.
  python3 -c 'import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
assert any(e.get("ph") == "X" for e in events), "no slices"
assert any(e.get("ph") == "s" for e in events), "no message flows"' "$work/$name/minimal.perfetto.json" && pass \
    || fail "$name: minimal.perfetto.json is not a Perfetto trace with slices and flows"
}

# Every library scenario that expects a violation.
for scenario in "$src"/scenarios/*.yaml; do
  grep -qE '^  (safety|liveness): violated' "$scenario" || continue
  name=$(basename "$scenario" .yaml)
  bisect_case "$scenario" "$name" || continue
  before=$(parts "$scenario")
  after=$(parts "$work/$name/minimal.yaml")
  [ "$after" -le "$before" ] && pass || fail "$name: $after parts after, $before before"
  echo "bisect $name: $check at seed $seed, $reruns reruns, parts $before -> $after" >&2
done

# Padded with parts that do not matter, the minimal scenario drops them.
# twins-f-plus-one needs its two twins; a late crash, a cut after the
# violation and a junk behaviour are extra.
bisect_case "$src/scenarios/twins-f-plus-one.yaml" padded-twins \
  --set 'faults=[{type: crash, node: 0, at: 4s}, {type: cut, from: 1, to: 0, at: 4500ms}]' \
  --set 'byzantine=[{node: 2, behavior: [twins, junk]}, {node: 3, behavior: twins}]' && {
  grep -q "type:" "$work/padded-twins/minimal.yaml" && fail "padded-twins: faults kept: $(cat "$work/padded-twins/minimal.yaml")" || pass
  grep -q "junk" "$work/padded-twins/minimal.yaml" && fail "padded-twins: junk kept" || pass
  grep -q "behavior: twins" "$work/padded-twins/minimal.yaml" && pass || fail "padded-twins: the twins went"
  [ "$check" = agreement ] && grep -q "certificate: QC for view" "$work/padded-twins/violation.txt" \
    && grep -q "committed by: replica" "$work/padded-twins/violation.txt" && pass \
    || fail "padded-twins: no proposal/certificate/commit chain: $(cat "$work/padded-twins/violation.txt")"
}
# leader-crash-linear needs its crash; a partition that heals early is extra.
bisect_case "$src/scenarios/leader-crash-linear.yaml" padded-linear \
  --set 'faults=[{type: partition, groups: [[3]], at: 100ms, until: 300ms}, {type: crash, node: 1, at: 1s}]' && {
  [ "$(grep -c "type:" "$work/padded-linear/minimal.yaml")" = 1 ] && grep -q "type: crash" "$work/padded-linear/minimal.yaml" \
    && pass || fail "padded-linear: $(cat "$work/padded-linear/minimal.yaml")"
}

# Determinism: the same bisect twice writes the same files.
run bisect "$src/scenarios/twins-f-plus-one.yaml" --set crypto=fast --out "$work/again"
# (the comment at the top names the output directory)
cmp -s <(grep -v '^#' "$work/again/minimal.yaml") <(grep -v '^#' "$work/twins-f-plus-one/minimal.yaml") \
  && cmp -s "$work/again/violation.txt" "$work/twins-f-plus-one/violation.txt" && pass \
  || fail "two bisects differ: $(diff "$work/again/violation.txt" "$work/twins-f-plus-one/violation.txt" | head -5)"

# Nothing to bisect: exit 1 and say so.
run bisect "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set expect.min_commits=0 --out "$work/none"
[ "$(rc)" = 1 ] && grep -q "shows no violation.*nothing to bisect" "$work/out" && pass \
  || fail "bisect without a violation: exit $(rc): $(cat "$work/out" "$work/err")"

# Parameter bisect: liveness of lossy over network.loss (stalls of over 1s in 3s).
lossy=(bisect "$src/scenarios/lossy.yaml" --set crypto=fast --set duration=3s --set expect.min_commits=0 --set expect.within=1s
  --param network.loss --property liveness --seeds 1-4 --jobs 2)
run "${lossy[@]}" --range 0..0.8 --tolerance 0.05 --out "$work/param"
threshold=$(sed -n 's/^threshold: network.loss=\([0-9.]*\) .*/\1/p' "$work/out")
if [ "$(rc)" = 0 ] && [ -n "$threshold" ]; then pass; else fail "param bisect: exit $(rc): $(cat "$work/out" "$work/err")"; fi
# Probes are monotone: every value that held is below every value violated;
# the threshold is the least violated one, and the gap to the greatest that held is within the tolerance.
python3 - "$work/param/bisect.csv" "$threshold" <<'EOF' && pass || fail "param bisect probes: $(cat "$work/param/bisect.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) >= 3, rows
held = [float(r["value"]) for r in rows if r["verdict"] == "holds"]
violated = [float(r["value"]) for r in rows if r["verdict"] == "violated"]
assert all(r["runs"] == "4" and r["seeds"] == "1-4" for r in rows)
assert all((r["verdict"] == "violated") == (int(r["violations"]) > 0) for r in rows)
assert held and violated and max(held) < min(violated), (held, violated)
assert min(violated) == float(sys.argv[2]), (min(violated), sys.argv[2])
assert min(violated) - max(held) <= 0.05 + 1e-9
EOF
below=$(python3 -c 'import csv, sys; print(max(r["value"] for r in csv.DictReader(open(sys.argv[1])) if r["verdict"] == "holds"))' "$work/param/bisect.csv")
common=(--seeds 1-4 --set crypto=fast --set duration=3s --set expect.min_commits=0 --set expect.within=1s --jobs 2 --no-progress)
"$bftsim" sweep "$src/scenarios/lossy.yaml" "${common[@]}" --set "network.loss=$threshold" --out "$work/at" >/dev/null 2>&1
"$bftsim" sweep "$src/scenarios/lossy.yaml" "${common[@]}" --set "network.loss=$below" --out "$work/below" >/dev/null 2>&1
violated_rows() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "liveness") c = i; next } $c == "violated" { n++ } END { print n + 0 }' "$1"; }
[ "$(violated_rows "$work/at/sweep.csv")" -gt 0 ] && [ "$(violated_rows "$work/below/sweep.csv")" = 0 ] && pass \
  || fail "a sweep at $threshold should violate liveness and one at $below should not"
# No flip inside the range: exit 1.
run "${lossy[@]}" --range 0..0.01 --out "$work/flat"
[ "$(rc)" = 1 ] && grep -q "no threshold inside the range" "$work/out" && pass || fail "flat range: exit $(rc): $(cat "$work/out")"

# Bad input: 2.
for bad in "--param network.loss --property liveness" "--param network.loss --range 0.5..0 --property liveness" \
  "--param network.loss --range 0..0.5 --property speed" "--param network.nope --range 0..0.5 --property safety" \
  "--param network.loss --range 0..5ms --property safety" "--range 0..1" "--jobs 2" "--tolerance 1"; do
  # shellcheck disable=SC2086
  run bisect "$src/scenarios/lossy.yaml" $bad --out "$work/bad"
  [ "$(rc)" = 2 ] && [ -s "$work/err" ] && pass || fail "bisect $bad exits 2: $(rc) $(cat "$work/err")"
done
run bisect "$src/scenarios/no-such.yaml"
[ "$(rc)" = 2 ] && pass || fail "a missing scenario exits 2: $(rc)"

echo "bisect: $passed passed, $failed failed"
[ "$failed" = 0 ]
