#!/usr/bin/env bash
# A 4-node cluster across network namespaces, as across hosts: each node in
# its own namespace with its own address (10.77.0.1-4 on a bridge in a hub
# namespace this test creates), the client in the hub. Skipped with a
# message when the machine does not allow network namespaces (not root, no
# CAP_SYS_ADMIN). Everything it creates is removed at the end.
# Usage: tests/runner_netns_test.sh BUILD_DIR; last line "netns checks: N passed, M failed"
# (or "netns: skipped: why").
set -uo pipefail
build=$(cd "$1" && pwd)
node_bin="$build/runner/bft-node"
client_bin="$build/runner/bft-client"
tag="bft$$"
hub="$tag-hub"
work=$(mktemp -d)
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
cleanup() {
  for pid_file in "$work"/*.pid; do [ -f "$pid_file" ] && kill -KILL "$(cat "$pid_file")" 2>/dev/null; done
  for i in 0 1 2 3; do ip netns del "$tag-n$i" 2>/dev/null; done
  ip netns del "$hub" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if ! ip netns add "$hub" 2>"$work/err"; then
  echo "netns: skipped: cannot create a network namespace ($(head -1 "$work/err"))"
  exit 0
fi
ip -n "$hub" link add br0 type bridge && ip -n "$hub" link set br0 up &&
  ip -n "$hub" addr add 10.77.0.100/24 dev br0 && ip -n "$hub" link set lo up || { echo "netns: skipped: no bridge"; exit 0; }
for i in 0 1 2 3; do
  ns="$tag-n$i"
  ip netns add "$ns" &&
    ip -n "$hub" link add "v$i" type veth peer name eth0 netns "$ns" &&
    ip -n "$hub" link set "v$i" master br0 up &&
    ip -n "$ns" addr add "10.77.0.$((i + 1))/24" dev eth0 &&
    ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up || { echo "netns: skipped: veth setup failed"; exit 0; }
done

{
  echo "chain_id: netns"
  echo "faulty: 1"
  echo "protocol: {view_timeout: 500ms}"
  echo "replicas:"
  for i in 0 1 2 3; do
    key=$("$node_bin" keygen --out "$work/n$i.key")
    echo "  - {id: $i, address: 10.77.0.$((i + 1)):7000, client_port: 7100, public_key: $key}"
  done
} >"$work/cluster.yaml"
for i in 0 1 2 3; do
  ip netns exec "$tag-n$i" "$node_bin" --config "$work/cluster.yaml" --id "$i" --data-dir "$work/d$i" \
    --key "$work/n$i.key" >"$work/n$i.log" 2>&1 &
  echo $! >"$work/n$i.pid"
done
in_hub() { timeout 30 ip netns exec "$hub" "$@"; }
sleep 1
if in_hub "$client_bin" --config "$work/cluster.yaml" --timeout 20s put across hosts >/dev/null; then
  pass "a write across namespaces"; else fail "a write across namespaces"; fi
ok=1
for i in 0 1 2 3; do
  [ "$(in_hub redis-cli -h "10.77.0.$((i + 1))" -p 7100 GET across)" = hosts ] || ok=0
done
[ $ok = 1 ] && pass "read back on every node's address" || fail "read back on every node's address"
grep -q "link to replica 3 up" "$work/n0.log" && pass "node 0 linked to node 3 at 10.77.0.4" || fail "node 0 linked to node 3"
# Node 2's namespace loses its link: the other three go on.
ip -n "$tag-n2" link set eth0 down
in_hub "$client_bin" --config "$work/cluster.yaml" --timeout 20s put cut yes >/dev/null &&
  pass "writes go on with node 2 cut off" || fail "writes go on with node 2 cut off"
ip -n "$tag-n2" link set eth0 up
deadline=$((SECONDS + 30))
until [ "$(in_hub redis-cli -h 10.77.0.3 -p 7100 GET cut 2>/dev/null)" = yes ] || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
[ "$(in_hub redis-cli -h 10.77.0.3 -p 7100 GET cut)" = yes ] && pass "node 2 catches up after its link returns" ||
  fail "node 2 catches up after its link returns"
# A node whose peer's host is unreachable (connects hang, no refusal) still stops at once on SIGTERM.
# Node 0 restarts while node 3 is cut off, so its connect to node 3 hangs.
ip -n "$tag-n3" link set eth0 down
kill -KILL "$(cat "$work/n0.pid")"
ip netns exec "$tag-n0" "$node_bin" --config "$work/cluster.yaml" --id 0 --data-dir "$work/d0" \
  --key "$work/n0.key" >>"$work/n0.log" 2>&1 &
echo $! >"$work/n0.pid"
sleep 1.5
kill -TERM "$(cat "$work/n0.pid")"
deadline=$((SECONDS + 5))
while kill -0 "$(cat "$work/n0.pid")" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
kill -0 "$(cat "$work/n0.pid")" 2>/dev/null && fail "SIGTERM with an unreachable peer took over 5 s" ||
  pass "SIGTERM with an unreachable peer stops the node within 5 s"
echo "netns checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
