# Shared by the shell tests (cli, sweep, bisect, replay, analysis): sourced after `set -uo
# pipefail` with BFTSIM_BINARY and SOURCE_DIR as $1 and $2. Gives $bftsim,
# $src, a scratch $work removed on exit, pass/fail counters, and `run`, which
# keeps stdout, stderr and the exit code of one bftsim call (`rc` reads it).
bftsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
run() { "$bftsim" "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }
