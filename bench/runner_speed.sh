#!/usr/bin/env bash
# The runner's speed in one run, side by side: a 4-node bft-node cluster on
# loopback (scripts/localnet.sh, data on the local disk) measured with
# bft-client bench and redis-benchmark, then one redis-server (no
# persistence) on the same machine with the same redis-benchmark loads.
# Each line starts with the 1-minute load average when it was measured.
#   bench/runner_speed.sh BUILD_DIR [OPS] [BATCHES...]
#     BUILD_DIR  a release build with runner/bft-node and runner/bft-client
#     OPS        operations per bft-client bench run (default 100000)
#     BATCHES    the --batch values to run (default: 1 8 32 128)
# Needs redis-server and redis-benchmark (Debian's redis-server, redis-tools).
# Exit codes: 0 done, 1 the cluster did not start, 2 bad usage.
set -uo pipefail

build=${1:?usage: bench/runner_speed.sh BUILD_DIR [OPS] [BATCHES...]}
ops=${2:-100000}
shift $(( $# >= 2 ? 2 : 1 ))
batches=("$@")
[ ${#batches[@]} -gt 0 ] || batches=(1 8 32 128)
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "runner_speed: $tool not found" >&2; exit 2; }
done
[ -x "$build/runner/bft-node" ] || { echo "runner_speed: no $build/runner/bft-node" >&2; exit 2; }

work=$(mktemp -d)
export LOCALNET_DIR="$work/net" BFT_BUILD="$build"
redis_pid=
cleanup() {
  "$src/scripts/localnet.sh" stop >/dev/null 2>&1
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

load() { cut -d' ' -f1 /proc/loadavg; }
# redis-benchmark's CSV: "test","rps","avg","min","p50","p95","p99","max".
redis_bench() {  # LABEL PORT ARGS...
  local label=$1 port=$2; shift 2
  local before; before=$(load)
  redis-benchmark -p "$port" -t set,get --csv "$@" 2>/dev/null | tail -n +2 | tr -d '"' |
    while IFS=, read -r test rps avg min p50 p95 p99 max; do
      echo "load $before  $label $test: $rps req/s, p50 $p50 ms, p99 $p99 ms"
    done
}

"$src/scripts/localnet.sh" start 4 --batch-size 400 >/dev/null || { echo "runner_speed: cluster did not start" >&2; exit 1; }
cfg="$LOCALNET_DIR/cluster.yaml"
port0=$(sed -n "s/.*id: 0,.*client_port: \([0-9]*\).*/\1/p" "$cfg")
sleep 2
for batch in "${batches[@]}"; do
  before=$(load)
  line=$("$build/runner/bft-client" --config "$cfg" bench --ops "$ops" --clients 32 --value-size 64 --batch "$batch" 2>/dev/null)
  echo "load $before  $line"
done
redis_bench "cluster node 0, -c 50" "$port0" -n 20000 -c 50 -d 64
redis_bench "cluster node 0, -c 50 -P 16" "$port0" -n 100000 -c 50 -P 16 -d 64
"$src/scripts/localnet.sh" stop >/dev/null

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
sleep 0.5
redis_bench "redis-server, -c 50" "$redis_port" -n 100000 -c 50 -d 64
redis_bench "redis-server, -c 50 -P 16" "$redis_port" -n 1000000 -c 50 -P 16 -d 64
