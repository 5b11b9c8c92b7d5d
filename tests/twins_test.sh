#!/usr/bin/env bash
# Tests of `bftsim twins`: the count of a small exhaustive space (the hand
# count of tests/sim/harness/twins_space_test.cpp), rows independent of
# --jobs and of sharding, samples fixed by --seed, violations saved as
# scenario files that `bftsim run` replays to the same violation and trace
# hash, the speed line, and bad input (exit 2).
# Usage: tests/twins_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

column_of() { head -1 "$1" | tr ',' '\n' | grep -nx -- "$2" | cut -d: -f1; }

# R = 2 views, n = 4, one twin: 320 canonical scenarios, all run, all safe.
run twins --views 2 --jobs 2 --out "$work/j2" --no-progress
[ "$(rc)" = 0 ] && grep -q "320 canonical scenarios; running 320 (enumerated in order)" "$work/out" \
  && grep -q "^320 scenarios: 320 safe, 0 violated safety$" "$work/out" && pass \
  || fail "twins --views 2: exit $(rc): $(cat "$work/out" "$work/err")"
[ "$(wc -l <"$work/j2/twins.csv")" = 321 ] && pass || fail "twins.csv: $(wc -l <"$work/j2/twins.csv") lines, want 321"
[ "$(head -1 "$work/j2/twins.csv")" = "id,leaders,partitions,safety,check,violation_event,committed_blocks,committed_blocks_by_proposer,sim_seconds,events,trace_hash" ] \
  && pass || fail "twins.csv header: $(head -1 "$work/j2/twins.csv")"
grep -q "scenarios/s; cpu .* ms per scenario$" "$work/err" && pass || fail "speed line: $(cat "$work/err")"

# One worker gives the same rows; so do three shards together, sorted by id.
run twins --views 2 --jobs 1 --out "$work/j1" --no-progress
cmp -s "$work/j1/twins.csv" "$work/j2/twins.csv" && pass || fail "--jobs 1 and --jobs 2 differ"
for k in 1 2 3; do run twins --views 2 --jobs 2 --shard "$k/3" --out "$work/s$k" --no-progress; done
{ head -1 "$work/s1/twins.csv"; for k in 1 2 3; do tail -n +2 "$work/s$k/twins.csv"; done | sort -t, -k1,1n; } >"$work/shards.csv"
cmp -s "$work/shards.csv" "$work/j1/twins.csv" && pass || fail "shards do not make the unsharded run"
[ "$(tail -n +2 "$work/s2/twins.csv" | cut -d, -f1 | head -3 | tr '\n' ' ')" = "1 4 7 " ] && pass \
  || fail "shard 2/3 runs scenarios 1, 4, 7, ...: $(tail -n +2 "$work/s2/twins.csv" | cut -d, -f1 | head -3)"

# A sample is fixed by --seed (and by nothing else), and another seed draws others.
run twins --views 6 --max-scenarios 300 --seed 5 --jobs 2 --out "$work/a" --no-progress
run twins --views 6 --max-scenarios 300 --seed 5 --jobs 1 --out "$work/b" --no-progress
cmp -s "$work/a/twins.csv" "$work/b/twins.csv" && grep -q "running 300 (a sample, seed 5)" "$work/out" && pass \
  || fail "the same seed gives another sample"
run twins --views 6 --max-scenarios 300 --seed 6 --jobs 2 --out "$work/c" --no-progress
! cmp -s "$work/a/twins.csv" "$work/c/twins.csv" && pass || fail "seeds 5 and 6 drew the same sample"

# Two twin pairs are past f: twins finds agreement broken, and each saved
# scenario replays to the same violation and trace hash.
run twins --views 5 --twins 2 --max-scenarios 2000 --jobs 2 --out "$work/f1" --no-progress
violations=$(ls "$work/f1/violations" | wc -l)
[ "$(rc)" = 1 ] && [ "$violations" -gt 0 ] && grep -q "violated safety" "$work/out" \
  && [ "$(awk -F, 'NR > 1 && $4 == "violated"' "$work/f1/twins.csv" | wc -l)" = "$violations" ] && pass \
  || fail "twins --twins 2: exit $(rc), $violations files: $(cat "$work/out")"
hash_col=$(column_of "$work/f1/twins.csv" trace_hash)
check_col=$(column_of "$work/f1/twins.csv" check)
replayed=0
for file in $(ls "$work/f1/violations" | head -3); do
  id=${file#twins-}; id=${id%.yaml}
  row=$(awk -F, -v id="$id" '$1 == id' "$work/f1/twins.csv")
  run run "$work/f1/violations/$file"
  [ "$(rc)" = 1 ] && grep -q "safety violated (expected holds)" "$work/out" \
    && grep -q "VIOLATION $(echo "$row" | cut -d, -f"$check_col") " "$work/out" \
    && grep -q "trace hash $(echo "$row" | cut -d, -f"$hash_col")$" "$work/out" && replayed=$((replayed + 1)) \
    || fail "bftsim run $file does not replay its row ($row): $(cat "$work/out")"
done
[ "$replayed" -gt 0 ] && pass || fail "no violation replayed"

# Bad input: 2, with a message.
for bad in "" "--views 0" "--views 2 --partitions 4" "--views 2 --twins 3" "--views 2 --order sideways" \
  "--views 2 --quorum some" "--views 2 --max-scenarios 0" "--views 2 --set network.lossy=1" \
  "--views 2 --set replicas=8" "--views 2 --shard 4/3" "--views 2 --jobs 0" "--views 2 --grid network.loss=0,1" \
  "--views 2 --seeds 1-2" "--views 2 --trace x.jsonl"; do
  # shellcheck disable=SC2086
  run twins $bad
  [ "$(rc)" = 2 ] && [ -s "$work/err" ] && pass || fail "twins $bad exits 2: $(rc) $(cat "$work/err")"
done
run twins "$src/scenarios/demo.yaml" --views 2
[ "$(rc)" = 2 ] && pass || fail "twins with a scenario file exits 2"
run run "$src/scenarios/demo.yaml" --views 2
[ "$(rc)" = 2 ] && pass || fail "--views with run exits 2"

echo "twins: $passed passed, $failed failed"
[ "$failed" = 0 ]
