#!/bin/bash
# Simulator scale (issue 12): the demo workload (scenarios/demo.yaml) with fast
# crypto and votes to the next leader, at n = 4, 16, 64, 256, 1000 (f = (n-1)/3),
# one bftsim run each; prints a table of CPU seconds, wall seconds, peak
# memory (max RSS) and events per CPU second.
#   bench/scale.sh build-rel/bftsim [DURATION] [N ...] [-- extra --set k=v ...]
# DURATION is simulated time (default 10s); the N list defaults to 4 16 64 256 1000.
# Needs GNU time (/usr/bin/time). Each run's summary is in $TMPDIR/bftsim-scale-N.txt.
set -euo pipefail
bftsim=${1:?usage: bench/scale.sh BFTSIM [DURATION] [N ...] [-- --set k=v ...]}
shift
duration=${1:-10s}
[[ $# -gt 0 ]] && shift
sizes=()
while [[ $# -gt 0 && $1 != -- ]]; do sizes+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
extra=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(4 16 64 256 1000)
[[ -x /usr/bin/time ]] || { echo "bench/scale.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
scenario=$(dirname "$0")/../scenarios/demo.yaml
tmp=${TMPDIR:-/tmp}
printf '%6s %6s %10s %9s %9s %10s %14s\n' n f events cpu_s wall_s max_rss_MiB events_per_cpu_s
for n in "${sizes[@]}"; do
  f=$(( (n - 1) / 3 ))
  out=$tmp/bftsim-scale-$n.txt
  /usr/bin/time -f '%U %S %e %M' -o "$out.time" "$bftsim" run "$scenario" --set crypto=fast \
    --set replicas="$n" --set faulty="$f" --set protocol.vote_to=next_leader --set duration="$duration" \
    "${extra[@]}" > "$out" 2>&1 || true
  read -r user sys wall rss_kb < <(tail -n 1 "$out.time")
  events=$(sed -n 's/^ *events \([0-9]*\),.*/\1/p' "$out")
  cpu=$(echo "$user + $sys" | bc -l)
  printf '%6d %6d %10s %9.2f %9.2f %10.0f %14.0f\n' "$n" "$f" "${events:-?}" "$cpu" "$wall" \
    "$(echo "$rss_kb / 1024" | bc -l)" "$(echo "${events:-0} / ($cpu + 0.0001)" | bc -l)"
done
