#!/usr/bin/env bash
# Installs what is missing, builds bftsim (release), runs the default scenario
# and writes its CSV to results/demo/ (and a plot there once analysis/ has one).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=build
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dbuildtype=release -Db_ndebug=false >/dev/null
fi
ninja -C "$build" bftsim

build/bftsim run scenarios/demo.yaml --out results/demo "$@"
if [ -f analysis/plot_run.py ]; then
  python3 analysis/plot_run.py results/demo
fi
