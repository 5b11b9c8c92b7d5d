#!/usr/bin/env bash
# Tests of scripts/install-deps.sh's install path without touching the
# machine: dpkg-query, apt-get, sudo and id are stubs on a PATH that holds
# only them and the few tools the script uses. Checks: nothing missing ->
# one line and no apt-get; missing as root -> update and install of exactly
# the missing packages, apt output in the log and not on the terminal; not
# root -> through sudo; no sudo -> exit 2 naming the packages; apt-get failing
# -> its exit code, the log's path and its last lines; --bench, --dry-run,
# an unknown argument.
# Usage: tests/install_deps_test.sh SOURCE_DIR
set -uo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# The PATH the script sees: the stubs, and links to the real tools it needs.
bin=$work/bin
mkdir -p "$bin"
for tool in bash cat date dirname env grep mkdir sed tail; do
  ln -s "$(command -v "$tool")" "$bin/$tool"
done
# dpkg-query: installed when the package is in $STUB_INSTALLED (space separated).
cat >"$bin/dpkg-query" <<'EOF'
#!/bin/bash
package=${!#}
case " $STUB_INSTALLED " in *" $package "*) printf 'install ok installed' ;; *) exit 1 ;; esac
EOF
# apt-get: records its arguments; STUB_APT_FAIL=install makes `install` fail with 100.
cat >"$bin/apt-get" <<'EOF'
#!/bin/bash
echo "apt-get $*" >>"$STUB_CALLS"
echo "Reading package lists... (stub apt output)"
echo "debconf: unable to initialize frontend: Dialog (stub)" >&2
if [ "${STUB_APT_FAIL:-}" = "$1" ]; then echo "E: Unable to locate package (stub failure)" >&2; exit 100; fi
EOF
cat >"$bin/sudo" <<'EOF'
#!/bin/bash
echo "sudo $*" >>"$STUB_CALLS"
[ "$1" = -v ] && exit 0
exec "$@"
EOF
cat >"$bin/id" <<'EOF'
#!/bin/bash
echo "$STUB_UID"
EOF
chmod +x "$bin"/dpkg-query "$bin"/apt-get "$bin"/sudo "$bin"/id

all="g++ meson ninja-build pkg-config libsodium-dev libfmt-dev libyaml-cpp-dev libboost-program-options-dev
  libexpected-dev doctest-dev libisal-dev libbenchmark-dev libasio-dev libhiredis-dev redis-tools redis-server libjemalloc-dev
  python3 python3-pandas python3-matplotlib"
all=$(echo $all)  # one line
without() { local out=" $all "; for p in "$@"; do out=${out/ $p / }; done; echo $out; }

# run_script INSTALLED UID [ARGS...]: runs install-deps.sh with the stubs; its
# stdout, stderr, exit code, the stub calls and the log land in $work.
run_script() {
  local installed=$1 uid=$2
  shift 2
  rm -rf "$work/logs" "$work/calls"
  : >"$work/calls"
  PATH=$bin STUB_INSTALLED=$installed STUB_UID=$uid STUB_CALLS=$work/calls BFTSIM_LOG_DIR=$work/logs \
    "$bin/bash" "$src/scripts/install-deps.sh" "$@" >"$work/out" 2>"$work/err"
  echo $? >"$work/rc"
}
rc() { cat "$work/rc"; }
calls() { cat "$work/calls"; }

run_script "$all" 0
[ "$(rc)" = 0 ] && [ "$(cat "$work/out")" = "install-deps: nothing to install (all 20 packages present)" ] \
  && [ ! -s "$work/calls" ] && pass || fail "nothing missing: $(cat "$work/out" "$work/err")"

run_script "$(without meson libfmt-dev)" 0
expected_calls="apt-get update -q
apt-get install -y -q --no-install-recommends meson libfmt-dev"
[ "$(rc)" = 0 ] && [ "$(calls)" = "$expected_calls" ] && pass || fail "as root: calls $(calls)"
[ "$(wc -l <"$work/out")" = 1 ] && grep -q "^install-deps: installing 2 packages (meson libfmt-dev).*install-deps.log" "$work/out" \
  && [ ! -s "$work/err" ] && pass || fail "as root: one line, nothing on stderr: $(cat "$work/out" "$work/err")"
grep -q "stub apt output" "$work/logs/install-deps.log" && grep -q "debconf: unable" "$work/logs/install-deps.log" \
  && pass || fail "apt-get's stdout and stderr go to the log"

run_script "$(without redis-server)" 1000
expected_calls="sudo -v
sudo apt-get update -q
apt-get update -q
sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server
apt-get install -y -q --no-install-recommends redis-server"
[ "$(rc)" = 0 ] && [ "$(calls)" = "$expected_calls" ] && pass || fail "not root: through sudo: $(calls)"

rm "$bin/sudo"
run_script "$(without redis-server)" 1000
[ "$(rc)" = 2 ] && grep -q "1 packages missing (redis-server), and not root and no sudo" "$work/err" \
  && [ ! -s "$work/calls" ] && pass || fail "no sudo: exit 2: $(rc) $(cat "$work/err")"

STUB_APT_FAIL=install run_script "$(without libsodium-dev)" 0
[ "$(rc)" = 100 ] && grep -q "FAILED (exit 100): .*apt-get install" "$work/err" \
  && grep -q "| E: Unable to locate package (stub failure)" "$work/err" \
  && grep -q "the whole output is in .*install-deps.log" "$work/err" && pass \
  || fail "apt-get failing: exit $(rc): $(cat "$work/err")"

run_script "$all" 0 --bench
[ "$(rc)" = 0 ] && [ "$(calls)" = "apt-get update -q
apt-get install -y -q --no-install-recommends libleveldb-dev" ] && pass || fail "--bench adds libleveldb-dev: $(calls)"

run_script "$(without g++)" 0 --dry-run
[ "$(rc)" = 0 ] && [ ! -s "$work/calls" ] && grep -q "would install 1 packages: g++" "$work/out" \
  && grep -q "apt-get install -y -q --no-install-recommends g++" "$work/out" && pass || fail "--dry-run: $(cat "$work/out") $(calls)"

run_script "$all" 0 --frobnicate
[ "$(rc)" = 2 ] && grep -q "unknown argument --frobnicate" "$work/err" && pass || fail "unknown argument exits 2"

echo "install-deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
