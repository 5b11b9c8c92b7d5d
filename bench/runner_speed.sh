#!/usr/bin/env bash
# The runner's speed in one run, side by side: a 4-node bft-node cluster on
# loopback (scripts/localnet.sh, data on the local disk) measured with
# bft-client bench and redis-benchmark, then one redis-server (no
# persistence) on the same machine with the same redis-benchmark loads.
# Each line starts with the 1-minute load average when it was measured. Each
# bft-client bench line is followed by what the four nodes spent on it, from
# their INFO and /proc before and after: file syncs (fdatasync) and
# directory syncs per committed block per node, and node CPU (user + system)
# per acknowledged write.
#   bench/runner_speed.sh BUILD_DIR [OPS] [BATCHES...]
#     BUILD_DIR  a release build with runner/bft-node and runner/bft-client
#     OPS        operations per bft-client bench run (default 100000)
#     BATCHES    the --batch values to run (default: 1 8 32 128)
# CLIENTS=N in the environment sets bft-client bench's --clients (default 32;
# fewer clients keep fewer writes outstanding: lower latency, less throughput).
# COMMIT_RULE=two_chain in the environment runs the cluster with the
# two-chain commit rule (protocol.commit_rule), a view sooner per write.
# PROPOSE_BEFORE_SYNC=false in the environment runs the cluster with the
# leader's sync before its proposal (the order before issue 11's change).
# STORAGE_FLUSH=inline in the environment runs the nodes' LSM flushes and
# compactions inside their loop handlers (bft-node --storage-flush inline,
# the way before the background thread) instead of in the background.
# STORAGE_SYNC=loop in the environment runs the nodes' WAL syncs inside their
# loop handlers (bft-node --storage-sync loop, the way before the sync thread).
# SYNC_DELAY=2ms in the environment adds that much to every file sync of the
# nodes (bft-node --storage-sync-delay): the cluster as on a slower disk.
# BFT_TRACE=PREFIX in the environment traces the nodes and each bench run
# (runner/stage_trace.h; each run overwrites PREFIX.client): bench/trace_tail.py.
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

"$src/scripts/localnet.sh" start 4 --batch-size 400 --propose-before-sync "${PROPOSE_BEFORE_SYNC:-true}" \
  --commit-rule "${COMMIT_RULE:-three_chain}" \
  --storage-flush "${STORAGE_FLUSH:-background}" --storage-sync "${STORAGE_SYNC:-thread}" \
  --storage-sync-delay "${SYNC_DELAY:-0s}" >/dev/null || { echo "runner_speed: cluster did not start" >&2; exit 1; }
cfg="$LOCALNET_DIR/cluster.yaml"
# Sums over the four nodes: committed blocks, file syncs, directory syncs, CPU ticks.
node_totals() {
  local blocks=0 file_syncs=0 dir_syncs=0 ticks=0 id info pid
  for id in 0 1 2 3; do
    info=$("$build/runner/bft-node" --config "$cfg" --id "$id" --status 2>/dev/null | tr -d '\r')
    blocks=$((blocks + $(sed -n 's/^committed_blocks://p' <<<"$info")))
    file_syncs=$((file_syncs + $(sed -n 's/^storage_file_syncs://p' <<<"$info")))
    dir_syncs=$((dir_syncs + $(sed -n 's/^storage_dir_syncs://p' <<<"$info")))
    pid=$(cat "$LOCALNET_DIR/node-$id/pid")
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$blocks $file_syncs $dir_syncs $ticks"
}
hz=$(getconf CLK_TCK)
port0=$(sed -n "s/.*id: 0,.*client_port: \([0-9]*\).*/\1/p" "$cfg")
sleep 2
for batch in "${batches[@]}"; do
  before=$(load)
  read -r blocks0 fsyncs0 dsyncs0 ticks0 < <(node_totals)
  line=$("$build/runner/bft-client" --config "$cfg" bench --ops "$ops" --clients "${CLIENTS:-32}" --value-size 64 --batch "$batch" 2>/dev/null)
  read -r blocks1 fsyncs1 dsyncs1 ticks1 < <(node_totals)
  echo "load $before  $line"
  awk -v b=$((blocks1 - blocks0)) -v f=$((fsyncs1 - fsyncs0)) -v d=$((dsyncs1 - dsyncs0)) \
      -v t=$((ticks1 - ticks0)) -v hz="$hz" -v ops="$ops" 'BEGIN {
    printf "          nodes: %d blocks committed (sum of 4), %.2f file syncs + %.2f dir syncs per block per node, CPU %.1f s = %.0f us per write\n",
      b, (b ? f / b : 0), (b ? d / b : 0), t / hz, t / hz / ops * 1e6 }'
done
redis_bench "cluster node 0, -c 50" "$port0" -n 20000 -c 50 -d 64
redis_bench "cluster node 0, -c 50 -P 16" "$port0" -n 100000 -c 50 -P 16 -d 64
"$src/scripts/localnet.sh" stop >/dev/null

redis_port=$("$src/scripts/localnet.sh" ports 1)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
sleep 0.5
redis_bench "redis-server, -c 50" "$redis_port" -n 100000 -c 50 -d 64
redis_bench "redis-server, -c 50 -P 16" "$redis_port" -n 1000000 -c 50 -P 16 -d 64
