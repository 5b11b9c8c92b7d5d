#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, -Dfuzz=true: every
# object with coverage, AddressSanitizer and UndefinedBehaviorSanitizer) and
# runs each for a while: fuzz_loader (scenario files and --set values),
# fuzz_wire (decode, re-encode to the same bytes) and fuzz_replica (decoded
# messages from any sender into a small cluster).
#   scripts/fuzz.sh            # each target for 10 seconds
#   scripts/fuzz.sh 600        # each for 10 minutes (bench/README.md)
#   scripts/fuzz.sh 0 2000     # each for 2000 runs instead of a time
#   FUZZ_TARGETS=wire scripts/fuzz.sh 60
# Corpora grow in build-fuzz/corpus/<target>/ (kept between runs, seeded
# from scenarios/ and fuzz_seeds). A crash leaves build-fuzz/crash-*; copy
# it to fuzz/regressions/<target>/ with the fix, so the suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
runs=${2:-0}
targets=${FUZZ_TARGETS:-loader wire replica}
build=build-fuzz

if [ ! -f "$build/build.ninja" ]; then
  CXX=${CXX_FUZZ:-clang++} meson setup "$build" -Dfuzz=true -Dbench=false -Db_lundef=false >/dev/null
fi
ninja -C "$build" fuzz/fuzz_seeds $(for t in $targets; do echo "fuzz/fuzz_$t"; done)

corpus=$build/corpus
mkdir -p "$corpus/loader"
cp -n scenarios/*.yaml scenarios/bad/*.yaml "$corpus/loader/" 2>/dev/null || true
"$build/fuzz/fuzz_seeds" "$corpus" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for target in $targets; do
  args=(-timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/")
  if [ "$runs" != 0 ]; then args+=(-runs="$runs"); else args+=(-max_total_time="$seconds"); fi
  [ "$target" = loader ] && args+=(-dict=fuzz/yaml.dict)
  echo "== fuzz_$target ${args[*]}"
  # The corpus directory first: new inputs go there; regressions are read only.
  if ! "$build/fuzz/fuzz_$target" "${args[@]}" "$corpus/$target" "fuzz/regressions/$target" \
      2>"$build/fuzz_$target.log"; then
    status=1
    echo "fuzz_$target FAILED: see $build/fuzz_$target.log" >&2
    grep -m5 -E "ERROR|SUMMARY|Assertion|assert" "$build/fuzz_$target.log" >&2 || true
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/fuzz_$target.log" || true
done
exit $status
