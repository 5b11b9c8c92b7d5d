#!/usr/bin/env bash
# CLI tests of bftsim: exit codes (0 as the scenario expects, expected
# violations included; 1 not as expected; 2 bad input), the verdict lines and
# the reproduce/replay commands, bad scenarios rejected with file and line,
# byte-identical CSV for the same seed, --set and the old engine's flags.
# Usage: tests/cli_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

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

# Exit codes follow the scenario's `expect`: 0 as expected, 1 not, 2 bad input.
# Expected holds, and it held: 0, quiet, no verdict complaint and no reproduce line.
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set expect.min_commits=0 -q
[ "$(rc)" = 0 ] && [ ! -s "$work/out" ] && ! grep -q "NOT as expected\|reproduce:" "$work/err" && pass \
  || fail "expected holds and held: exit $(rc), $(cat "$work/out" "$work/err")"
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set expect.min_commits=0
[ "$(rc)" = 0 ] && grep -q "^  verdict: as expected (safety holds, liveness holds)$" "$work/out" && pass \
  || fail "expected holds and held: verdict line: $(cat "$work/out")"

# An expected violation that happened: 0, and the verdict names it.
run run "$src/scenarios/twins-f-plus-one.yaml" --set crypto=fast
[ "$(rc)" = 0 ] && grep -q "^  verdict: as expected (safety violated, as expected: agreement)$" "$work/out" && pass \
  || fail "twins-f-plus-one (expected safety violation): exit $(rc), $(grep verdict "$work/out")"
run run "$src/scenarios/mutant-skip-lock.yaml" --set crypto=fast -q
[ "$(rc)" = 0 ] && ! grep -q "NOT as expected" "$work/err" && pass || fail "mutant-skip-lock (expected): exit $(rc)"
run run "$src/scenarios/leader-crash-linear.yaml" --set crypto=fast
[ "$(rc)" = 0 ] && grep -q "^  verdict: as expected (liveness violated, as expected: liveness)$" "$work/out" && pass \
  || fail "leader-crash-linear (expected liveness violation): exit $(rc), $(grep verdict "$work/out")"

# Expected holds, but liveness was violated: 1. The verdict names liveness (not
# linearizability), -q still names the failing check, and the reproduce line
# carries every --set, quoted where the shell needs it.
latency='network.latency={distribution: constant, value: 2ms}'
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set "$latency" --set expect.min_commits=100000
[ "$(rc)" = 1 ] && grep -q "^  verdict: NOT as expected: liveness violated (expected holds)$" "$work/out" \
  && grep -q "^  safety holds (expected holds), liveness violated (expected holds), linearizability ok$" "$work/out" && pass \
  || fail "unexpected liveness violation: exit $(rc), $(grep -A1 linearizability "$work/out")"
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set "$latency" --set expect.min_commits=100000 -q
[ "$(rc)" = 1 ] && [ ! -s "$work/out" ] \
  && grep -q "^NOT as expected: liveness violated (expected holds): commit_height_min: replica 0 committed height [0-9]* < min_commits 100000$" "$work/err" \
  && grep -qF "reproduce: bftsim run $src/scenarios/demo.yaml --seed 1 --set crypto=fast --set duration=1s --set '$latency' --set expect.min_commits=100000" "$work/err" && pass \
  || fail "unexpected liveness violation, -q: exit $(rc), $(cat "$work/err")"
# The same through the network: 90% loss stalls commits. The run has no
# faults, so the liveness message names no last fault.
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=2s --set network.loss=0.9 -q
[ "$(rc)" = 1 ] && grep -q "^NOT as expected: liveness violated (expected holds): liveness: .*counted from the start (the run has no faults)" "$work/err" \
  && ! grep -q "last fault" "$work/err" && pass || fail "90% loss: exit $(rc), $(cat "$work/err")"

# An expected violation that did not happen: 1. Without the mutant the lock holds.
run run "$src/scenarios/mutant-skip-lock.yaml" --set crypto=fast --set protocol.unsafe_skip_lock=false -q
[ "$(rc)" = 1 ] && grep -q "^NOT as expected: safety holds (expected violated by chain): no check fired$" "$work/err" \
  && grep -q "^reproduce: bftsim run .*mutant-skip-lock.yaml --seed 1 --set crypto=fast --set protocol.unsafe_skip_lock=false$" "$work/err" && pass \
  || fail "expected violation that did not happen: exit $(rc), $(cat "$work/err")"
run run "$src/scenarios/mutant-skip-lock.yaml" --set crypto=fast --set protocol.unsafe_skip_lock=false
[ "$(rc)" = 1 ] && grep -q "^  verdict: NOT as expected: safety holds (expected violated by chain)$" "$work/out" && pass \
  || fail "expected violation that did not happen: verdict $(grep verdict "$work/out")"
# A violation of another check than the one expected: 1, and the verdict says
# which check fired and which was expected.
run run "$src/scenarios/mutant-skip-lock.yaml" --set crypto=fast --set expect.check=agreement
[ "$(rc)" = 1 ] && grep -q "^  verdict: NOT as expected: safety violated by chain (expected violated by agreement)$" "$work/out" && pass \
  || fail "a violation of another check: exit $(rc), $(grep verdict "$work/out")"
run sweep "$src/scenarios/mutant-skip-lock.yaml" --seeds 1-2 --set crypto=fast --set expect.check=double_vote --no-progress
[ "$(rc)" = 1 ] && grep -q "^  seed 1 NOT as expected: safety violated by chain (expected violated by double_vote): chain: " "$work/out" && pass \
  || fail "sweep: a violation of another check: exit $(rc), $(cat "$work/out")"
# expect.check names a checker, and only with safety: violated.
run check "$src/scenarios/mutant-skip-lock.yaml" --set expect.check=lock
[ "$(rc)" = 2 ] && grep -q "expect.check: unknown safety check \"lock\" (known: agreement, chain, state_agreement, integrity, double_vote, linearizability, recovery, certificate, timeout_vote)" "$work/err" && pass \
  || fail "expect.check with an unknown check: exit $(rc), $(cat "$work/err")"
run check "$src/scenarios/demo.yaml" --set expect.check=agreement
[ "$(rc)" = 2 ] && grep -q "expect.check: names the check a violation must fire, so it needs safety: violated" "$work/err" && pass \
  || fail "expect.check with safety holds: exit $(rc), $(cat "$work/err")"

# sweep: 0 when every run went as expected, expected violations included.
run sweep "$src/scenarios/twins-f-plus-one.yaml" --seeds 1-5 --set crypto=fast --out "$work/sweep-ok"
[ "$(rc)" = 0 ] && grep -q "^sweep twins-f-plus-one seeds 1-5: 5 runs: 5 as expected (5 expected safety violations, 0 expected liveness violations), 0 not as expected " "$work/out" \
  && ! grep -q "NOT as expected" "$work/out" && pass || fail "sweep all as expected: exit $(rc), $(cat "$work/out")"
[ "$(head -1 "$work/sweep-ok/sweep.csv")" = "$(head -1 "$work/a/summary.csv")" ] && [ "$(wc -l <"$work/sweep-ok/sweep.csv")" = 6 ] && pass \
  || fail "sweep.csv lost its summary.csv columns or rows"
# sweep: 1 with a mix. Random partitions keep the twins apart on some seeds;
# those seeds are listed first, each with a replay line carrying every --set.
run sweep "$src/scenarios/sweep-partitions-twins.yaml" --seeds 1-30 --set crypto=fast --set duration=3s
summary=$(head -1 "$work/out")
if [ "$(rc)" = 1 ] && [[ $summary =~ :\ 30\ runs:\ ([0-9]+)\ as\ expected\ \(([0-9]+)\ expected\ safety.*\),\ ([0-9]+)\ not\ as\ expected\ .*\ ([0-9]+)\ expected\ violations\ that\ did\ not\ happen\) ]] \
  && [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[3]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[1]}" ] \
  && [ "${BASH_REMATCH[4]}" = "${BASH_REMATCH[3]}" ]; then pass; else fail "sweep with a mix: exit $(rc), $summary"; fi
sed -n 2p "$work/out" | grep -q "^  seed [0-9]* NOT as expected: safety holds (expected violated by agreement): no check fired$" && pass \
  || fail "sweep lists the seeds not as expected first: $(sed -n 2p "$work/out")"
replays=$(grep -c "^    replay: bftsim run $src/scenarios/sweep-partitions-twins.yaml --seed [0-9]* --set crypto=fast --set duration=3s$" "$work/out")
[ "$replays" -gt 0 ] && [ "$replays" = "$(grep -c "^  seed [0-9]* NOT as expected" "$work/out")" ] && pass \
  || fail "sweep: one replay line with every --set per seed not as expected: $(cat "$work/out")"
# The replay line reproduces the run: not as expected again.
replay=$(grep -m1 "^    replay: " "$work/out" | sed "s|^    replay: bftsim |\"\$bftsim\" |")
eval "$replay -q" >/dev/null 2>"$work/replay-err"; replay_rc=$?
[ "$replay_rc" = 1 ] && grep -q "^NOT as expected: safety holds (expected violated by agreement)" "$work/replay-err" && pass \
  || fail "the sweep's replay line does not reproduce the run: $replay_rc $(cat "$work/replay-err")"

# Bad input is 2 for sweep too.
run sweep "$src/scenarios/demo.yaml" --seeds 5-1
[ "$(rc)" = 2 ] && pass || fail "sweep with a bad seed range exits 2: $(rc)"

# An event storm is cut off with a verdict, never a hang: a bound of 1000
# events per simulated second (10 per 10 ms window) cuts demo off at once.
run run "$src/scenarios/demo.yaml" --set crypto=fast --set event_rate_max=1000 --out "$work/cut"
if [ "$(rc)" = 1 ] && grep -q "^  CUT OFF (event storm): 11 events in the 10ms of simulated time from 0s passed event_rate_max 1000 per simulated second; stopped at 0s after 10 events$" "$work/out" \
  && grep -q "verdict: NOT as expected: cut off as an event storm$" "$work/out" \
  && [ "$(tail -1 "$work/cut/summary.csv" | cut -d, -f8,21,25,26,27)" = "10,unchecked,no,cut_off,10" ]; then pass
else fail "a run past event_rate_max is cut off: $(rc) $(cat "$work/out") $(tail -1 "$work/cut/summary.csv" 2>&1)"; fi
run run "$src/scenarios/demo.yaml" --set crypto=fast --set event_rate_max=1000 --set expect.cut_off=true
[ "$(rc)" = 0 ] && grep -q "verdict: as expected (cut off, as expected)" "$work/out" && pass \
  || fail "expect.cut_off: true accepts a cut-off run: $(rc) $(cat "$work/out")"
run run "$src/scenarios/demo.yaml" --set crypto=fast --set duration=1s --set expect.cut_off=true
[ "$(rc)" = 1 ] && grep -q "verdict: NOT as expected: not cut off (expected cut_off)$" "$work/out" && pass \
  || fail "expect.cut_off: true misses a run that ran to its end: $(rc) $(cat "$work/out")"
run run "$src/scenarios/demo.yaml" --set event_rate_max=99
[ "$(rc)" = 2 ] && grep -q "event_rate_max" "$work/err" && pass || fail "event_rate_max below 100 exits 2: $(rc) $(cat "$work/err")"
run sweep "$src/scenarios/demo.yaml" --seeds 1-3 --set crypto=fast --set event_rate_max=1000 --jobs 1 --no-progress
[ "$(rc)" = 1 ] && grep -q "^  3 runs cut off as event storms (event_rate_max)$" "$work/out" \
  && [ "$(grep -c "NOT as expected: cut off as an event storm: " "$work/out")" = 3 ] && pass \
  || fail "sweep counts cut-off runs: $(rc) $(cat "$work/out")"

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
