#!/usr/bin/env bash
# CLI tests of bftsim: exit codes, bad scenarios rejected with file and line,
# byte-identical CSV for the same seed, --set and the old engine's flags.
# Usage: tests/cli_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
bftsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# Runs the binary, keeping stdout, stderr and the exit code.
run() { "$bftsim" "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }

# --help and usage errors.
run --help
[ "$(rc)" = 0 ] && grep -q "bftsim run SCENARIO" "$work/out" && pass || fail "--help"
run frobnicate "$src/scenarios/demo.yaml"
[ "$(rc)" = 2 ] && grep -q "unknown command" "$work/err" && pass || fail "unknown command exits 2"
run run
[ "$(rc)" = 2 ] && pass || fail "run without a scenario exits 2"
run run "$src/scenarios/demo.yaml" --no-such-flag
[ "$(rc)" = 2 ] && pass || fail "unknown flag exits 2"
run run "$src/scenarios/does-not-exist.yaml"
[ "$(rc)" = 2 ] && grep -q "does-not-exist.yaml" "$work/err" && pass || fail "missing file exits 2 naming it"

# Every bad scenario is rejected with exit 2 and the message its first line expects
# (the fragment starts with :line:column:, so it checks the line too).
count=0
for file in "$src"/scenarios/bad/*.yaml; do
  count=$((count + 1))
  fragment=$(sed -n 's/^# expect-error: //p' "$file" | head -1)
  [ -n "$fragment" ] || { fail "$file has no expect-error line"; continue; }
  run check "$file"
  if [ "$(rc)" = 2 ] && grep -qF -- "$file$fragment" "$work/err"; then pass; else
    fail "$file: expected exit 2 and '$file$fragment', got $(rc): $(cat "$work/err")"; fi
done
[ "$count" -ge 8 ] && pass || fail "scenarios/bad/ has only $count files"

# Inputs that once hung (a lone ','), overflowed the stack (a list holding
# itself) or would nest too deep, as --set values: each ends within the
# timeout with exit 2 and an error at the --set (the file forms are in
# scenarios/bad/ above).
deep=$(printf '%*s' 100 '' | tr ' ' '[')$(printf '%*s' 100 '' | tr ' ' ']')
for value in ',' '&a [*a]' "{a: &a [x, x], b: [*a, *a]}" "$deep" $'1\n---\n2'; do
  timeout 10 "$bftsim" check "$src/scenarios/demo.yaml" --set "seed=$value" >"$work/out" 2>"$work/err"
  code=$?
  [ "$code" = 2 ] && grep -q -- "--set seed: " "$work/err" && pass || fail "--set seed='$value': exit $code: $(cat "$work/err")"
done

# Every good scenario validates.
for file in "$src"/scenarios/*.yaml; do
  run check "$file"
  [ "$(rc)" = 0 ] && pass || fail "check $file: $(cat "$work/err")"
done

# An unknown --set path is an error naming it.
run check "$src/scenarios/demo.yaml" --set network.lossy=0.1
[ "$(rc)" = 2 ] && grep -q -- "--set network.lossy" "$work/err" && pass || fail "--set unknown key"

# Same scenario and seed: byte-identical CSV (all but wallclock.csv) and trace.
for out in a b; do
  run run "$src/scenarios/leader-crash.yaml" --seed 7 --set crypto=fast --out "$work/$out" --trace "$work/$out.trace" -q
  [ "$(rc)" = 0 ] || fail "leader-crash seed 7 exit $(rc): $(cat "$work/err")"
done
for file in summary commits requests view_changes messages; do
  [ -s "$work/a/$file.csv" ] && cmp -s "$work/a/$file.csv" "$work/b/$file.csv" && pass || fail "$file.csv differs between identical runs"
done
cmp -s "$work/a.trace" "$work/b.trace" && [ -s "$work/a.trace" ] && pass || fail "trace differs between identical runs"
[ -s "$work/a/wallclock.csv" ] && pass || fail "wallclock.csv missing"
run run "$src/scenarios/leader-crash.yaml" --seed 8 --set crypto=fast --out "$work/c" -q
cmp -s "$work/a/commits.csv" "$work/c/commits.csv" && fail "seed 8 gave the same commits as seed 7" || pass

# --set reaches the run: 20% loss drops about a fifth of the messages.
run run "$src/scenarios/lossy.yaml" --set network.loss=0.2 --set crypto=fast --seed 3 --out "$work/loss"
dropped=$(awk -F, 'NR > 1 { s += $4; d += $2 } END { printf "%d", 100 * s / d }' "$work/loss/messages.csv")
[ "$dropped" -ge 15 ] && [ "$dropped" -le 25 ] && pass || fail "--set network.loss=0.2 dropped $dropped%"

# The old engine's flags: a 7-replica cluster with f=2.
run run "$src/scenarios/demo.yaml" --cluster-size 7 --max-faults 2 --timeout-ms 300 --demo-ops 50 --chain-id old --set crypto=fast --set duration=2s --set expect.min_commits=0 --out "$work/old" -q
[ "$(rc)" = 0 ] && grep -q "^demo,1,chained-hotstuff,fast,7,2," "$work/old/summary.csv" && pass || fail "old flags: $(cat "$work/err")"
issued=$(awk -F, 'NR == 2 { print $14 }' "$work/old/summary.csv")
[ "$issued" = 50 ] && pass || fail "--demo-ops 50 issued $issued requests"

# A violation exits 1 and prints how to reproduce it.
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=2s --set expect.min_commits=100000
[ "$(rc)" = 1 ] && grep -q "reproduce: bftsim run" "$work/err" && pass || fail "violation exits 1: $(rc)"

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
