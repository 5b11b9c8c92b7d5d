#!/usr/bin/env bash
# Installs what is missing, builds bftsim with AddressSanitizer and
# UndefinedBehaviorSanitizer (warnings are errors), and runs the whole test
# suite: doctest unit, scenario and determinism tests, the CLI tests and the
# analysis/ scripts' tests. One line per phase; apt-get's, meson's and
# ninja's output goes to build-logs/*.log, which a failure names; meson
# test prints a line per test program, and the last line is "N passed, N failed".
# The sanitizer build is -Og with line tables (-g1): sanitizer reports keep
# file:line stacks. -Og compiles in 45-65% of -O1's CPU time under ASan+UBSan
# and runs the library's scenarios only ~9% slower, every check kept. It is a
# unity build (meson -Dunity=on, 32 sources per compiler run): under ASan+UBSan
# most of a file's CPU time is code generation for the inline functions and
# templates it instantiates (doctest, fmt, std, the cluster harness), which a
# unity file emits once for its sources instead of once each; 3 consensus
# test files took 22.1 CPU s one by one and 9.9 CPU s as one unity file, and
# the core library 174 CPU s as 47 files against 74 CPU s as 3 unity files
# (measured 2026-11-30 at load 12-19; the per-file build took 1,066 CPU s in
# all, the unity one of 16 sources about 600). Two 16-source test unity files
# took 56.7 CPU s, one file of their 32 sources 46.8 (both with doctest's
# super-fast asserts, tests/meson.build, which alone cut a test unity file
# by 13%); the whole build went from 451 to 394 CPU s (18 compiler runs,
# 2026-11-30 at load 5-10, of 1-32 sources and 1-54 CPU s each). Each test
# file keeps its helpers in a namespace of its own (test_<path>), so no two
# clash in one unity file.
# The sanitizer binaries are not position-independent (-no-pie, static
# libraries without -fPIC): a PIE bftsim carries 1.19 M relocations that
# every start applies (0.22 s per start, 94 MB), a non-PIE one 517 (0.11 s,
# 66 MB). The shell tests start bftsim hundreds of times: the suite's test
# phase went from 4m31-5m28 to 4m12, cli 54 -> 33 s (2026-12-01).
set -euo pipefail
cd "$(dirname "$0")/.."
script="test"
# shellcheck source=scripts/phases.sh
source scripts/phases.sh

phase_start packages
scripts/install-deps.sh

build="build-san"
# shellcheck disable=SC2054  # the commas are in meson values
options=(-Doptimization=g -Ddebug=false -Dcpp_args=-g1 -Db_sanitize=address,undefined -Db_lundef=false
  -Db_staticpic=false -Dcpp_link_args=-no-pie -Dunity=on -Dunity_size=32 -Dwerror=true -Dbench=false)
if [ ! -f "$build/build.ninja" ]; then
  phase "configuring $build/ (ASan+UBSan, -Og -g1, unity); meson output in $(phases_log test-configure)"
  logged test-configure meson setup "$build" "${options[@]}"
else
  # An older build-san (-O2 -g) moves to these options; unchanged ones rebuild nothing.
  logged test-configure meson configure "$build" "${options[@]}"
fi
# 29 CPU seconds per compiler run: the mean of the unity ASan+UBSan -Og -g1
# build, 18 runs of 32 sources or fewer (an idle-machine clean clone took
# about 580 CPU s in 24 runs of 16 sources, 25 each; 32 sources per run cut
# the CPU by 13%).
phase "building $build/: $(phases_build_estimate "$build" 29); compiler output in $(phases_log test-build)"
logged test-build ninja -C "$build"

mapfile -t tests < <(meson test -C "$build" --no-rebuild --list 2>/dev/null | grep -v "^ninja:")
mapfile -t cpu_tests < <(printf '%s\n' "${tests[@]}" | grep -vx runner)
phase "running ${#tests[@]} test programs: the runner's beside the others, 2 at a time (the doctest ones take minutes under ASan); output in $build/meson-logs/testlog.txt and runnerlog.txt"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# ASan's allocator keeps the pages it frees (no release to the kernel) and
# quarantines the last 64 MB of freed memory instead of 256 MB: a fresh page
# costs a fault and its zeroing, which on the development VM was a quarter
# of the unit test's time. The unit test alone: 42.8 -> 30.3 s (1.19 M ->
# 0.46 M page faults); a library shard 35.2 -> 33.3 s (2026-12-01, idle).
# A use after free is still caught while the block is among the last 64 MB
# freed.
export ASAN_OPTIONS=detect_leaks=1:allocator_release_to_os_interval_ms=-1:quarantine_size_mb=64
status=0
# The runner's test spends most of its 100 s waiting on its 4-node cluster
# (36 of them on a CPU), so it runs as a third process beside the two
# CPU-bound slots rather than in one of them; its output follows theirs.
# The test phase: 4m02s and 4m22s against 4m37s with it in a slot
# (2026-12-01, the same build, alternated).
meson test -C "$build" --no-rebuild --print-errorlogs --logbase runnerlog runner \
  >"$build/meson-logs/runner-console.txt" 2>&1 &
runner_pid=$!
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 2 "${cpu_tests[@]}" || status=$?
wait "$runner_pid" || status=$?
cat "$build/meson-logs/runner-console.txt"
phases_summary

# One closing line over the test programs: the doctest cases, and every shell
# test's own "NAME: N passed, N failed" line (cli, sweep, analysis, ...).
logs=("$build/meson-logs/testlog.txt" "$build/meson-logs/runnerlog.txt")
# The doctest binary runs as meson tests unit and unit-library-KofM; the
# shards run the same library test cases, each on its share of the
# scenarios, so those cases count once (the first shard's) and their
# failures in every shard.
read -r unit_passed unit_failed < <(awk '
  /^test:/ { name = $2 }
  /test cases: *[0-9]+ \| *[0-9]+ passed \| *[0-9]+ failed/ {
    line = $0
    sub(/.*test cases: *[0-9]+ \| */, "", line)
    split(line, n, /[^0-9]+/)
    if (name !~ /^unit-library-/ || name ~ /^unit-library-1of/) p += n[1]
    f += n[2]
  }
  END { print p + 0, f + 0 }' "${logs[@]}")
read -r shell_passed shell_failed < <(sed -n 's/^[a-z_-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "${logs[@]}" \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
echo "$((unit_passed + shell_passed)) passed, $((unit_failed + shell_failed)) failed"
exit "$status"
