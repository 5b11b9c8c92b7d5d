#!/usr/bin/env bash
# Replays the fuzz targets' seed corpora and saved findings once each
# (fuzz/replay_main.cpp; no libFuzzer needed): scenarios/ for the loader,
# fuzz_seeds output for the wire codec and the replica, and
# fuzz/regressions/<target>/ (inputs that once crashed a target).
# Usage: fuzz/replay_test.sh FUZZ_BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/fuzz_seeds" "$work" >/dev/null
"$build/fuzz_replay_loader" "$src/scenarios" "$src/fuzz/regressions/loader"
"$build/fuzz_replay_wire" "$work/wire" "$src/fuzz/regressions/wire"
"$build/fuzz_replay_replica" "$work/replica" "$src/fuzz/regressions/replica"
