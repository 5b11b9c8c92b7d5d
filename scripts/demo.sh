#!/usr/bin/env bash
# Installs what is missing, builds bftsim (release), runs the default scenario
# and writes its CSV to results/demo/ (and a plot there once analysis/ has one).
# One line per phase; apt-get's, meson's and ninja's output goes to
# build-logs/*.log, which a failure names (with the log's last lines).
set -euo pipefail
cd "$(dirname "$0")/.."
script=demo
# shellcheck source=scripts/phases.sh
source scripts/phases.sh

phase_start packages
scripts/install-deps.sh

build=build
if [ ! -f "$build/build.ninja" ]; then
  phase "configuring $build/ (release); meson output in $(phases_log demo-configure)"
  logged demo-configure meson setup "$build" -Dbuildtype=release -Db_ndebug=false
fi
phase "building $build/bftsim: $(phases_build_estimate "$build" 2.5 bftsim); compiler output in $(phases_log demo-build)"
logged demo-build ninja -C "$build" bftsim

phase "running scenarios/demo.yaml"
build/bftsim run scenarios/demo.yaml --out results/demo "$@"
if [ -f analysis/plot_run.py ]; then
  phase "plotting into results/demo/; output in $(phases_log demo-plot)"
  logged demo-plot python3 analysis/plot_run.py results/demo
fi
phases_summary
