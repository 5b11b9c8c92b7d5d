#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages bftsim builds and runs with, when any is
# missing (libhiredis-dev for the runner's RESP door; redis-tools for the
# runner tests' redis-cli and for redis-benchmark; redis-server as the speed
# reference; libjemalloc-dev, the allocator bftsim and bench_sim link). Runs
# apt-get directly as root, through sudo otherwise. Prints one line (what it
# installs, or that nothing is missing); apt-get's and dpkg's output goes to
# build-logs/install-deps.log, which a failure names.
#   scripts/install-deps.sh             what demo.sh and test.sh need
#   scripts/install-deps.sh --bench     also the optional LevelDB that bench_storage
#                                       compares against (without it, bftsim rows only)
#   scripts/install-deps.sh --dry-run   print the apt-get commands, run none
set -euo pipefail
script="install-deps"
# shellcheck source=scripts/phases.sh
source "$(dirname "$0")/phases.sh"

packages=(
  g++ meson ninja-build pkg-config
  libsodium-dev libfmt-dev libyaml-cpp-dev libboost-program-options-dev
  libexpected-dev doctest-dev libisal-dev libbenchmark-dev libasio-dev
  libhiredis-dev redis-tools redis-server libjemalloc-dev
  python3 python3-pandas python3-matplotlib
)
# Optional: used only by bench/ (bench_storage), never by the build or the tests.
optional_bench_packages=(libleveldb-dev)
dry_run=false
for argument in "$@"; do
  case $argument in
    --bench) packages+=("${optional_bench_packages[@]}") ;;
    --dry-run) dry_run=true ;;
    *)
      echo "install-deps: unknown argument $argument (known: --bench, --dry-run)" >&2
      exit 2
      ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: nothing to install (all ${#packages[@]} packages present)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: ${#missing[@]} packages missing (${missing[*]}), and not root and no sudo:" \
    "run this script as root" >&2
  exit 2
fi
update=("${sudo[@]}" apt-get update -q)
install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
  "${missing[@]}")
if [ "$dry_run" = true ]; then
  echo "install-deps: would install ${#missing[@]} packages: ${missing[*]}"
  echo "  ${update[*]}"
  echo "  ${install[*]}"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages (${missing[*]}); about a minute or two;" \
  "apt-get output in $(phases_log install-deps)"
# sudo asks for a password on the terminal here, not inside the logged commands.
[ ${#sudo[@]} -eq 0 ] || sudo -v
logged install-deps "${update[@]}"
logged install-deps "${install[@]}"
