#!/usr/bin/env bash
# Sweeps every library scenario over a range of seeds with fast crypto and
# prints one row per scenario: runs, how many went as the scenario expects,
# and the first seeds that did not. The issue-9 check
# (docs/case-study-liveness.md).
#
#   bench/liveness_sweep.sh [BFTSIM [SEEDS [OUT]]] [-- --set k=v ...]
#   bench/liveness_sweep.sh build-rel/bftsim 1-200 results/liveness
#   bench/liveness_sweep.sh build-rel/bftsim 1-200 results/rr -- --set protocol.leader_election=round_robin
#
# A scenario that pins `protocol.leader_election` runs only under its own
# value: with a --set of the other value its row says "pinned" and it is not
# run. JOBS (default 1) is passed to `bftsim sweep --jobs`; run it niced, e.g.
#   JOBS=2 nice -n 10 bench/liveness_sweep.sh build-rel/bftsim 1-200 results/rep -- \
#       --set protocol.leader_election=reputation
#
# SCENARIOS (names without .yaml, space-separated) sweeps only those, in that
# order, e.g. the ones a change touches first on a loaded machine.
#
# Each scenario's summary rows land in OUT/<scenario>/sweep.csv. Exits 1 when
# any run was not as expected, 2 on bad usage.
set -euo pipefail

bftsim=${1:-build-rel/bftsim}
seeds=${2:-1-200}
out=${3:-results/liveness-sweep}
shift $(( $# < 3 ? $# : 3 ))
[[ ${1:-} == -- ]] && shift
extra=("$@")
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-1}
election=
for arg in "${extra[@]}"; do
  [[ $arg == protocol.leader_election=* ]] && election=${arg#protocol.leader_election=}
done

if [[ ! -x $bftsim ]]; then
  echo "liveness_sweep: no bftsim binary at $bftsim (build one: meson setup build-rel -Dbuildtype=release && ninja -C build-rel bftsim)" >&2
  exit 2
fi

files=("$src"/scenarios/*.yaml)
if [[ -n ${SCENARIOS:-} ]]; then
  files=()
  for name in $SCENARIOS; do
    [[ -f $src/scenarios/$name.yaml ]] || { echo "liveness_sweep: no scenarios/$name.yaml" >&2; exit 2; }
    files+=("$src/scenarios/$name.yaml")
  done
fi
status=0
printf '%-32s %5s %8s %6s  %s\n' scenario runs expected missed 'seeds not as expected'
for file in "${files[@]}"; do
  name=$(basename "$file" .yaml)
  pinned=$(sed -nE 's/^  leader_election: *([a-z_]+).*/\1/p' "$file")
  if [[ -n $election && -n $pinned && $pinned != "$election" ]]; then
    printf '%-32s %5s %8s %6s  %s\n' "$name" - - - "pinned: leader_election $pinned, not run"
    continue
  fi
  mkdir -p "$out/$name"
  # A sweep exits 1 when a run was not as expected; the row says which.
  log=$("$bftsim" sweep "$file" --seeds "$seeds" --jobs "$jobs" --set crypto=fast "${extra[@]}" \
        --out "$out/$name" -q 2>&1) || true
  line=$(grep -m1 '^sweep ' <<<"$log" || true)
  if [[ -z $line ]]; then
    echo "liveness_sweep: $name: no sweep summary; output was:" >&2
    echo "$log" >&2
    exit 2
  fi
  runs=$(sed -E 's/.*: ([0-9]+) runs:.*/\1/' <<<"$line")
  ok=$(sed -E 's/.* runs: ([0-9]+) as expected.*/\1/' <<<"$line")
  missed=$((runs - ok))
  bad=$(python3 - "$out/$name/sweep.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["as_expected"] != "yes"]
print(" ".join(r["seed"] for r in rows[:12]) + (" ..." if len(rows) > 12 else ""))
PY
)
  printf '%-32s %5s %8s %6s  %s\n' "$name" "$runs" "$ok" "$missed" "$bad"
  [[ $missed -eq 0 ]] || status=1
done
exit $status
