#!/usr/bin/env bash
# Replays the fuzz targets' seed corpora and saved findings once each
# (fuzz/replay_main.cpp; no libFuzzer needed): scenarios/ for the loader,
# fuzz_seeds output for the wire codec and the replica, and
# fuzz/regressions/<target>/ (inputs that once crashed a target). Then a short
# blind fuzz run of each target: FUZZ_MUTATIONS (default 4000) inputs made
# from that corpus by random byte edits drawn from FUZZ_SEED (default 1), under
# the build's sanitizers. An input that crashes a target is left in
# FUZZ_BUILD_DIR/fuzz-crash-<target>; fix the bug and add the file to
# fuzz/regressions/<target>/.
# Usage: fuzz/replay_test.sh FUZZ_BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
mutations=${FUZZ_MUTATIONS:-4000}
seed=${FUZZ_SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/fuzz_seeds" "$work" >/dev/null
failed=0
fuzz() {
  local target=$1
  shift
  if ! "$build/fuzz_replay_$target" --mutate "$mutations" --seed "$seed" --last-input "$work/last-$target" "$@"; then
    cp "$work/last-$target" "$build/fuzz-crash-$target"
    echo "FAIL: fuzz_replay_$target crashed (seed $seed); the input is $build/fuzz-crash-$target" >&2
    failed=1
  fi
}
fuzz loader "$src/scenarios" "$src/fuzz/regressions/loader"
fuzz wire "$work/wire" "$src/fuzz/regressions/wire"
fuzz replica "$work/replica" "$src/fuzz/regressions/replica"
exit "$failed"
