#!/usr/bin/env bash
# End-to-end tests of bft-node, bft-client, the RESP door and
# scripts/localnet.sh on a 4-node loopback cluster (free ports, a fresh
# directory per test, everything stopped at the end). Each test is bounded
# (timeouts below a minute) and prints PASS/FAIL lines; the last line is
# "runner: N passed, M failed".
# Usage: tests/runner_test.sh BUILD_DIR SOURCE_DIR [TEST_NAME...]
set -uo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
shift 2
only=("$@")
work=$(mktemp -d)
node_bin="$build/runner/bft-node"
client_bin="$build/runner/bft-client"
export BFT_BUILD="$build"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() {  # DESCRIPTION COMMAND... : pass when the command succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

teardown() {
  [ -n "${LOCALNET_DIR:-}" ] && [ -d "$LOCALNET_DIR" ] && "$src/scripts/localnet.sh" stop >/dev/null 2>&1
  for pid_file in "$work"/*.pid; do [ -f "$pid_file" ] && kill -KILL "$(cat "$pid_file")" 2>/dev/null; done
  return 0
}
trap 'teardown; rm -rf "$work"' EXIT

start_cluster() {  # NAME [localnet start options]
  export LOCALNET_DIR="$work/$1"; shift
  cfg="$LOCALNET_DIR/cluster.yaml"
  "$src/scripts/localnet.sh" start 4 "$@" >"$work/localnet.out" 2>&1 || { cat "$work/localnet.out" >&2; return 1; }
  for id in 0 1 2 3; do wait_height "$id" 3 20 || return 1; done
}
stop_cluster() { "$src/scripts/localnet.sh" stop >/dev/null 2>&1; }

client() { timeout 30 "$client_bin" --config "$cfg" --timeout 10s "$@"; }
port_of() { sed -n "s/.*id: $1,.*client_port: \([0-9]*\).*/\1/p" "$cfg"; }
peer_port_of() { sed -n "s/.*id: $1, address: 127.0.0.1:\([0-9]*\).*/\1/p" "$cfg"; }
info() {  # ID FIELD: from the node's INFO, asked with redis-cli (a millisecond; the
  # sanitizer build's bft-node --status, tested once below, takes 0.1-0.2 CPU s to start)
  timeout 5 redis-cli -p "$(port_of "$1")" INFO 2>/dev/null | tr -d '\r' | sed -n "s/^$2:\([^ ]*\).*/\1/p"
}
wait_height() {  # ID HEIGHT SECONDS
  local deadline=$((SECONDS + $3)) height
  while [ $SECONDS -lt $deadline ]; do
    height=$(info "$1" committed_height)
    [ -n "$height" ] && [ "$height" -ge "$2" ] && return 0
    sleep 0.2
  done
  echo "node $1 did not reach height $2 within $3 s (at ${height:-?})" >&2
  return 1
}
max_height() {
  local best=0 h
  for id in 0 1 2 3; do h=$(info "$id" committed_height); [ -n "$h" ] && [ "$h" -gt "$best" ] && best=$h; done
  echo "$best"
}
selected() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }

# Sends raw bytes (a Python bytes expression) to a port; prints what came back before the close.
send_raw() {  # PORT PYTHON_BYTES
  python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(eval(sys.argv[2]))
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
except socket.timeout:
    data += b"<no close within 5 s>"
print(data.decode("latin-1"))
PY
}

# ---- usage ----
if selected usage; then
  # Into files first: with pipefail, `grep -q` closing the pipe early would fail the writer.
  "$node_bin" --help >"$work/node-help"; grep -q "bft-node --config FILE --id N --data-dir DIR" "$work/node-help"
  check "bft-node --help" [ $? = 0 ]
  "$client_bin" --help >"$work/client-help"; grep -q "faulty+1" "$work/client-help"; check "bft-client --help" [ $? = 0 ]
  "$node_bin" --bogus >/dev/null 2>&1; check "bft-node bad flag exits 2" [ $? = 2 ]
  "$node_bin" --config "$work/none.yaml" --id 0 --storage-sync disk >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 2 ] && grep -q "storage-sync disk: must be thread or loop" "$work/err"
  check "bft-node bad --storage-sync exits 2 naming it" [ $? = 0 ]
  "$node_bin" --config "$work/none.yaml" --id 0 --storage-sync-delay soon >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 2 ] && grep -q -- "--storage-sync-delay" "$work/err"
  check "bft-node bad --storage-sync-delay exits 2 naming it" [ $? = 0 ]
  "$client_bin" --config /nonexistent get k >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 2 ] && grep -q /nonexistent "$work/err"; check "bft-client missing cluster file exits 2 naming it" [ $? = 0 ]
  printf 'faulty: 1\nreplicas: []\n' >"$work/bad.yaml"
  "$node_bin" --config "$work/bad.yaml" --id 0 --data-dir "$work/x" >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 2 ] && grep -q "bad.yaml:2" "$work/err"; check "bft-node bad cluster file exits 2 with file:line" [ $? = 0 ]
fi

# ---- writes through bft-client and redis-cli, read on every node ----
if selected basic && start_cluster basic; then
  check "put exits 0" client put alpha one
  [ "$(client get alpha)" = one ]; check "get returns the put value" [ $? = 0 ]
  client get missing-key >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 1 ] && grep -q "not found" "$work/err"; check "get of a missing key exits 1" [ $? = 0 ]
  client txn --if alpha=wrong --put beta=two >/dev/null 2>"$work/err"; rc=$?
  [ $rc = 3 ] && grep -q "guard failed" "$work/err"; check "failed txn guard exits 3" [ $? = 0 ]
  check "txn with a holding guard commits" client txn --if alpha=one --if-absent beta --put beta=two --del alpha
  client get alpha >/dev/null 2>&1; check "the txn deleted alpha" [ $? = 1 ]
  client del beta >/dev/null; check "del exits 0" [ $? = 0 ]
  client del beta >/dev/null 2>&1; check "del of a missing key exits 1" [ $? = 1 ]
  check "redis-cli SET on node 0" [ "$(redis-cli -p "$(port_of 0)" SET gamma three)" = OK ]
  client put delta four >/dev/null
  ok=1
  for id in 0 1 2 3; do
    [ "$(redis-cli -p "$(port_of "$id")" GET gamma)" = three ] || ok=0
    [ "$(redis-cli -p "$(port_of "$id")" GET delta)" = four ] || ok=0
  done
  check "redis-cli and bft-client writes are readable with redis-cli on every node" [ $ok = 1 ]
  [ "$(client get gamma)" = three ]; check "bft-client reads redis-cli's write" [ $? = 0 ]
  p=$(port_of 2)
  check "MSET" [ "$(redis-cli -p "$p" MSET m1 a m2 b)" = OK ]
  check "MGET" [ "$(redis-cli -p "$p" MGET m1 nope m2 | tr '\n' ,)" = "a,,b," ]
  check "EXISTS" [ "$(redis-cli -p "$p" EXISTS m1 nope m2)" = 2 ]
  check "DEL" [ "$(redis-cli -p "$p" DEL m1 nope)" = 1 ]
  check "MULTI/EXEC" [ "$(printf 'MULTI\nSET t1 x\nMSET t2 y t3 z\nEXEC\n' | redis-cli -p "$p" | tr '\n' ,)" = "OK,QUEUED,QUEUED,OK,OK," ]
  check "MULTI/EXEC wrote atomically" [ "$(redis-cli -p "$(port_of 1)" MGET t1 t2 t3 | tr '\n' ,)" = "x,y,z," ]
  check "INCR" [ "$(redis-cli -p "$p" INCR counter)" = 1 ]
  check "INCRBY" [ "$(redis-cli -p "$(port_of 0)" INCRBY counter 41)" = 42 ]
  check "DECR" [ "$(redis-cli -p "$p" DECR counter)" = 41 ]
  check "APPEND" [ "$(redis-cli -p "$p" APPEND log ab)$(redis-cli -p "$p" APPEND log cd)" = 24 ]
  redis-cli -p "$p" INCR log | grep -q "not an integer"; check "INCR of a string is an error" [ $? = 0 ]
  [ "$(client get counter)" = 41 ]; check "bft-client reads the counter" [ $? = 0 ]
  [ "$(client incr counter 9)" = 50 ]; check "bft-client incr" [ $? = 0 ]
  client incr log >/dev/null 2>&1; check "bft-client incr of a string exits 3" [ $? = 3 ]
  check "PING" [ "$(redis-cli -p "$p" PING)" = PONG ]
  redis-cli -p "$p" FLUSHALL 2>&1 | grep -q "unknown command"; check "unknown command is an error" [ $? = 0 ]
  redis-cli -p "$p" INFO | grep -q "committed_height:"; check "INFO" [ $? = 0 ]
  # 300 pipelined SETs through node 2's door go out as a few signed batches:
  # node 0 verifies far fewer client signatures than commands, and every
  # command gets its own reply and reads back through node 1.
  verified_before=$(info 0 client_signatures_verified)
  for i in $(seq 300); do printf '*3\r\n$3\r\nSET\r\n$%d\r\npipe%s\r\n$%d\r\nval%s\r\n' $((4 + ${#i})) "$i" $((3 + ${#i})) "$i"; done |
    redis-cli -p "$p" --pipe >"$work/pipe.out" 2>&1
  grep -q "errors: 0, replies: 300" "$work/pipe.out" || cat "$work/pipe.out" >&2
  grep -q "errors: 0, replies: 300" "$work/pipe.out"; check "300 pipelined SETs, 300 replies" [ $? = 0 ]
  # redis-cli --pipe writes its closing empty line and ECHO apart from the
  # commands; when the node has read every command before they arrive, the
  # empty line starts a read of its own. Forced here: the ECHO is sent only
  # after the SET's reply came back.
  out=$(python3 - "$p" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
def reply():
    data = b""
    while not data.endswith(b"\r\n") or data.startswith(b"$") and data.count(b"\r\n") < 2:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    return data
s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nlate\r\n$1\r\n1\r\n")
first = reply()
s.sendall(b"\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n")
print(repr(first + reply()))
PY
)
  check "an empty line in a later read than the command before it is skipped" [ "$out" = "b'+OK\r\n\$3\r\nabc\r\n'" ]
  verified=$(( $(info 0 client_signatures_verified) - verified_before ))
  check "the pipelined SETs were signed in batches ($verified verifications on node 0)" [ "$verified" -lt 100 ]
  check "pipelined SETs read back on node 1" [ "$(for i in 1 150 300; do echo "GET pipe$i"; done | redis-cli -p "$(port_of 1)" | tr '\n' ,)" = "val1,val150,val300," ]
  "$node_bin" --config "$cfg" --id 1 --status | grep -q "^peers_out_up:3"; check "bft-node --status" [ $? = 0 ]
  [ "$(info 1 storage_sync)" = thread ] && [ "$(info 1 held_frames_total)" -gt 0 ]
  check "node 1 syncs on its sync thread, and held frames for it" [ $? = 0 ]
  "$src/scripts/localnet.sh" status | grep -c "running" | grep -q 4; check "localnet status shows 4 running" [ $? = 0 ]
  # localnet's ports lie below the ephemeral range, where no bind(0) or
  # outgoing connection of another test can take them before a node binds.
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  if [ "$low" -gt 12000 ]; then
    ports=$(grep -o '127.0.0.1:[0-9]*\|client_port: [0-9]*' "$cfg" | grep -o '[0-9]*$')
    check "localnet's 8 ports are below the ephemeral range ($low)" [ "$(awk -v low="$low" '$1 >= 10000 && $1 < low' <<<"$ports" | wc -l)" = 8 ]
  fi
  stop_cluster
  check "SIGTERM stops every node cleanly" grep -q "stopping (SIGTERM)" "$LOCALNET_DIR/node-3/log"
  "$node_bin" --config "$cfg" --id 1 --status >/dev/null 2>&1; check "--status of a stopped node exits 1" [ $? = 1 ]
fi

# ---- bad input on every port is refused while the cluster keeps working ----
# (on the two-chain commit rule, with the WAL syncs in the loop, each 1 ms
# slower: the checks below that writes succeed and every node commits run
# these on real sockets and disks; the other clusters sync on the sync thread)
if selected bad_input && start_cluster bad_input --commit-rule two_chain --storage-sync loop --storage-sync-delay 1ms; then
  check "node 2 runs the cluster file's commit rule" [ "$(info 2 commit_rule)" = two_chain ]
  check "node 2 syncs in its loop" [ "$(info 2 storage_sync)" = loop ]
  check "node 2 slows its syncs by 1 ms" [ "$(info 2 storage_sync_delay_us)" = 1000 ]
  h0=$(max_height)
  out=$(send_raw "$(port_of 1)" 'b"hello world\r\n"')
  [[ "$out" == *"-ERR Protocol error"* ]]; check "junk RESP gets an error and the connection closes" [ $? = 0 ]
  out=$(send_raw "$(port_of 1)" 'b"*1\r\n*1\r\n$1\r\na\r\n"')
  [[ "$out" == *"-ERR Protocol error"* ]]; check "a nested RESP array is refused" [ $? = 0 ]
  send_raw "$(port_of 1)" 'b"BFTC" + b"\x03\x00\x00\x00abc"' >/dev/null
  send_raw "$(port_of 1)" 'b"BFTC" + b"\xff\xff\xff\xff"' >/dev/null
  send_raw "$(peer_port_of 1)" 'b"\xff\xff\xff\xff"' >/dev/null
  send_raw "$(peer_port_of 1)" 'b"\x05\x00\x00\x00junk!"' >/dev/null
  # A peer that claims to be replica 1 with another key: a copy of the cluster
  # file whose replica 1 has the impostor's key and its own ports.
  impostor_key=$("$node_bin" keygen --out "$work/impostor.key")
  read -r p1 p2 <<<"$("$src/scripts/localnet.sh" ports 2)"
  sed "s/\(id: 1, address: 127.0.0.1:\)[0-9]*, client_port: [0-9]*, public_key: [0-9a-f]*/\1$p1, client_port: $p2, public_key: $impostor_key/" \
    "$cfg" >"$work/impostor.yaml"
  links_before=$(info 0 peer_links_up_total)
  "$node_bin" --config "$work/impostor.yaml" --id 1 --data-dir "$work/impostor" --key "$work/impostor.key" \
    --status-interval 0s >"$work/impostor.log" 2>&1 &
  echo $! >"$work/impostor.pid"
  sleep 2
  kill -KILL "$(cat "$work/impostor.pid")" 2>/dev/null
  wait "$(cat "$work/impostor.pid")" 2>/dev/null
  check "node 0 accepted no link from the impostor" [ "$(info 0 peer_links_up_total)" = "$links_before" ]
  check "node 1 counted the malformed client frame" [ "$(info 1 client_malformed_frames)" -ge 1 ]
  check "node 1 counted the oversized client frame" [ "$(info 1 client_oversized_frames)" -ge 1 ]
  check "node 1 counted the oversized peer frame" [ "$(info 1 peer_oversized_frames)" -ge 1 ]
  check "node 1 counted the junk handshake" [ "$(info 1 peer_handshake_failures)" -ge 1 ]
  check "node 1 counted the RESP protocol errors" [ "$(info 1 resp_protocol_errors)" -ge 2 ]
  check "node 0 refused the wrong-key peer" [ "$(info 0 peer_handshake_failures)" -ge 1 ]
  grep -q "claiming replica 1: wrong key" "$LOCALNET_DIR/node-0/log"; check "node 0 logged the wrong key" [ $? = 0 ]
  check "writes still succeed" client put after-bad-input yes
  check "every node still commits" wait_height 1 $((h0 + 20)) 20
  check "node 1 still has all its peer links" [ "$(info 1 peers_out_up)$(info 1 peers_in_up)" = 33 ]
  stop_cluster
fi

# Writes w0, w1, ... one bft-client at a time until $work/stop exists,
# appending each acknowledged key to $work/acked.
writer() {
  local i=0
  : >"$work/acked"
  while [ ! -f "$work/stop" ] && [ $i -lt 2000 ]; do
    if client put "w$i" "v$i" >/dev/null 2>&1; then echo "w$i" >>"$work/acked"; fi
    i=$((i + 1))
  done
}
acked_count() { wc -l <"$work/acked"; }
# Every acknowledged write reads back on node ID (through its RESP door, one pipe).
all_acked_on() {  # ID
  local want got
  want=$(sed 's/^w/v/' "$work/acked")
  got=$(sed 's/^/GET /' "$work/acked" | redis-cli -p "$(port_of "$1")")
  [ "$want" = "$got" ] || { echo "node $1 is missing acknowledged writes: $(diff <(echo "$want") <(echo "$got") | head -5)" >&2; return 1; }
}
# Waits until node ID's height reaches the others' height at the time of the call.
caught_up() {  # ID SECONDS
  local target; target=$(max_height)
  wait_height "$1" "$target" "$2"
}

# ---- kill -9 of a replica under load; it restarts from its data dir and catches up ----
if selected kill_replica && start_cluster kill_replica --block-retention 16 --view-timeout 300ms; then
  rm -f "$work/stop"
  writer & writer_pid=$!
  client bench --ops 3000 --clients 8 --value-size 32 >"$work/bench.out" 2>&1 & bench_pid=$!
  sleep 3
  "$src/scripts/localnet.sh" kill 2 >/dev/null
  before=$(acked_count)
  sleep 5
  after=$(acked_count)
  check "writes keep succeeding with replica 2 killed ($before -> $after acknowledged)" [ "$after" -gt $((before + 3)) ]
  "$src/scripts/localnet.sh" restart 2 >/dev/null
  # The node prints its recovered height once it has started: wait for it
  # (under the sanitizers, start-up can outlast `localnet.sh restart`).
  recovered=1
  for _ in $(seq 100); do
    grep -q "recovered height [1-9]" "$LOCALNET_DIR/node-2/log" && { recovered=0; break; }
    sleep 0.2
  done
  check "replica 2 recovered from its data dir" [ $recovered = 0 ]
  check "replica 2 catches up" caught_up 2 30
  grep -q "installed a state transferred" "$LOCALNET_DIR/node-2/log"
  check "replica 2, behind by more than block_retention, caught up by state transfer" [ $? = 0 ]
  # At least 20 acknowledged writes for the read-back below: each is a
  # bft-client process, slow to start under the sanitizers beside another
  # test, so the writer gets up to 30 s more to reach them.
  for _ in $(seq 150); do [ "$(acked_count)" -ge 20 ] && break; sleep 0.2; done
  touch "$work/stop"; wait "$writer_pid"
  wait "$bench_pid"; check "the bench under the kill finished with no timeouts" [ $? = 0 ]
  check "writes were acknowledged ($(acked_count))" [ "$(acked_count)" -ge 20 ]
  sleep 1
  for id in 0 1 2 3; do check "every acknowledged write is on node $id" all_acked_on "$id"; done
  stop_cluster
fi

# ---- kill -9 of the leader: a view change, and writes resume ----
if selected kill_leader && start_cluster kill_leader --view-timeout 300ms; then
  rm -f "$work/stop"
  writer & writer_pid=$!
  sleep 2
  leader=$(info 0 leader)
  other=$(((leader + 1) % 4))
  view_before=$(info "$other" view)
  "$src/scripts/localnet.sh" kill "$leader" >/dev/null
  before=$(acked_count)
  sleep 5
  after=$(acked_count)
  check "writes resume after the leader (replica $leader) is killed ($before -> $after)" [ "$after" -gt $((before + 3)) ]
  check "the others moved past its view" [ "$(info "$other" view)" -gt "$view_before" ]
  "$src/scripts/localnet.sh" restart "$leader" >/dev/null
  check "the old leader catches up" caught_up "$leader" 30
  touch "$work/stop"; wait "$writer_pid"
  sleep 1
  for id in 0 1 2 3; do check "every acknowledged write is on node $id" all_acked_on "$id"; done
  stop_cluster
fi

# ---- across network namespaces (skipped when the machine does not allow them) ----
if selected netns; then
  bash "$src/tests/runner_netns_test.sh" "$build" >"$work/netns.out" 2>&1
  cat "$work/netns.out"
  # "netns checks:", not "netns:", so scripts/test.sh does not count them twice.
  read -r netns_passed netns_failed < <(sed -n 's/^netns checks: \([0-9]*\) passed, \([0-9]*\) failed/\1 \2/p' "$work/netns.out") || true
  passed=$((passed + ${netns_passed:-0}))
  failed=$((failed + ${netns_failed:-0}))
  grep -q "^netns: skipped\|^netns checks: [0-9]* passed" "$work/netns.out" || fail "the netns test ended without a summary"
fi

echo "runner: $passed passed, $failed failed"
[ "$failed" = 0 ]
