#!/usr/bin/env bash
# The whole protocol-option matrix over the scenario library: every scenario
# at seed 1 under each backoff_reset x leader_election and each flipped
# new_view_to_leader / fetch_missed_proposal / commit_rule (two_chain) x
# leader_election, 10 runs per scenario
# (tests/sim/scenario/protocol_options_test.cpp). The suite
# (scripts/test.sh) runs a rotation of it, one combination per scenario and
# test case, so every scenario and every combination still runs under ASan;
# run this after a change to the pacemaker, leader election or sync rules.
#   bench/option_matrix.sh [BUILD_DIR]      default build-rel; exits 0 when all pass
set -euo pipefail
build=${1:-build-rel}
tests=$build/tests/bftsim_tests
if [ ! -x "$tests" ]; then
  echo "option_matrix: $tests not found: meson setup $build -Dbuildtype=release && ninja -C $build tests/bftsim_tests" >&2
  exit 2
fi
exec "$tests" --no-skip --test-case='option matrix:*'
