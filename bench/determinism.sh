#!/bin/bash
# Determinism baseline (issue 12): every library scenario (scenarios/*.yaml)
# at the given seeds, as written and with `--set crypto=fast`, into one
# directory per run: the printed summary without its wall-clock line, and
# every CSV except wallclock.csv. Prints one sha256 line per file (the
# manifest); two manifests of binaries that should behave alike must be equal:
#   bench/determinism.sh build-rel/bftsim OUT [SEEDS]   > before.sha
#   (change, rebuild)
#   bench/determinism.sh build-rel/bftsim OUT2 [SEEDS]  > after.sha
#   diff before.sha after.sha && echo identical
# SEEDS defaults to 1-2. A run's exit code (expected or not) is recorded in
# its directory too, so a changed verdict shows as a changed file.
set -euo pipefail
bftsim=${1:?usage: bench/determinism.sh BFTSIM OUT_DIR [SEEDS]}
out=${2:?usage: bench/determinism.sh BFTSIM OUT_DIR [SEEDS]}
seeds=${3:-1-2}
first=${seeds%-*}
last=${seeds#*-}
root=$(dirname "$0")/..
mkdir -p "$out"
for scenario in "$root"/scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  for seed in $(seq "$first" "$last"); do
    for crypto in asis fast; do
      dir=$out/$name-$seed-$crypto
      rm -rf "$dir"
      mkdir -p "$dir"
      set_args=()
      [[ $crypto == fast ]] && set_args=(--set crypto=fast)
      rc=0
      "$bftsim" run "$scenario" --seed "$seed" --out "$dir" "${set_args[@]}" \
        > "$dir/summary.raw" 2> "$dir/stderr.raw" || rc=$?
      sed "s|$dir|DIR|g" "$dir/summary.raw" > "$dir/summary.txt"
      echo "$rc" > "$dir/exit_code"
      grep -v '^wall clock:' "$dir/stderr.raw" | sed "s|$scenario|SCENARIO|g" > "$dir/stderr.txt" || true
      rm -f "$dir/summary.raw" "$dir/stderr.raw" "$dir/wallclock.csv"
    done
  done
done
(cd "$out" && find . -type f | LC_ALL=C sort | xargs sha256sum)
