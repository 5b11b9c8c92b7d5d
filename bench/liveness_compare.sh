#!/usr/bin/env bash
# Runs lossy, seven and leader-crash over a range of seeds under each pair of
# protocol options (backoff_reset x leader_election), one CSV directory per
# run, for analysis/compare_sweeps.py (docs/case-study-liveness.md):
#
#   bench/liveness_compare.sh BFTSIM SEEDS OUT [BASELINE_BFTSIM]
#   bench/liveness_compare.sh build-rel/bftsim 1-20 results/compare /tmp/main/build-rel/bftsim
#   python3 analysis/compare_sweeps.py results/compare
#
# OUT/<config>/<scenario>/<seed>/ holds each run's CSV files; BASELINE_BFTSIM,
# a binary built from before this change, adds the config "before".
set -euo pipefail
bftsim=${1:?usage: liveness_compare.sh BFTSIM SEEDS OUT [BASELINE_BFTSIM]}
seeds=${2:?seeds A-B}
out=${3:?output directory}
baseline=${4:-}
src=$(cd "$(dirname "$0")/.." && pwd)
first=${seeds%-*}
last=${seeds#*-}

run_config() {  # name binary [--set ...]
  local name=$1 binary=$2
  shift 2
  for scenario in lossy seven leader-crash; do
    for ((seed = first; seed <= last; ++seed)); do
      local dir="$out/$name/$scenario/$seed"
      mkdir -p "$dir"
      # Exit 1 (a run not as expected) is data here, not a failure.
      "$binary" run "$src/scenarios/$scenario.yaml" --seed "$seed" --set crypto=fast "$@" \
        --out "$dir" -q >/dev/null 2>&1 || [[ $? -eq 1 ]]
    done
  done
}

[[ -n $baseline ]] && run_config before "$baseline"
for backoff in commit qc; do
  for election in round_robin reputation; do
    run_config "$backoff-$election" "$bftsim" --set "protocol.backoff_reset=$backoff" \
      --set "protocol.leader_election=$election"
  done
done
