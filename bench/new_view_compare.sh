#!/usr/bin/env bash
# Runs scenarios over a range of seeds with protocol.new_view_to_leader off
# and on, under each leader_election, one CSV directory per run, for
# analysis/compare_sweeps.py (docs/case-study-liveness.md, section 7):
#
#   bench/new_view_compare.sh BFTSIM SEEDS OUT [BASELINE_BFTSIM] [-- SCENARIO... [-- --set k=v ...]]
#   bench/new_view_compare.sh build-rel/bftsim 1-200 results/nv
#   bench/new_view_compare.sh build-rel/bftsim 1-200 results/nv-tight "" -- rmw-counters \
#       -- --set expect.within=3s --set expect.min_commits=100
#   python3 analysis/compare_sweeps.py results/nv
#
# OUT/<config>/<scenario>/<seed>/ holds each run's CSV files; configs are
# nv_off-<election> and nv_on-<election>. BASELINE_BFTSIM, a binary built from
# before the change, adds the config "before" (its defaults). The scenarios
# default to rmw-counters, lossy, seven and leader-crash.
#
# OPTION names another boolean protocol option to compare off and on instead
# (configs <option>_off-<election> and <option>_on-<election>), e.g.
#   OPTION=fetch_missed_proposal bench/new_view_compare.sh build-rel/bftsim 1-200 results/fmp "" \
#       -- rmw-counters lossy seven leader-crash
set -euo pipefail
bftsim=${1:?usage: new_view_compare.sh BFTSIM SEEDS OUT [BASELINE_BFTSIM] [-- SCENARIO... [-- --set ...]]}
seeds=${2:?seeds A-B}
out=${3:?output directory}
baseline=${4:-}
shift $(( $# < 4 ? $# : 4 ))
scenarios=()
if [[ ${1:-} == -- ]]; then
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do scenarios+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
fi
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(rmw-counters lossy seven leader-crash)
extra=("$@")
src=$(cd "$(dirname "$0")/.." && pwd)
first=${seeds%-*}
last=${seeds#*-}
for scenario in "${scenarios[@]}"; do
  if [[ ! -f $src/scenarios/$scenario.yaml ]]; then
    echo "new_view_compare: no scenario $src/scenarios/$scenario.yaml" >&2
    exit 2
  fi
done

run_config() {  # name binary [--set ...]
  local name=$1 binary=$2
  shift 2
  for scenario in "${scenarios[@]}"; do
    for ((seed = first; seed <= last; ++seed)); do
      local dir="$out/$name/$scenario/$seed"
      mkdir -p "$dir"
      # Exit 1 (a run not as expected) is data here, not a failure.
      "$binary" run "$src/scenarios/$scenario.yaml" --seed "$seed" --set crypto=fast "${extra[@]}" "$@" \
        --out "$dir" -q >/dev/null 2>&1 || [[ $? -eq 1 ]]
    done
  done
}

[[ -n $baseline ]] && run_config before "$baseline"
option=${OPTION:-new_view_to_leader}
prefix=nv
[[ $option == new_view_to_leader ]] || prefix=$option
for election in round_robin reputation; do
  for value in false true; do
    name=${prefix}_off
    [[ $value == true ]] && name=${prefix}_on
    run_config "$name-$election" "$bftsim" --set "protocol.$option=$value" \
      --set "protocol.leader_election=$election"
  done
done
