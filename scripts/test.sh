#!/usr/bin/env bash
# Installs what is missing, builds bftsim with AddressSanitizer and
# UndefinedBehaviorSanitizer (warnings are errors), and runs the whole test
# suite: doctest unit, scenario and determinism tests, the CLI tests and the
# analysis/ scripts' tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=build-san
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=true -Dbench=false >/dev/null
fi
ninja -C "$build"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 || status=$?

# One closing line over the test programs: the doctest cases, and every shell
# test's own "NAME: N passed, N failed" line (cli, sweep, analysis, ...).
log="$build/meson-logs/testlog.txt"
# (the doctest binary runs as three meson tests, unit, unit-library and
# unit-options, so each counts)
read -r unit_passed unit_failed < <(sed -n 's/.*test cases: *[0-9]* | *\([0-9]*\) passed | *\([0-9]*\) failed.*/\1 \2/p' "$log" \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
read -r shell_passed shell_failed < <(sed -n 's/^[a-z_-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
echo "$((unit_passed + shell_passed)) passed, $((unit_failed + shell_failed)) failed"
exit "$status"
