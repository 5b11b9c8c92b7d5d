#!/usr/bin/env bash
# A bft-node cluster on 127.0.0.1: keys, a cluster file, logs and data under
# one directory ($LOCALNET_DIR, default ./localnet), binaries from $BFT_BUILD
# (default ./build; built with `ninja -C build bft-node bft-client` when missing).
#   scripts/localnet.sh start N [--batch-size B] [--view-timeout D] [--block-retention K]
#                               [--propose-before-sync true|false] [--storage-flush background|inline]
#                               [--commit-rule three_chain|two_chain] [--storage-sync thread|loop]
#                               [--storage-sync-delay DURATION]
#                                       N nodes (f = (N-1)/3) on free ports
#   scripts/localnet.sh status          each node: running or not, and its INFO summary
#   scripts/localnet.sh stop            SIGTERM every node (SIGKILL after 10 s)
#   scripts/localnet.sh kill ID         kill -9 node ID (its data stays)
#   scripts/localnet.sh restart ID      start node ID again from its data directory
#   scripts/localnet.sh ports N         N free ports chosen as start chooses them (for tests)
# Exit codes: 0 ok, 1 a node failed to start or stop, 2 bad usage.
set -euo pipefail

dir=${LOCALNET_DIR:-localnet}
build=${BFT_BUILD:-build}
node_bin="$build/runner/bft-node"

die() { echo "localnet: $*" >&2; exit 2; }

ensure_binaries() {
  if [ ! -x "$node_bin" ] || [ ! -x "$build/runner/bft-client" ]; then
    if [ ! -f "$build/build.ninja" ]; then
      meson setup "$build" -Dbuildtype=release -Db_ndebug=false >/dev/null
    fi
    ninja -C "$build" runner/bft-node runner/bft-client >&2
  fi
}

# N distinct free TCP ports on 127.0.0.1, below the kernel's ephemeral range
# (ip_local_port_range): the nodes bind them only later, and a port the
# kernel hands out for bind(0) or an outgoing connection (every test's
# clients) could be taken in between; one outside that range can only be
# taken by another program that picks fixed ports. Each is checked free by
# binding it; all are held until all are chosen.
free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
first, last = (10000, low) if low > 12000 else (1024, 65536)  # no room below: anywhere
socks, ports = [], set()
for _ in range(100000):
    if len(socks) == int(sys.argv[1]): break
    port = random.randrange(first, last)
    if port in ports: continue
    s = socket.socket()
    try: s.bind(("127.0.0.1", port))
    except OSError: s.close(); continue
    socks.append(s); ports.add(port)
if len(socks) < int(sys.argv[1]): sys.exit("localnet: no free ports found")
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
}

node_count() { ls -d "$dir"/node-* 2>/dev/null | wc -l; }

running() {  # ID -> exit 0 when its recorded pid is alive
  local pid_file="$dir/node-$1/pid"
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

launch() {  # ID
  local id=$1 node_dir="$dir/node-$1"
  running "$id" && { echo "localnet: node $id is already running (pid $(cat "$node_dir/pid"))"; return 0; }
  "$node_bin" --config "$dir/cluster.yaml" --id "$id" --data-dir "$node_dir/data" --key "$node_dir/node.key" \
    --storage-flush "$(cat "$dir/storage_flush" 2>/dev/null || echo background)" \
    --storage-sync "$(cat "$dir/storage_sync" 2>/dev/null || echo thread)" \
    --storage-sync-delay "$(cat "$dir/storage_sync_delay" 2>/dev/null || echo 0s)" >>"$node_dir/log" 2>&1 &
  echo $! >"$node_dir/pid"
}

cmd_start() {
  local count=${1:-}; shift || true
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 64 ] || die "start N: N must be 1 .. 64"
  local batch_size=400 view_timeout=1s block_retention=1024 propose_before_sync=true storage_flush=background
  local commit_rule=three_chain storage_sync=thread storage_sync_delay=0s
  while [ $# -gt 0 ]; do
    case "$1" in
      --batch-size) batch_size=${2:?}; shift 2 ;;
      --view-timeout) view_timeout=${2:?}; shift 2 ;;
      --block-retention) block_retention=${2:?}; shift 2 ;;
      --propose-before-sync) propose_before_sync=${2:?}; shift 2 ;;
      --storage-flush) storage_flush=${2:?}; shift 2 ;;
      --commit-rule) commit_rule=${2:?}; shift 2 ;;
      --storage-sync) storage_sync=${2:?}; shift 2 ;;
      --storage-sync-delay) storage_sync_delay=${2:?}; shift 2 ;;
      *) die "start: unknown option $1 (known: --batch-size, --view-timeout, --block-retention, --propose-before-sync, --storage-flush, --storage-sync, --storage-sync-delay, --commit-rule)" ;;
    esac
  done
  if [ -d "$dir" ] && [ "$(node_count)" -gt 0 ]; then
    for id in $(seq 0 $(($(node_count) - 1))); do
      running "$id" && die "a cluster is running in $dir: scripts/localnet.sh stop first"
    done
    rm -rf "$dir"
  fi
  case "$storage_flush" in background|inline) ;; *) die "start: --storage-flush must be background or inline" ;; esac
  case "$storage_sync" in thread|loop) ;; *) die "start: --storage-sync must be thread or loop" ;; esac
  ensure_binaries
  mkdir -p "$dir"
  echo "$storage_flush" >"$dir/storage_flush"  # for restart
  echo "$storage_sync" >"$dir/storage_sync"
  echo "$storage_sync_delay" >"$dir/storage_sync_delay"
  local ports; read -r -a ports <<<"$(free_ports $((2 * count)))"
  local faulty=$(((count - 1) / 3))
  {
    echo "# written by scripts/localnet.sh start $count"
    echo "chain_id: localnet"
    echo "faulty: $faulty"
    echo "protocol:"
    echo "  batch_size: $batch_size"
    echo "  view_timeout: $view_timeout"
    echo "  block_retention: $block_retention"
    echo "  propose_before_sync: $propose_before_sync"
    echo "  commit_rule: $commit_rule"
    echo "replicas:"
  } >"$dir/cluster.yaml"
  for id in $(seq 0 $((count - 1))); do
    mkdir -p "$dir/node-$id"
    local public_key; public_key=$("$node_bin" keygen --out "$dir/node-$id/node.key")
    echo "  - {id: $id, address: 127.0.0.1:${ports[$((2 * id))]}, client_port: ${ports[$((2 * id + 1))]}, public_key: $public_key}" \
      >>"$dir/cluster.yaml"
  done
  for id in $(seq 0 $((count - 1))); do launch "$id"; done
  sleep 0.5
  local failed=0
  for id in $(seq 0 $((count - 1))); do
    running "$id" || { echo "localnet: node $id exited; see $dir/node-$id/log" >&2; failed=1; }
  done
  echo "localnet: $count nodes (faulty $faulty); cluster file: $dir/cluster.yaml; logs and data: $dir/node-*/"
  echo "  $build/runner/bft-client --config $dir/cluster.yaml put hello world"
  echo "  redis-cli -p $(sed -n 's/.*id: 0,.*client_port: \([0-9]*\).*/\1/p' "$dir/cluster.yaml") get hello"
  return $failed
}

cmd_status() {
  [ -f "$dir/cluster.yaml" ] || die "no cluster in $dir (scripts/localnet.sh start N)"
  for id in $(seq 0 $(($(node_count) - 1))); do
    if running "$id"; then
      local info
      info=$("$node_bin" --config "$dir/cluster.yaml" --id "$id" --status 2>/dev/null |
        awk -F: '/^(view|committed_height|peers_out_up|peers_in_up|ops_per_s):/ {gsub(/ /, "", $2); printf "%s %s  ", $1, $2}')
      echo "node $id: running (pid $(cat "$dir/node-$id/pid"))  ${info:-not answering}"
    else
      echo "node $id: stopped"
    fi
  done
}

stop_node() {  # ID
  local id=$1
  running "$id" || return 0
  local pid; pid=$(cat "$dir/node-$id/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "localnet: node $id did not stop within 10 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}

cmd_stop() {
  [ -d "$dir" ] || return 0
  local failed=0
  for id in $(seq 0 $(($(node_count) - 1))); do stop_node "$id" || failed=1; done
  echo "localnet: stopped"
  return $failed
}

check_id() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && [ -d "$dir/node-$1" ] || die "no node '${1:-}' in $dir"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  ports) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/localnet.sh ports N"; free_ports "$2" ;;
  kill) check_id "${2:-}"; running "$2" && kill -KILL "$(cat "$dir/node-$2/pid")"; echo "localnet: node $2 killed" ;;
  restart) check_id "${2:-}"; ensure_binaries; launch "$2"; sleep 0.3; running "$2" || { echo "localnet: node $2 exited; see $dir/node-$2/log" >&2; exit 1; }; echo "localnet: node $2 running (pid $(cat "$dir/node-$2/pid"))" ;;
  *) die "usage: scripts/localnet.sh start N | status | stop | kill ID | restart ID" ;;
esac
